package actor_test

import (
	"context"
	"errors"
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

// stallMsg is the protocol of the staller actor.
type stallMsg interface{ stallMsg() }

type (
	stallIn   string // "fiber" or "handler": where to stall
	stallPing struct {
		actor.Request[stallMsg, string]
	} // replied with "pong"
)

func (stallIn) stallMsg()   {}
func (stallPing) stallMsg() {}

// staller is an actor that stalls in a fiber (stallIn("fiber")) or in its
// own handler (stallIn("handler")) until its watchdog has reported it.
func staller(stop *atomic.Bool) func() actor.Behavior[stallMsg] {
	return func() actor.Behavior[stallMsg] {
		return actor.BehaviorFunc[stallMsg](func(self *actor.Self[stallMsg], msg stallMsg) {
			switch m := msg.(type) {
			case stallIn:
				if m == "handler" {
					spin(stop)
					return
				}
				self.Go("spinner", func(f *fiber.Fiber) error {
					spin(stop)
					return nil
				})
			case stallPing:
				_ = actor.ReplyTo(self, m).Send("pong")
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
			ref.Send(stallIn(where))
			st := recv(t, reports, "the stall report")
			wantFiber := map[string]string{"fiber": "spinner", "handler": ""}[where]
			if st.Fiber != wantFiber || (st.FiberID == 0) != (wantFiber == "") {
				t.Errorf("report names fiber %q (%d); want %q", st.Fiber, st.FiberID, wantFiber)
			}
			if st.Actor != ref.String() || st.Running < warn || st.Fail {
				t.Errorf("report = %v (Running %v, Fail %v); want actor %v, at least %v, a warning", st, st.Running, st.Fail, ref, warn)
			}
			if !strings.Contains(st.Stack, "actor_test.spin") {
				t.Errorf("report's stack =\n%s\nwant it to show actor_test.spin", st.Stack)
			}
			if where == "fiber" && !strings.Contains(st.String(), `fiber "spinner" has run for`) {
				t.Errorf("String() = %q", st.String())
			}
			// The actor goes on serving once the slice ends.
			if r, err := actor.Call(ctxFor(t), ref, stallPing{}); r != "pong" || err != nil {
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
	ref.Send(stallIn("fiber"))
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
	if n, err := actor.Call(ctxFor(t), ref, get{}); n != 1000 || err != nil {
		t.Fatalf("Call(Get) = %d, %v; want 1000, nil", n, err)
	}
	if n := reported.Load(); n != 0 {
		t.Errorf("stall reports = %d; want 0", n)
	}
}

// silentMsg is the protocol of topFixture's silent actor.
type silentMsg interface{ silentMsg() }

type (
	silentPing struct {
		actor.Request[silentMsg, string]
	} // replied with "pong"
	anyone struct {
		actor.Request[silentMsg, string]
	} // kept, never answered
)

func (silentPing) silentMsg() {}
func (anyone) silentMsg()     {}

// topFixture starts a "sleeper" actor with a fiber asleep for an hour and a
// fiber waiting on a request to a "silent" actor, which keeps requests
// without answering, in a bounded mailbox.
func topFixture(t *testing.T, opts ...actor.Option) (*actor.System, actor.Ref[string], actor.Ref[silentMsg]) {
	t.Helper()
	sys := newSystem(t, opts...)
	asked := make(chan struct{})
	silent := spawn(t, sys, "silent", func() actor.Behavior[silentMsg] {
		return actor.BehaviorFunc[silentMsg](func(self *actor.Self[silentMsg], msg silentMsg) {
			switch m := msg.(type) {
			case silentPing:
				_ = actor.ReplyTo(self, m).Send("pong")
			case anyone:
				close(asked) // kept, never answered
			}
		})
	}, actor.WithMailbox(mailbox.Bounded(8, mailbox.DropNewest)))
	if _, err := actor.Call(ctxFor(t), silent, silentPing{}); err != nil { // silent has started
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
	if infos[0].Actor != silent.String() || infos[1].Actor != sleeper.String() {
		t.Fatalf("Top() actors = %v, %v; want %v, %v (start order)", infos[0].Actor, infos[1].Actor, silent, sleeper)
	}
	for i, behavior := range []string{"actor.BehaviorFunc[github.com/weft-go/weft/actor_test.silentMsg]", "actor.BehaviorFunc[string]"} {
		if a := infos[i]; a.Err != nil || a.Behavior != behavior || a.Started.IsZero() || a.Running != nil {
			t.Errorf("Top() entry %+v; want no error, behavior %s, a start time, nothing running", a, behavior)
		}
	}
	if infos[0].Mailbox != 0 || infos[1].Mailbox != 0 {
		t.Errorf("mailboxes = %d, %d; want 0 (bounded, drained) and 0 (the default, package mailbox's)", infos[0].Mailbox, infos[1].Mailbox)
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
// runs. (How package top renders it is tested there.)
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
	if infos[0].Actor != ref.String() {
		t.Errorf("Actor = %q; want %q", infos[0].Actor, ref)
	}
}

// The protocols of TestDeadlockAcrossActors: a asks b, whose fiber asks a
// back.
type (
	aMsg interface{ aMsg() }
	bMsg interface{ bMsg() }

	startA   struct{}                              // a's fiber locks a mutex and asks b
	question struct{ actor.Request[aMsg, string] } // a's answerer needs the mutex
	askB     struct {                              // b asks from a question
		actor.Request[bMsg, string]
		from actor.Ref[aMsg]
	}
)

func (startA) aMsg()   {}
func (question) aMsg() {}
func (askB) bMsg()     {}

// TestDeadlockAcrossActors checks the system's deadlock detection with
// typed actors: two actors that Ask each other from fibers serving each
// other's request, one of them while holding a mutex its answerer needs.
func TestDeadlockAcrossActors(t *testing.T) {
	sys := newSystem(t, actor.WithDeadlockDetection(5*time.Millisecond))
	b := spawn(t, sys, "b", func() actor.Behavior[bMsg] {
		return actor.BehaviorFunc[bMsg](func(self *actor.Self[bMsg], msg bMsg) {
			m := msg.(askB)
			reply := actor.ReplyTo(self, m)
			self.Go("b-asker", func(f *fiber.Fiber) error {
				r, err := actor.Ask(f, m.from, question{})
				if err != nil {
					_ = reply.Fail(err)
					return nil
				}
				_ = reply.Send(r)
				return nil
			})
		})
	})
	result := make(chan error, 1)
	var mu fiber.Mutex
	spawn(t, sys, "a", func() actor.Behavior[aMsg] {
		return actor.BehaviorFunc[aMsg](func(self *actor.Self[aMsg], msg aMsg) {
			switch m := msg.(type) {
			case startA:
				self.Go("a-asker", func(f *fiber.Fiber) error {
					if err := mu.Lock(f); err != nil {
						return err
					}
					defer mu.Unlock()
					_, err := actor.Ask(f, b, askB{from: self.Ref()})
					result <- err
					return nil
				})
			case question:
				reply := actor.ReplyTo(self, m)
				self.Go("a-answerer", func(f *fiber.Fiber) error {
					if err := mu.Lock(f); err != nil {
						return err
					}
					mu.Unlock()
					_ = reply.Send("answer")
					return nil
				})
			}
		})
	}).Send(startA{})
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
