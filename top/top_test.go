package top_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
	"github.com/weft-go/weft/top"
)

// patience bounds every wait of these tests on a channel; it is a safety
// net that turns a hang into a failure, never what a test waits for.
const patience = 10 * time.Second

// newSystem returns a quiet system that is shut down, and whose Shutdown
// is checked, when t ends.
func newSystem(t *testing.T, opts ...actor.Option) *actor.System {
	t.Helper()
	sys := actor.NewSystem(append([]actor.Option{actor.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		if err := sys.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown(ctx) = %v; want nil", err)
		}
	})
	return sys
}

// spawn spawns a top-level actor or fails t.
func spawn[M any](t *testing.T, sys *actor.System, name string, produce func() actor.Behavior[M], opts ...actor.SpawnOption) actor.Ref[M] {
	t.Helper()
	ref, err := actor.Spawn(sys, name, produce, opts...)
	if err != nil {
		t.Fatalf("Spawn(sys, %q, ...) error = %v; want nil", name, err)
	}
	return ref
}

// recv receives from ch, failing t if nothing comes within patience.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// silentMsg is the protocol of topFixture's silent actor.
type silentMsg interface{ silentMsg() }

type (
	ping struct {
		actor.Request[silentMsg, string]
	} // replied with "pong"
	anyone struct {
		actor.Request[silentMsg, string]
	} // kept, never answered
)

func (ping) silentMsg()   {}
func (anyone) silentMsg() {}

// topFixture starts a "sleeper" actor with a fiber asleep for an hour and a
// fiber waiting on a request to a "silent" actor, which keeps requests
// without answering, in a bounded mailbox.
func topFixture(t *testing.T) *actor.System {
	t.Helper()
	sys := newSystem(t)
	asked := make(chan struct{})
	silent := spawn(t, sys, "silent", func() actor.Behavior[silentMsg] {
		return actor.BehaviorFunc[silentMsg](func(self *actor.Self[silentMsg], msg silentMsg) {
			switch m := msg.(type) {
			case ping:
				_ = actor.ReplyTo(self, m).Send("pong")
			case anyone:
				close(asked) // kept, never answered
			}
		})
	}, actor.WithMailbox(mailbox.Bounded(8, mailbox.DropNewest)))
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if _, err := actor.Call(ctx, silent, ping{}); err != nil { // silent has started
		t.Fatal(err)
	}
	ready := make(chan struct{})
	sleeper := spawn(t, sys, "sleeper", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("nap", func(f *fiber.Fiber) error { return f.Sleep(time.Hour) })
			self.Go("asker", func(f *fiber.Fiber) error {
				close(ready)
				_, err := actor.Ask(f, silent, anyone{})
				return err
			})
		})
	})
	sleeper.Send("go")
	recv(t, ready, "the asker")
	recv(t, asked, "the request at silent")
	return sys
}

// spin runs without suspending until stop is set: a deliberate stall. It
// yields the processor (not the fiber), so the test needs no spare core.
func spin(stop *atomic.Bool) {
	for !stop.Load() {
		runtime.Gosched()
	}
}

// TestWriteBusy checks the table of an actor stuck in a long slice: the
// fiber it runs (known with a watchdog) and the answer Top did not get.
func TestWriteBusy(t *testing.T) {
	var stop atomic.Bool
	defer stop.Store(true)
	spinning := make(chan struct{})
	sys := newSystem(t, actor.WithWatchdog(actor.Watchdog{Warn: time.Hour}))
	ref := spawn(t, sys, "busy", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("spinner", func(f *fiber.Fiber) error {
				close(spinning)
				spin(&stop)
				return nil
			})
		})
	})
	ref.Send("go")
	recv(t, spinning, "the spinner")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a busy actor cannot answer anyway; Top must not wait for it
	infos := sys.Top(ctx)
	stop.Store(true)
	if len(infos) != 1 {
		t.Fatalf("Top() = %+v; want one actor", infos)
	}
	var b strings.Builder
	if err := top.Write(&b, infos, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nonhost/busy", `running fiber "spinner" for`, "no answer: context canceled"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Write =\n%s\nwant it to contain %q", b.String(), want)
		}
	}
}

// TestWriteIdle checks the table of idle actors: a line per actor and per
// fiber, with what each fiber waits on.
func TestWriteIdle(t *testing.T) {
	sys := topFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	var b strings.Builder
	if err := top.Write(&b, sys.Top(ctx), sys.Now()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 { // header, silent, sleeper, its two fibers
		t.Fatalf("Write =\n%s\nwant 5 lines", b.String())
	}
	for i, want := range []string{"ACTOR", "nonhost/silent", "nonhost/sleeper"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("Write line %d = %q; want it to contain %q", i, lines[i], want)
		}
	}
	if !strings.HasSuffix(lines[2], "idle") {
		t.Errorf("Write line 2 = %q; want sleeper idle", lines[2])
	}
	fibers := map[string]string{} // name: what it waits on, after the state
	for _, l := range lines[3:] {
		for _, name := range []string{`"nap"`, `"asker"`} {
			if strings.Contains(l, name) {
				_, wait, _ := strings.Cut(l, "suspended")
				fibers[name] = strings.TrimSpace(wait)
			}
		}
	}
	if !strings.HasPrefix(fibers[`"nap"`], "sleep 1h0m0s for ") || !strings.HasPrefix(fibers[`"asker"`], "request to nonhost/silent for ") {
		t.Errorf("Write fibers = %q; want nap asleep for 1h and asker waiting on silent", fibers)
	}
}

// TestTopHandler checks the HTTP handler: the text table, the JSON
// document, and its errors.
func TestTopHandler(t *testing.T) {
	sys := topFixture(t)
	h := top.Handler(sys)
	get := func(target string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		if len(header) == 2 {
			req.Header.Set(header[0], header[1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	text := get("/debug/weft/top")
	if ct := text.Header().Get("Content-Type"); text.Code != 200 || !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("text: %d %q; want 200 text/plain", text.Code, ct)
	}
	for _, want := range []string{"ACTOR", "BEHAVIOR", "nonhost/silent", `fiber 1 "nap"`, "sleep 1h0m0s for", "request to nonhost/silent for"} {
		if !strings.Contains(text.Body.String(), want) {
			t.Errorf("text body =\n%s\nwant it to contain %q", text.Body.String(), want)
		}
	}
	for _, w := range []*httptest.ResponseRecorder{get("/?format=json&timeout=5s"), get("/", "Accept", "application/json")} {
		var doc struct {
			Actors []struct {
				Actor   string `json:"actor"`
				Mailbox int    `json:"mailbox"`
				Fibers  []struct {
					Name      string `json:"name"`
					State     string `json:"state"`
					WaitingOn string `json:"waiting_on"`
					Runs      uint64 `json:"runs"`
				} `json:"fibers"`
			} `json:"actors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("JSON answer %q (%v): %v", w.Body.String(), w.Header(), err)
		}
		if len(doc.Actors) != 2 || doc.Actors[0].Actor != "nonhost/silent" || len(doc.Actors[1].Fibers) != 2 {
			t.Fatalf("JSON actors = %+v; want silent and sleeper with its two fibers", doc.Actors)
		}
		if f := doc.Actors[1].Fibers[1]; f.Name != "nap" || f.State != "suspended" || f.WaitingOn != "sleep 1h0m0s" || f.Runs != 1 {
			t.Errorf("JSON fiber = %+v; want nap, suspended in sleep 1h0m0s, 1 run", f)
		}
	}
	if w := get("/?timeout=forever"); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "bad timeout") {
		t.Errorf("bad timeout: %d %q; want 400 and the reason", w.Code, w.Body.String())
	}
	post := httptest.NewRecorder()
	h.ServeHTTP(post, httptest.NewRequest(http.MethodPost, "/", nil))
	if post.Code != http.StatusMethodNotAllowed || post.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q; want 405, GET, HEAD", post.Code, post.Header().Get("Allow"))
	}
}
