package actor_test

import (
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// echoMsg is the protocol of the dispatcher tests' responder.
type echoMsg struct {
	actor.Request[echoMsg, int]
	n       int
	arrived chan<- struct{} // closed by the responder when the request arrives
}

// TestAskBehindBlockedTurn: a fiber's Ask queues the target's run for the
// asker's own worker (the asker's turn is expected to end), but the turn
// then blocks until the target has seen the request. The dispatcher's
// sentry must run the target elsewhere; without it this deadlocks.
func TestAskBehindBlockedTurn(t *testing.T) {
	sys := newSystem(t, actor.WithWorkers(1))
	echo, err := actor.Spawn(sys, "echo", func() actor.Behavior[echoMsg] {
		return actor.BehaviorFunc[echoMsg](func(self *actor.Self[echoMsg], m echoMsg) {
			close(m.arrived)
			if err := actor.ReplyTo(self, m).Send(m.n + 1); err != nil {
				t.Error(err)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	type start struct{ done chan int }
	asker, err := actor.Spawn(sys, "asker", func() actor.Behavior[start] {
		return actor.BehaviorFunc[start](func(self *actor.Self[start], s start) {
			arrived := make(chan struct{})
			self.Go("ask", func(f *fiber.Fiber) error {
				r, err := actor.Ask(f, echo, echoMsg{n: 41, arrived: arrived})
				if err != nil {
					t.Error(err)
				}
				s.done <- r
				return nil
			})
			// The fiber is suspended in Ask; block the turn (and the only
			// worker) until the request has reached the echo actor.
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Error("the request did not reach its target while the asker's turn was blocked")
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	asker.Send(start{done})
	if got := <-done; got != 42 {
		t.Errorf("Ask = %d; want 42", got)
	}
}
