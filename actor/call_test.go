package actor_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/actortest"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
)

// posted is a mailbox middleware that signals each queued get request.
type posted struct{ gets chan struct{} }

func (posted) MailboxStarted()     {}
func (posted) MessageReceived(any) {}
func (posted) MailboxEmpty()       {}
func (p posted) MessagePosted(m any) {
	if _, ok := pa.UnwrapEnvelopeMessage(m).(get); ok {
		p.gets <- struct{}{}
	}
}

// TestCallQueuedAtStop checks that a Call whose request is still queued
// when its target stops (protoactor drops it) fails with ErrDeadTarget,
// from the target's end (Call watches no Weft actor), well before its
// context's deadline.
func TestCallQueuedAtStop(t *testing.T) {
	sys := newSystem(t)
	mw := posted{gets: make(chan struct{}, 1)}
	entered, release := make(chan struct{}), make(chan struct{})
	ref := spawn(t, sys, "stopper", func() actor.Behavior[counterMsg] {
		return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
			if _, ok := msg.(add); ok {
				close(entered)
				<-release
				self.Stop()
			}
		})
	}, actor.WithMailbox(mailbox.Unbounded(mailbox.WithMiddleware(mw))))
	ref.Send(add{})
	recv(t, entered, "the turn")
	errc := make(chan error, 1)
	go func() {
		_, err := actor.Call(ctxFor(t), ref, get{})
		errc <- err
	}()
	recv(t, mw.gets, "the request queued")
	close(release)
	if err := recv(t, errc, "Call's return"); !errors.Is(err, actor.ErrDeadTarget) {
		t.Errorf("Call(actor stopping with the request queued) error = %v; want actor.ErrDeadTarget", err)
	}
}

// TestCallAnsweredRaw checks that a Call to a Weft actor gets a reply sent
// to the request's sender PID through protoactor (Raw().Respond), as a
// raw responder or a forwarded-to protoactor actor would answer, and that
// concurrent calls get their own replies.
func TestCallAnsweredRaw(t *testing.T) {
	sys := newSystem(t)
	ref := spawn(t, sys, "raw", func() actor.Behavior[counterMsg] {
		n := 0
		return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
			if _, ok := msg.(get); ok {
				n++
				self.Raw().Respond(n)
			}
		})
	})
	const calls = 8
	got := make(chan int, calls)
	errs := make(chan error, calls)
	for range calls {
		go func() {
			v, err := actor.Call(ctxFor(t), ref, get{})
			if err != nil {
				errs <- err
				return
			}
			got <- v
		}()
	}
	seen := make(map[int]bool)
	for range calls {
		select {
		case v := <-got:
			if seen[v] {
				t.Errorf("reply %d twice", v)
			}
			seen[v] = true
		case err := <-errs:
			t.Errorf("Call(raw responder) error = %v; want nil", err)
		case <-ctxFor(t).Done():
			t.Fatal("timed out waiting for the calls")
		}
	}
}

// TestWithinTimerReused checks the deadlines of successive bounded Asks
// of one actor, which reuse one stopped timer: answered asks do not
// time out later, and a later unanswered ask still times out.
func TestWithinTimerReused(t *testing.T) {
	sys := newSystem(t)
	answering := spawn(t, sys, "answering", counter)
	silent := spawn(t, sys, "silent", func() actor.Behavior[counterMsg] {
		return actor.BehaviorFunc[counterMsg](func(*actor.Self[counterMsg], counterMsg) {})
	})
	errs := make(chan error, 1)
	asker := spawn(t, sys, "asker", func() actor.Behavior[counterMsg] {
		return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
			self.Go("asks", func(f *fiber.Fiber) error {
				for range 100 {
					if _, err := actor.Ask(f, answering, get{}, actor.Within(patience)); err != nil {
						errs <- err
						return nil
					}
				}
				_, err := actor.Ask(f, silent, get{}, actor.Within(50*time.Millisecond))
				if !errors.Is(err, actor.ErrTimeout) {
					errs <- fmt.Errorf("Ask(silent, Within(50ms)) error = %v; want actor.ErrTimeout", err)
					return nil
				}
				_, err = actor.Ask(f, answering, get{}, actor.Within(patience))
				errs <- err
				return nil
			})
		})
	})
	asker.Send(add{})
	if err := recv(t, errs, "the asks"); err != nil {
		t.Error(err)
	}
}

// unanswered is a request its actor keeps without answering.
type unanswered struct{ actor.Request[unanswered, int] }

// TestCallWithin checks Call's Within bound: a request its actor never
// answers fails with ErrTimeout once the bound has passed, one that is
// answered returns its reply, and the bound of one call does not reach
// the next (its timer is reused).
func TestCallWithin(t *testing.T) {
	sys := newSystem(t)
	silent := spawn(t, sys, "silent", func() actor.Behavior[unanswered] {
		return actor.BehaviorFunc[unanswered](func(*actor.Self[unanswered], unanswered) {})
	})
	const bound = 20 * time.Millisecond
	for i := range 3 {
		start := time.Now()
		_, err := actor.Call(ctxFor(t), silent, unanswered{}, actor.Within(bound))
		if !errors.Is(err, actor.ErrTimeout) {
			t.Fatalf("call %d: Call(silent, Within(%v)) = %v; want ErrTimeout", i, bound, err)
		}
		if d := time.Since(start); d < bound {
			t.Fatalf("call %d: timed out after %v; want at least %v", i, d, bound)
		}
	}
	counter := spawn(t, sys, "counter", counter)
	for i := range 3 {
		if _, err := actor.Call(ctxFor(t), counter, get{}, actor.Within(bound)); err != nil {
			t.Fatalf("call %d: Call(counter, get, Within(%v)) = %v; want a reply", i, bound, err)
		}
	}
}

// TestCallWithinVirtualClock checks that Call's Within bound is measured
// on the system's clock, as Ask's is.
func TestCallWithinVirtualClock(t *testing.T) {
	clock := actortest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sys := newSystem(t, actor.WithClock(clock))
	silent := spawn(t, sys, "silent", func() actor.Behavior[unanswered] {
		return actor.BehaviorFunc[unanswered](func(*actor.Self[unanswered], unanswered) {})
	})
	done := make(chan error, 1)
	go func() {
		_, err := actor.Call(ctxFor(t), silent, unanswered{}, actor.Within(time.Hour))
		done <- err
	}()
	if err := clock.WaitForTimers(ctxFor(t), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("Call returned %v before the virtual hour passed", err)
	default:
	}
	clock.Advance(time.Hour)
	if err := recv(t, done, "the call"); !errors.Is(err, actor.ErrTimeout) {
		t.Fatalf("Call(silent, Within(time.Hour)) after the hour = %v; want ErrTimeout", err)
	}
}

// TestAskAnsweredRaw checks that an Ask to a Weft actor (sent without
// protoactor's envelope: see Self.Raw) can be answered through
// Raw().Respond, and that Raw().Sender() is the request's reply address.
func TestAskAnsweredRaw(t *testing.T) {
	sys := newSystem(t)
	senders := make(chan bool, 1)
	raw := spawn(t, sys, "raw", func() actor.Behavior[counterMsg] {
		return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
			if _, ok := msg.(get); ok {
				senders <- self.Raw().Sender() != nil
				self.Raw().Respond(42)
			}
		})
	})
	got := make(chan error, 1)
	spawn(t, sys, "asker", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], _ string) {
			self.Go("ask", func(f *fiber.Fiber) error {
				n, err := actor.Ask(f, raw, get{}, actor.Within(patience))
				if err == nil && n != 42 {
					err = fmt.Errorf("Ask = %d; want 42", n)
				}
				got <- err
				return nil
			})
		})
	}).Send("go")
	if !recv(t, senders, "the request") {
		t.Error("Raw().Sender() = nil in the turn of an Ask; want its reply address")
	}
	if err := recv(t, got, "the reply"); err != nil {
		t.Fatal(err)
	}
}
