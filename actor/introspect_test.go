package actor_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/goprof"
	"github.com/weft-go/weft/mailbox"
	"github.com/weft-go/weft/supervision"
)

// spin runs without suspending until stop is set: a deliberate stall. It
// yields the processor (not the fiber), so the test needs no spare core.
func spin(stop *atomic.Bool) {
	for !stop.Load() {
		runtime.Gosched()
	}
}

// staller is an actor that stalls in a fiber ("fiber") or in its own
// handler ("handler") until its watchdog has reported it.
func staller(stop *atomic.Bool) func() actor.Behavior[string] {
	return func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			switch msg {
			case "fiber":
				self.Go("spinner", func(f *fiber.Fiber) error {
					spin(stop)
					return nil
				})
			case "handler":
				spin(stop)
			case "ping":
				self.Respond("pong")
			}
		})
	}
}

// TestWatchdogWarns stalls an actor in a fiber and in its handler and
// checks the watchdog's report: the actor, the fiber, how long it ran, and
// the stack of the stalled code.
func TestWatchdogWarns(t *testing.T) {
	const warn = 20 * time.Millisecond
	for _, where := range []string{"fiber", "handler"} {
		t.Run(where, func(t *testing.T) {
			var stop atomic.Bool
			reports := make(chan actor.Stall, 8)
			sys := newSystem(t, actor.WithWatchdog(actor.Watchdog{Warn: warn, OnStall: func(s actor.Stall) {
				reports <- s
				stop.Store(true)
			}}))
			ref := spawn(t, sys, "staller", staller(&stop))
			ref.Send(where)
			st := recv(t, reports, "the stall report")
			wantFiber := map[string]string{"fiber": "spinner", "handler": ""}[where]
			if st.Fiber != wantFiber || (st.FiberID == 0) != (wantFiber == "") {
				t.Errorf("report names fiber %q (%d); want %q", st.Fiber, st.FiberID, wantFiber)
			}
			if !st.Actor.Equal(ref.PID()) || st.Running < warn || st.Fail {
				t.Errorf("report = %v (Running %v, Fail %v); want actor %v, at least %v, a warning", st, st.Running, st.Fail, ref.PID(), warn)
			}
			if !strings.Contains(st.Stack, "actor_test.spin") {
				t.Errorf("report's stack =\n%s\nwant it to show actor_test.spin", st.Stack)
			}
			if where == "fiber" && !strings.Contains(st.String(), `fiber "spinner" has run for`) {
				t.Errorf("String() = %q", st.String())
			}
			// The actor goes on serving once the slice ends.
			if r, err := actor.Call[string](ctxFor(t), ref, "ping"); r != "pong" || err != nil {
				t.Errorf("Call(ping) after the stall = %q, %v; want pong, nil", r, err)
			}
		})
	}
}

// TestWatchdogFails checks the fail level: the actor's slice is reported
// with Fail set, and once it ends the actor fails with a *StallError that
// its supervisor receives.
func TestWatchdogFails(t *testing.T) {
	var stop atomic.Bool
	reports := make(chan actor.Stall, 8)
	sys := newSystem(t, actor.WithWatchdog(actor.Watchdog{Fail: 20 * time.Millisecond, OnStall: func(s actor.Stall) {
		reports <- s
		stop.Store(true)
	}}))
	strategy, failures := recordingStrategy(supervision.Stop, 4)
	ref := spawn(t, sys, "staller", staller(&stop), actor.WithSupervisor(strategy))
	ref.Send("fiber")
	st := recv(t, reports, "the stall report")
	if !st.Fail || st.Fiber != "spinner" {
		t.Errorf("report = %v, Fail %v; want fiber spinner, Fail", st, st.Fail)
	}
	f := recv(t, failures, "the failure")
	var se *actor.StallError
	err, _ := f.reason.(error)
	if !errors.As(err, &se) || !errors.Is(err, actor.ErrStalled) || se.Fiber != "spinner" || !f.who.Equal(ref.PID()) {
		t.Fatalf("failure = %v of %v; want a *StallError of fiber spinner of %v", f.reason, f.who, ref.PID())
	}
	if !strings.Contains(se.Error(), "actor_test.spin") {
		t.Errorf("StallError.Error() = %q; want the stack", se.Error())
	}
}

// TestWatchdogQuiet checks that short slices are not reported: an actor
// handling a thousand messages, each well under the limit.
func TestWatchdogQuiet(t *testing.T) {
	var reported atomic.Int32
	sys := newSystem(t, actor.WithWatchdog(actor.Watchdog{Warn: time.Second, OnStall: func(actor.Stall) { reported.Add(1) }}))
	ref := spawn(t, sys, "counter", counter)
	for range 1000 {
		ref.Send(add{n: 1})
	}
	if n, err := actor.Call[int, counterMsg](ctxFor(t), ref, get{}); n != 1000 || err != nil {
		t.Fatalf("Call(Get) = %d, %v; want 1000, nil", n, err)
	}
	if n := reported.Load(); n != 0 {
		t.Errorf("stall reports = %d; want 0", n)
	}
}

// topFixture starts a "sleeper" actor with a fiber asleep for an hour and a
// fiber waiting on a request to a "silent" actor, which keeps requests
// without answering, in a bounded mailbox.
func topFixture(t *testing.T, opts ...actor.Option) (*actor.System, actor.Ref[string], actor.Ref[string]) {
	t.Helper()
	sys := newSystem(t, opts...)
	asked := make(chan struct{})
	silent := spawn(t, sys, "silent", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			switch msg {
			case "ping":
				self.Respond("pong")
			case "anyone?":
				close(asked) // kept, never answered
			}
		})
	}, actor.WithMailbox(mailbox.Bounded(8, mailbox.DropNewest)))
	if _, err := actor.Call[string](ctxFor(t), silent, "ping"); err != nil { // silent has started
		t.Fatal(err)
	}
	ready := make(chan struct{})
	sleeper := spawn(t, sys, "sleeper", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("nap", func(f *fiber.Fiber) error { return f.Sleep(time.Hour) })
			self.Go("asker", func(f *fiber.Fiber) error {
				close(ready)
				_, err := actor.Ask[string](f, silent, "anyone?")
				return err
			})
		})
	})
	sleeper.Send("go")
	recv(t, ready, "the asker")
	recv(t, asked, "the request at silent")
	return sys, sleeper, silent
}

// TestTop checks what Top reports of idle actors: behavior, turns,
// mailbox, fibers and their waits.
func TestTop(t *testing.T) {
	sys, sleeper, silent := topFixture(t)
	infos := sys.Top(ctxFor(t))
	if len(infos) != 2 {
		t.Fatalf("Top() = %d actors; want 2", len(infos))
	}
	if !infos[0].PID.Equal(silent.PID()) || !infos[1].PID.Equal(sleeper.PID()) {
		t.Fatalf("Top() actors = %v, %v; want silent, sleeper (start order)", infos[0].PID, infos[1].PID)
	}
	for _, a := range infos {
		if a.Err != nil || a.Behavior != "actor.BehaviorFunc[string]" || a.Started.IsZero() || a.Running != nil {
			t.Errorf("Top() entry %+v; want no error, the behavior's type, a start time, nothing running", a)
		}
	}
	if infos[0].Mailbox != 0 || infos[1].Mailbox != -1 {
		t.Errorf("mailboxes = %d, %d; want 0 (bounded, drained) and -1 (default mailbox)", infos[0].Mailbox, infos[1].Mailbox)
	}
	got := map[string]string{}
	for _, f := range infos[1].Fibers {
		got[f.Name] = f.WaitingOn
		if f.State != fiber.StateSuspended || f.Runs != 1 || f.Spawned.IsZero() {
			t.Errorf("fiber %+v; want suspended after one run, with a spawn time", f)
		}
	}
	if got["nap"] != "sleep 1h0m0s" || got["asker"] != "request to nonhost/silent" || len(got) != 2 {
		t.Errorf("sleeper's fibers = %v; want nap asleep and asker waiting on silent", got)
	}
}

// TestTopBusy checks that an actor stuck in a long slice is still listed,
// with the error of the context that ended and, with a watchdog, what it
// runs.
func TestTopBusy(t *testing.T) {
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
	<-spinning
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a busy actor cannot answer anyway; Top must not wait for it
	infos := sys.Top(ctx)
	stop.Store(true)
	if len(infos) != 1 || !errors.Is(infos[0].Err, context.Canceled) {
		t.Fatalf("Top() = %+v; want one actor with a context.Canceled error", infos)
	}
	if r := infos[0].Running; r == nil || r.Fiber != "spinner" {
		t.Errorf("Running = %+v; want fiber spinner", r)
	}
	var b strings.Builder
	if err := actor.WriteTop(&b, infos, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `running fiber "spinner" for`) || !strings.Contains(b.String(), "no answer: context canceled") {
		t.Errorf("WriteTop =\n%s\nwant the busy fiber and the missing answer", b.String())
	}
}

// TestTopHandler checks the HTTP handler: the text table, the JSON
// document, and its errors.
func TestTopHandler(t *testing.T) {
	sys, _, _ := topFixture(t)
	h := actor.TopHandler(sys)
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
				PID     string `json:"pid"`
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
		if len(doc.Actors) != 2 || doc.Actors[0].PID != "nonhost/silent" || len(doc.Actors[1].Fibers) != 2 {
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

// TestDeadlockAcrossActors checks the system's deadlock detection with
// typed actors: two actors that Ask each other from fibers serving each
// other's request, one of them while holding a mutex its answerer needs.
func TestDeadlockAcrossActors(t *testing.T) {
	sys := newSystem(t, actor.WithDeadlockDetection(5*time.Millisecond))
	type ask struct {
		from actor.Ref[string]
	}
	b := spawn(t, sys, "b", func() actor.Behavior[ask] {
		return actor.BehaviorFunc[ask](func(self *actor.Self[ask], m ask) {
			sender := self.Sender()
			self.Go("b-asker", func(f *fiber.Fiber) error {
				r, err := actor.Ask[string](f, m.from, "question")
				if err != nil {
					self.Reply(sender, err)
					return nil
				}
				self.Reply(sender, r)
				return nil
			})
		})
	})
	result := make(chan error, 1)
	var mu fiber.Mutex
	spawn(t, sys, "a", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			switch msg {
			case "start":
				self.Go("a-asker", func(f *fiber.Fiber) error {
					if err := mu.Lock(f); err != nil {
						return err
					}
					defer mu.Unlock()
					_, err := actor.Ask[string](f, b, ask{from: self.Ref()})
					result <- err
					return nil
				})
			case "question":
				sender := self.Sender()
				self.Go("a-answerer", func(f *fiber.Fiber) error {
					if err := mu.Lock(f); err != nil {
						return err
					}
					mu.Unlock()
					self.Reply(sender, "answer")
					return nil
				})
			}
		})
	}).Send("start")
	err := recv(t, result, "a-asker's result")
	var de *bridge.DeadlockError
	if !errors.As(err, &de) || len(de.Cycle) != 3 {
		t.Fatalf("Ask error = %v; want a DeadlockError of a cycle of 3", err)
	}
	if !strings.Contains(err.Error(), `fiber "a-answerer" of nonhost/a waits on mutex held by a-asker`) {
		t.Errorf("Error() = %q; want it to name the mutex wait", err)
	}
}

// TestProfileLabels checks that a fiber's goroutine carries the pprof
// labels that CPU profiles and goroutine dumps show: the actor, the
// fiber's name and ID, and where it was spawned.
func TestProfileLabels(t *testing.T) {
	_, sleeper, _ := topFixture(t)
	gs := goprof.Find(map[string]string{"weft.actor": sleeper.PID().Id, "weft.fiber": "nap", "weft.fiber.id": "1"})
	if len(gs) != 1 || !gs[0].Has("github.com/weft-go/weft/fiber.(*Fiber).Sleep") {
		t.Fatalf("goroutines labelled as fiber nap of %v = %+v; want one, asleep", sleeper, gs)
	}
	if site := gs[0].Labels["weft.spawned"]; !strings.Contains(site, "actor_test.topFixture") {
		t.Errorf("weft.spawned = %q; want the spawning function", site)
	}
}
