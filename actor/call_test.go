package actor_test

import (
	"errors"
	"testing"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
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
