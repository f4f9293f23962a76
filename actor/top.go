package actor

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
)

// entry is the system's record of a running actor (one incarnation).
type entry struct {
	seq      uint64 // incarnation order
	pid      *pa.PID
	behavior string
	host     *bridge.Host
	mb       *mailbox.Mailbox // nil: not one of package mailbox's
	mon      *fiber.Monitor   // nil: no watchdog

	// Owned by the watchdog goroutine.
	warned, failed uint64 // the Seq of the last slice reported at each level
}

// register records a started actor; unregister forgets it.
func (s *System) register(e *entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actors[e.host] = e
}

// nextSeq numbers an actor incarnation as its producer runs (protoactor
// runs it synchronously in Spawn, and again for each restart).
func (s *System) nextSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func (s *System) unregister(h *bridge.Host) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.actors, h)
}

// entries returns the running actors, in the order they were spawned (a
// restarted actor counts from its restart).
func (s *System) entries() []*entry {
	s.mu.Lock()
	es := make([]*entry, 0, len(s.actors))
	for _, e := range s.actors {
		es = append(es, e)
	}
	s.mu.Unlock()
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	return es
}

// ActorInfo describes one running actor at one moment, for [System.Top]. It
// is a plain value: it may be copied and read from any goroutine.
type ActorInfo struct {
	// PID is the actor's PID.
	PID *pa.PID
	// Behavior is the Go type of the actor's behavior, such as
	// "*main.room".
	Behavior string
	// Started is when this incarnation of the actor started.
	Started time.Time
	// Turns counts the turns the actor has run (one per message, wake-ups
	// included).
	Turns uint64
	// Mailbox is the number of messages queued in the actor's mailbox, or -1
	// if its mailbox is not one of package mailbox's.
	Mailbox int
	// Running is what the actor runs now, if it is in a turn and the
	// system has a watchdog ([WithWatchdog]); nil otherwise. Its Fiber is
	// empty while the behavior's own code runs.
	Running *fiber.Slice
	// Fibers lists the actor's live fibers, newest first: name, state,
	// what each waits on and since when, when it was spawned, how many
	// times it ran.
	Fibers []fiber.Info
	// Err is why the actor's turns did not describe it: the context given
	// to Top ended first (the actor is busy: see Running), or the actor
	// stopped meanwhile ([bridge.ErrNotRunning]). Turns and Fibers are then
	// empty.
	Err error
}

// Top describes every running actor of the system, in the order they
// were spawned (a restarted actor counts from its restart): its mailbox, its turns and its fibers. Each actor describes
// itself in one of its turns, so the description is consistent and needs
// no lock; Top asks them all at once and waits until each has answered or
// ctx is done. An actor that did not answer in time (one stuck in a long
// turn) is still listed, with Err set and, if the system has a watchdog,
// what it runs.
//
// Top is safe for concurrent use. It must not be called from an actor's
// turns (its own actor could not answer).
func (s *System) Top(ctx context.Context) []ActorInfo {
	es := s.entries()
	hosts := make([]*bridge.Host, len(es))
	for i, e := range es {
		hosts[i] = e.host
	}
	answers := bridge.InspectAll(ctx, hosts)
	infos := make([]ActorInfo, len(es))
	for i, e := range es {
		a := answers[i]
		in := ActorInfo{PID: e.pid, Behavior: e.behavior, Mailbox: -1, Err: a.Err}
		if e.mb != nil {
			in.Mailbox = e.mb.UserMessageCount()
		}
		if a.Err == nil {
			in.Started, in.Turns, in.Fibers = a.Info.Started, a.Info.Turns, a.Info.Fibers
		}
		if e.mon != nil {
			if sl, ok := e.mon.Running(); ok {
				in.Running = &sl
			}
		}
		infos[i] = in
	}
	return infos
}

// WriteTop writes infos as a table: a line per actor, and below it a line
// per fiber. Uptimes, fiber ages and times in a wait are measured against
// now (pass the system's clock's time); how long a running slice has run
// is measured by the real clock, as [fiber.Monitor] records it.
func WriteTop(w io.Writer, infos []ActorInfo, now time.Time) error {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", pidString(a.PID), a.Behavior, up, a.Turns, mb, len(a.Fibers), status)
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

// topJSON is the JSON shape of TopHandler's answer.
type topJSON struct {
	Time   time.Time   `json:"time"`
	Actors []actorJSON `json:"actors"`
}

type actorJSON struct {
	PID      string      `json:"pid"`
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

func toJSON(infos []ActorInfo, now time.Time) topJSON {
	out := topJSON{Time: now, Actors: make([]actorJSON, len(infos))}
	for i, a := range infos {
		j := actorJSON{PID: pidString(a.PID), Behavior: a.Behavior, Turns: a.Turns, Mailbox: a.Mailbox, Fibers: make([]fiberJSON, len(a.Fibers))}
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

// TopHandler returns an HTTP handler that serves [System.Top], as
// net/http/pprof serves profiles: mount it where operators can reach it,
// such as mux.Handle("/debug/weft/top", actor.TopHandler(sys)).
//
// It answers GET and HEAD with the table of [WriteTop] as text/plain, or
// with JSON if the query has format=json or the Accept header asks for
// application/json. The query parameter timeout (a Go duration, default
// 1s, at most 1m) bounds how long it waits for busy actors; the request's
// own context bounds it too.
//
// The JSON document is {"time": ..., "actors": [{"pid", "behavior",
// "started", "turns", "mailbox", "running": {"fiber", "fiber_id",
// "since"}, "fibers": [{"id", "name", "parent", "state", "cancelled",
// "waiting_on", "waiting_for", "since", "spawned", "runs"}], "error"}]},
// times in RFC 3339, empty fields left out.
func TopHandler(sys *System) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "actor: TopHandler: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		timeout := time.Second
		if t := r.URL.Query().Get("timeout"); t != "" {
			d, err := time.ParseDuration(t)
			if err != nil || d <= 0 || d > time.Minute {
				http.Error(w, fmt.Sprintf("actor: TopHandler: bad timeout %q: want a duration in (0, 1m]", t), http.StatusBadRequest)
				return
			}
			timeout = d
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		infos := sys.Top(ctx)
		now := sys.now()
		if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(toJSON(infos, now))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = WriteTop(w, infos, now)
	})
}

// pidString formats pid as "address/id".
func pidString(pid *pa.PID) string {
	if pid == nil {
		return "<nil>"
	}
	return pid.Address + "/" + pid.Id
}
