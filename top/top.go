package top

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// Write writes infos as a table: a line per actor, and below it a line
// per fiber. Uptimes, fiber ages and times in a wait are measured against
// now (pass the system's clock's time); how long a running slice has run
// is measured by the real clock, as [fiber.Monitor] records it.
func Write(w io.Writer, infos []actor.ActorInfo, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTOR\tBEHAVIOR\tUP\tTURNS\tMAILBOX\tFIBERS\tSTATUS")
	for _, a := range infos {
		status := "idle"
		switch {
		case a.Running != nil && a.Running.Fiber != "":
			status = fmt.Sprintf("running fiber %q for %v", a.Running.Fiber, round(time.Since(a.Running.Start)))
		case a.Running != nil:
			status = fmt.Sprintf("running its behavior for %v", round(time.Since(a.Running.Start)))
		}
		if a.Err != nil {
			status += " (no answer: " + a.Err.Error() + ")"
		}
		mb := "-"
		if a.Mailbox >= 0 {
			mb = fmt.Sprint(a.Mailbox)
		}
		up := "-"
		if !a.Started.IsZero() {
			up = round(now.Sub(a.Started)).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", a.Actor, a.Behavior, up, a.Turns, mb, len(a.Fibers), status)
		for _, f := range a.Fibers {
			wait := f.WaitingOn
			if f.State == fiber.StateSuspended {
				wait += " for " + round(now.Sub(f.Since)).String()
			}
			if f.Cancelled {
				wait += " (cancelled)"
			}
			fmt.Fprintf(tw, "  fiber %d %q\tparent %d\t%v\t%d runs\t%s\t\t%s\n",
				f.ID, f.Name, f.Parent, round(now.Sub(f.Spawned)), f.Runs, strings.ToLower(f.State.String()), wait)
		}
	}
	return tw.Flush()
}

// round rounds d for display.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// topJSON is the JSON shape of Handler's answer.
type topJSON struct {
	Time   time.Time   `json:"time"`
	Actors []actorJSON `json:"actors"`
}

type actorJSON struct {
	Actor    string      `json:"actor"`
	Behavior string      `json:"behavior"`
	Started  *time.Time  `json:"started,omitempty"`
	Turns    uint64      `json:"turns"`
	Mailbox  int         `json:"mailbox"`
	Running  *sliceJSON  `json:"running,omitempty"`
	Fibers   []fiberJSON `json:"fibers"`
	Error    string      `json:"error,omitempty"`
}

type sliceJSON struct {
	Fiber   string    `json:"fiber,omitempty"`
	FiberID uint64    `json:"fiber_id,omitempty"`
	Since   time.Time `json:"since"`
}

type fiberJSON struct {
	ID         uint64     `json:"id"`
	Name       string     `json:"name"`
	Parent     uint64     `json:"parent,omitempty"`
	State      string     `json:"state"`
	Cancelled  bool       `json:"cancelled,omitempty"`
	WaitingOn  string     `json:"waiting_on,omitempty"`
	WaitingFor uint64     `json:"waiting_for,omitempty"`
	Since      *time.Time `json:"since,omitempty"`
	Spawned    time.Time  `json:"spawned"`
	Runs       uint64     `json:"runs"`
}

func toJSON(infos []actor.ActorInfo, now time.Time) topJSON {
	out := topJSON{Time: now, Actors: make([]actorJSON, len(infos))}
	for i, a := range infos {
		j := actorJSON{Actor: a.Actor, Behavior: a.Behavior, Turns: a.Turns, Mailbox: a.Mailbox, Fibers: make([]fiberJSON, len(a.Fibers))}
		if !a.Started.IsZero() {
			j.Started = &a.Started
		}
		if a.Running != nil {
			j.Running = &sliceJSON{Fiber: a.Running.Fiber, FiberID: a.Running.FiberID, Since: a.Running.Start}
		}
		if a.Err != nil {
			j.Error = a.Err.Error()
		}
		for k, f := range a.Fibers {
			fj := fiberJSON{ID: f.ID, Name: f.Name, Parent: f.Parent, State: strings.ToLower(f.State.String()),
				Cancelled: f.Cancelled, WaitingOn: f.WaitingOn, WaitingFor: f.WaitingFor, Spawned: f.Spawned, Runs: f.Runs}
			if !f.Since.IsZero() {
				since := f.Since
				fj.Since = &since
			}
			j.Fibers[k] = fj
		}
		out.Actors[i] = j
	}
	return out
}

// Handler returns an HTTP handler that serves [actor.System.Top], as
// net/http/pprof serves profiles: mount it where operators can reach it,
// such as mux.Handle("/debug/weft/top", top.Handler(sys)).
//
// It answers GET and HEAD with the table of [Write] as text/plain, or
// with JSON if the query has format=json or the Accept header asks for
// application/json. The query parameter timeout (a Go duration, default
// 1s, at most 1m) bounds how long it waits for busy actors; the request's
// own context bounds it too.
//
// The JSON document is {"time": ..., "actors": [{"actor", "behavior",
// "started", "turns", "mailbox", "running": {"fiber", "fiber_id",
// "since"}, "fibers": [{"id", "name", "parent", "state", "cancelled",
// "waiting_on", "waiting_for", "since", "spawned", "runs"}], "error"}]},
// times in RFC 3339, empty fields left out.
func Handler(sys *actor.System) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "top: Handler: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		timeout := time.Second
		if t := r.URL.Query().Get("timeout"); t != "" {
			d, err := time.ParseDuration(t)
			if err != nil || d <= 0 || d > time.Minute {
				http.Error(w, fmt.Sprintf("top: Handler: bad timeout %q: want a duration in (0, 1m]", t), http.StatusBadRequest)
				return
			}
			timeout = d
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		infos := sys.Top(ctx)
		now := sys.Now()
		if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(toJSON(infos, now))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = Write(w, infos, now)
	})
}
