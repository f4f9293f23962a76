package actor_test

import (
	"fmt"
	"runtime"
	"testing"
	"weak"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// payload is state an actor owns, tracked through a weak pointer.
type payload struct{ buf [1 << 10]byte }

// TestStoppedActorsUnreachable checks that nothing keeps a stopped actor's
// state reachable: the system's records, protoactor's registry, the watch
// sets of the actors that watched it or that it asked, its fibers and
// their timers (Go's runtime keeps a stopped timer until the time it was
// set for). Each actor here is watched by a watcher, asks it, and has a
// fiber parked in a long sleep; with a deadline, its Ask leaves a stopped
// timer behind, and the system's deadlock probes (set to a long period)
// arm one per asking actor.
func TestStoppedActorsUnreachable(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []actor.Option
		ask  []actor.WaitOption
	}{
		{"plain", nil, nil},
		{"deadline and probes", []actor.Option{actor.WithDeadlockDetection(patience)}, []actor.WaitOption{actor.Within(patience)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := newSystem(t, tc.opts...)
			watcher := spawn(t, sys, "watcher", func() actor.Behavior[counterMsg] {
				return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
					switch m := msg.(type) {
					case watchThis:
						self.Watch(m.ref, func(actor.Terminated) counterMsg { return add{} })
						actor.ReplyTo(self, m).Send(0)
					default:
						counter().Receive(self, msg)
					}
				})
			})
			const n = 200
			weaks := make([]weak.Pointer[payload], n)
			for i := range n {
				p := &payload{}
				weaks[i] = weak.Make(p)
				ref := spawn(t, sys, fmt.Sprint("worker-", i), func() actor.Behavior[counterMsg] {
					return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
						_ = p
						if g, ok := msg.(get); ok {
							reply := actor.ReplyTo(self, g)
							self.Go("asker", func(f *fiber.Fiber) error {
								n, err := actor.Ask(f, watcher, get{}, tc.ask...)
								if err != nil {
									return err
								}
								if err := reply.Send(n); err != nil {
									return err
								}
								return f.Sleep(patience) // parked until the stop
							})
						}
					})
				})
				if _, err := actor.Call(ctxFor(t), watcher, watchThis{ref: ref}); err != nil {
					t.Fatal(err)
				}
				if _, err := actor.Call(ctxFor(t), ref, get{}); err != nil {
					t.Fatal(err)
				}
				if err := ref.Stop(ctxFor(t)); err != nil {
					t.Fatal(err)
				}
			}
			// The watcher has handled every notice once it answers.
			call(t, watcher, get{})
			if live := reachable(weaks); len(live) != 0 {
				t.Errorf("%d of %d stopped actors' state still reachable after GC (actors %v); want none", len(live), n, live)
			}
		})
	}
}

// watchThis asks the watcher to watch ref.
type watchThis struct {
	actor.Request[counterMsg, int]
	ref actor.Ref[counterMsg]
}

func (watchThis) counterMsg() {}

// carry is a request that carries its asker's state.
type carry struct {
	actor.Request[carry, int]
	p *payload
}

// TestAnsweredRequestsUnreachable checks that an actor that answered
// requests, and lives on, keeps nothing of them reachable: not the
// request values (their fields hold their askers' state), nor what their
// replies went through. It keeps the reply states of answered requests
// until a sweep of its set of held requests: they must hold nothing of
// the request.
func TestAnsweredRequestsUnreachable(t *testing.T) {
	sys := newSystem(t)
	responder := spawn(t, sys, "responder", func() actor.Behavior[carry] {
		return actor.BehaviorFunc[carry](func(self *actor.Self[carry], c carry) {
			_ = actor.ReplyTo(self, c).Send(len(c.p.buf))
		})
	})
	const n = 10 // fewer than a sweep of the held set needs
	weaks := make([]weak.Pointer[payload], n)
	for i := range n {
		p := &payload{}
		weaks[i] = weak.Make(p)
		if _, err := actor.Call(ctxFor(t), responder, carry{p: p}); err != nil {
			t.Fatal(err)
		}
	}
	if live := reachable(weaks); len(live) != 0 {
		t.Errorf("%d of %d answered requests' values still reachable after GC (requests %v); want none", len(live), n, live)
	}
}

// reachable collects garbage twice, then returns the indexes of the weak
// pointers whose values are still reachable.
func reachable(weaks []weak.Pointer[payload]) []int {
	runtime.GC()
	runtime.GC()
	var live []int
	for i, w := range weaks {
		if w.Value() != nil {
			live = append(live, i)
		}
	}
	return live
}
