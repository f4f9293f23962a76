package actor_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// CounterMsg is the protocol of a counter actor: a closed set of message
// types, marked by an unexported method.
type CounterMsg interface{ isCounterMsg() }

// Add adds N to the counter.
type Add struct{ N int }

// Get asks for the counter's value: a request of CounterMsg answered with
// an int.
type Get struct {
	actor.Request[CounterMsg, int]
}

func (Add) isCounterMsg() {}
func (Get) isCounterMsg() {}

// A counter actor: its state is a plain variable, touched only by its
// turns. Ref.Send accepts only CounterMsg values; Call infers its reply
// type from the request.
func Example() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	ref, err := actor.Spawn(sys, "counter", func() actor.Behavior[CounterMsg] {
		n := 0
		return actor.BehaviorFunc[CounterMsg](func(self *actor.Self[CounterMsg], msg CounterMsg) {
			switch m := msg.(type) {
			case Add:
				n += m.N
			case Get:
				actor.ReplyTo(self, m).Send(n) // .Send("five") would not compile
			}
		})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ref.Send(Add{N: 2})
	ref.Send(Add{N: 3})
	// ref.Send("three") would not compile: a string is not a CounterMsg.
	n, err := actor.Call(context.Background(), ref, Get{}) // n is an int
	fmt.Println(n, err)
	// Output: 5 <nil>
}

// GreeterMsg is the protocol of the greeter and front actors below.
type GreeterMsg interface{ isGreeterMsg() }

// Greet asks for a greeting of Name.
type Greet struct {
	actor.Request[GreeterMsg, string]
	Name string
}

func (Greet) isGreeterMsg() {}

// A front actor answers each name with a greeting it asks another actor
// for. The request is made by a fiber, so the front actor keeps serving its
// mailbox while the fiber waits; the fiber answers its own asker later,
// through the Reply it took.
func ExampleAsk() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	greeter, _ := actor.Spawn(sys, "greeter", func() actor.Behavior[GreeterMsg] {
		return actor.BehaviorFunc[GreeterMsg](func(self *actor.Self[GreeterMsg], msg GreeterMsg) {
			if g, ok := msg.(Greet); ok {
				actor.ReplyTo(self, g).Send("hello, " + g.Name)
			}
		})
	})
	front, _ := actor.Spawn(sys, "front", func() actor.Behavior[GreeterMsg] {
		return actor.BehaviorFunc[GreeterMsg](func(self *actor.Self[GreeterMsg], msg GreeterMsg) {
			g, ok := msg.(Greet)
			if !ok {
				return
			}
			reply := actor.ReplyTo(self, g) // valid across the fiber's suspensions
			self.Go("greet "+g.Name, func(f *fiber.Fiber) error {
				greeting, err := actor.Ask(f, greeter, Greet{Name: g.Name}, actor.Within(time.Second))
				if err != nil {
					return reply.Fail(err)
				}
				return reply.Send(greeting + "!")
			})
		})
	})
	for _, name := range []string{"Ada", "Grace"} {
		fmt.Println(actor.Call(context.Background(), front, Greet{Name: name}))
	}
	// Output:
	// hello, Ada! <nil>
	// hello, Grace! <nil>
}

// A responder that stops without answering fails its asker at once, with
// an error that names the request: no silent timeout.
func ExampleCall() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	quitter, _ := actor.Spawn(sys, "quitter", func() actor.Behavior[GreeterMsg] {
		return actor.BehaviorFunc[GreeterMsg](func(self *actor.Self[GreeterMsg], msg GreeterMsg) {
			self.Stop() // the Greet is never answered
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := actor.Call(ctx, quitter, Greet{Name: "Ada"})
	fmt.Println(errors.Is(err, actor.ErrDeadTarget), err)
	// Output: true actor: actor_test.Greet to nonhost/quitter: bridge: request target is dead (dead letter): nonhost/quitter stopped without answering
}

// Within bounds a call from outside actors: a request nobody answers in
// time fails with ErrTimeout. It costs less than a context.WithTimeout per
// call.
func ExampleWithin() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	sleepy, _ := actor.Spawn(sys, "sleepy", func() actor.Behavior[GreeterMsg] {
		return actor.BehaviorFunc[GreeterMsg](func(self *actor.Self[GreeterMsg], msg GreeterMsg) {
			if g, ok := msg.(Greet); ok {
				reply := actor.ReplyTo(self, g)
				self.Go("later", func(f *fiber.Fiber) error {
					if err := f.Sleep(time.Hour); err != nil {
						return err // cancelled: the actor is stopping
					}
					return reply.Send("hello, " + g.Name)
				})
			}
		})
	})
	_, err := actor.Call(context.Background(), sleepy, Greet{Name: "Ada"}, actor.Within(10*time.Millisecond))
	fmt.Println(errors.Is(err, actor.ErrTimeout))
	// Output: true
}

// A Reply answers once: a second answer is an error.
func ExampleReply_Send() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	answers := make(chan error, 2)
	eager, _ := actor.Spawn(sys, "eager", func() actor.Behavior[CounterMsg] {
		return actor.BehaviorFunc[CounterMsg](func(self *actor.Self[CounterMsg], msg CounterMsg) {
			if g, ok := msg.(Get); ok {
				reply := actor.ReplyTo(self, g)
				answers <- reply.Send(1)
				answers <- reply.Send(2)
			}
		})
	})
	fmt.Println(actor.Call(context.Background(), eager, Get{}))
	fmt.Println("first:", <-answers)
	fmt.Println("second:", <-answers)
	// Output:
	// 1 <nil>
	// first: <nil>
	// second: actor: request already answered
}

// WatcherMsg is the protocol of a watcher: it includes the notice of a
// watched actor's end.
type WatcherMsg interface{ isWatcherMsg() }

// Watch tells the watcher which actor to watch.
type Watch struct{ Target actor.Ref[CounterMsg] }

// CounterGone is the watcher's notice that its counter stopped.
type CounterGone struct{ actor.Terminated }

func (Watch) isWatcherMsg()       {}
func (CounterGone) isWatcherMsg() {}

// Watch delivers a watched actor's end as a message of the watcher's own
// protocol; Ref.Stop stops one actor and waits for it.
func ExampleSelf_Watch() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	counter, _ := actor.Spawn(sys, "counter", func() actor.Behavior[CounterMsg] {
		return actor.BehaviorFunc[CounterMsg](func(*actor.Self[CounterMsg], CounterMsg) {})
	})
	watching := make(chan struct{})
	notices := make(chan CounterGone, 1)
	watcher, _ := actor.Spawn(sys, "watcher", func() actor.Behavior[WatcherMsg] {
		return actor.BehaviorFunc[WatcherMsg](func(self *actor.Self[WatcherMsg], msg WatcherMsg) {
			switch m := msg.(type) {
			case Watch:
				self.Watch(m.Target, func(t actor.Terminated) WatcherMsg { return CounterGone{t} })
				close(watching)
			case CounterGone:
				notices <- m
			}
		})
	})
	watcher.Send(Watch{Target: counter})
	<-watching
	fmt.Println("stop:", counter.Stop(context.Background()))
	n := <-notices
	fmt.Println("gone:", n.Actor, n.Err)
	// Output:
	// stop: <nil>
	// gone: nonhost/counter <nil>
}

// A fiber waits for one message type with Receive, bounded by Within,
// while the behavior keeps the other messages.
func ExampleReceive() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	done := make(chan struct{})
	ref, _ := actor.Spawn(sys, "waiter", func() actor.Behavior[CounterMsg] {
		return actor.BehaviorFunc[CounterMsg](func(self *actor.Self[CounterMsg], msg CounterMsg) {
			fmt.Printf("behavior got %T\n", msg)
			if _, ok := msg.(Get); !ok {
				return
			}
			self.Go("adder", func(f *fiber.Fiber) error {
				defer close(done)
				a, err := actor.Receive[Add](f, actor.Within(time.Second))
				fmt.Println("fiber got", a.N, err)
				_, err = actor.Receive[Add](f, actor.Within(time.Millisecond))
				fmt.Println("then:", errors.Is(err, actor.ErrTimeout))
				return nil
			})
		})
	})
	ref.Send(Get{}) // sent with Send: a request nobody waits for
	ref.Send(Add{N: 7})
	<-done
	// Output:
	// behavior got actor_test.Get
	// fiber got 7 <nil>
	// then: true
}

// A fiber runs at once, until its first suspension point; then the
// handler goes on. Sleep suspends the fiber, not the actor; the fiber
// resumes in a later turn.
func ExampleSelf_Go() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	done := make(chan struct{})
	ref, _ := actor.Spawn(sys, "reminder", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("remind "+msg, func(f *fiber.Fiber) error {
				fmt.Println("fiber starts:", msg)
				if err := f.Sleep(10 * time.Millisecond); err != nil {
					return err
				}
				fmt.Println("fiber wakes up:", msg)
				close(done)
				return nil
			})
			fmt.Println("handler returns")
		})
	})
	ref.Send("stretch")
	<-done
	// Output:
	// fiber starts: stretch
	// handler returns
	// fiber wakes up: stretch
}

// worker is a behavior with lifecycle hooks and a fiber that lives as long
// as the actor.
type worker struct{}

func (worker) Receive(*actor.Self[string], string) {}

func (worker) Started(self *actor.Self[string]) {
	self.Go("poller", func(f *fiber.Fiber) error {
		defer fmt.Println("poller cleans up")
		err := f.Sleep(time.Hour) // until the actor stops
		fmt.Println("poller cancelled:", errors.Is(err, context.Canceled))
		return err
	})
}

func (worker) Stopping(*actor.Self[string]) { fmt.Println("stopping") }

func (worker) Stopped(*actor.Self[string]) { fmt.Println("stopped") }

// Shutdown stops every actor, cancels their fibers and waits for their
// cleanups. It may be called again; Spawn then fails.
func ExampleSystem_Shutdown() {
	sys := actor.NewSystem()
	if _, err := actor.Spawn(sys, "worker", func() actor.Behavior[string] { return worker{} }); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("shutdown:", sys.Shutdown(context.Background()))
	fmt.Println("again:", sys.Shutdown(context.Background()))
	_, err := actor.Spawn(sys, "late", func() actor.Behavior[string] { return worker{} })
	fmt.Println("spawn:", err)
	// Output:
	// stopping
	// poller cancelled: true
	// poller cleans up
	// stopped
	// shutdown: <nil>
	// again: <nil>
	// spawn: actor: system is shut down
}

// Top describes every actor and its fibers, each as seen from one of its
// own turns; package top serves the same table over HTTP.
func ExampleSystem_Top() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	napper, _ := actor.Spawn(sys, "napper", func() actor.Behavior[CounterMsg] {
		return actor.BehaviorFunc[CounterMsg](func(self *actor.Self[CounterMsg], msg CounterMsg) {
			self.Go("nap", func(f *fiber.Fiber) error { return f.Sleep(time.Hour) })
			if g, ok := msg.(Get); ok {
				actor.ReplyTo(self, g).Send(0)
			}
		})
	})
	if _, err := actor.Call(context.Background(), napper, Get{}); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, a := range sys.Top(ctx) {
		fmt.Println(a.Actor, a.Behavior)
		for _, f := range a.Fibers {
			fmt.Printf("  fiber %q: %v, %s\n", f.Name, f.State, f.WaitingOn)
		}
	}
	// Output:
	// nonhost/napper actor.BehaviorFunc[github.com/weft-go/weft/actor_test.CounterMsg]
	//   fiber "nap": Suspended, sleep 1h0m0s
}

// A slice watchdog reports a fiber that runs too long without suspending
// (here a loop that never reaches a suspension point until the report
// comes), with the stack of the running code.
func ExampleWithWatchdog() {
	var reported atomic.Bool
	sys := actor.NewSystem(actor.WithWatchdog(actor.Watchdog{
		Warn: 20 * time.Millisecond,
		OnStall: func(st actor.Stall) {
			fmt.Printf("stalled: fiber %q, at least %v: %v\n", st.Fiber, 20*time.Millisecond, st.Running >= 20*time.Millisecond)
			fmt.Println("stack shows the loop:", strings.Contains(st.Stack, "ExampleWithWatchdog"))
			reported.Store(true)
		},
	}))
	defer sys.Shutdown(context.Background())

	done := make(chan struct{})
	ref, _ := actor.Spawn(sys, "cruncher", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("crunch", func(f *fiber.Fiber) error {
				defer close(done)
				for !reported.Load() { // CPU work that should have been offloaded with fiber.Await
					runtime.Gosched()
				}
				return nil
			})
		})
	})
	ref.Send("go")
	<-done
	// Output:
	// stalled: fiber "crunch", at least 20ms: true
	// stack shows the loop: true
}
