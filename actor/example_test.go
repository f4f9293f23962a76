package actor_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
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

// Get asks for the counter's value; the reply is an int.
type Get struct{}

func (Add) isCounterMsg() {}
func (Get) isCounterMsg() {}

// A counter actor: its state is a plain variable, touched only by its
// turns. Ref.Send accepts only CounterMsg values; Call waits for a typed
// reply.
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
				self.Respond(n)
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
	n, err := actor.Call[int, CounterMsg](context.Background(), ref, Get{})
	fmt.Println(n, err)
	// Output: 5 <nil>
}

// A front actor answers each name with a greeting it asks another actor
// for. The request is made by a fiber, so the front actor keeps serving its
// mailbox while the fiber waits.
func ExampleAsk() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	greeter, _ := actor.Spawn(sys, "greeter", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], name string) {
			self.Respond("hello, " + name)
		})
	})
	front, _ := actor.Spawn(sys, "front", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], name string) {
			// The fiber replies in a later turn: keep the caller's address.
			caller := self.Sender()
			self.Go("greet "+name, func(f *fiber.Fiber) error {
				greeting, err := actor.Ask[string](f, greeter, name)
				if err != nil {
					return err
				}
				self.Reply(caller, greeting+"!")
				return nil
			})
		})
	})
	for _, name := range []string{"Ada", "Grace"} {
		fmt.Println(actor.Call[string](context.Background(), front, name))
	}
	// Output:
	// hello, Ada! <nil>
	// hello, Grace! <nil>
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
// own turns; TopHandler serves the same table over HTTP.
func ExampleSystem_Top() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	napper, _ := actor.Spawn(sys, "napper", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("nap", func(f *fiber.Fiber) error { return f.Sleep(time.Hour) })
			self.Respond("napping")
		})
	})
	if _, err := actor.Call[string](context.Background(), napper, "sleep"); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, a := range sys.Top(ctx) {
		fmt.Println(a.PID.Id, a.Behavior)
		for _, f := range a.Fibers {
			fmt.Printf("  fiber %q: %v, %s\n", f.Name, f.State, f.WaitingOn)
		}
	}
	// Output:
	// napper actor.BehaviorFunc[string]
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

// TopHandler serves the actor table over HTTP, as text or, as here, JSON.
func ExampleTopHandler() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())
	napper, _ := actor.Spawn(sys, "napper", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("nap", func(f *fiber.Fiber) error { return f.Sleep(time.Hour) })
			self.Respond("napping")
		})
	})
	if _, err := actor.Call[string](context.Background(), napper, "sleep"); err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(actor.TopHandler(sys)) // mux.Handle("/debug/weft/top", ...) in a real server
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/debug/weft/top?format=json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var top struct {
		Actors []struct {
			PID    string `json:"pid"`
			Fibers []struct {
				Name      string `json:"name"`
				State     string `json:"state"`
				WaitingOn string `json:"waiting_on"`
			} `json:"fibers"`
		} `json:"actors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&top); err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range top.Actors {
		for _, f := range a.Fibers {
			fmt.Println(a.PID, f.Name, f.State, f.WaitingOn)
		}
	}
	// Output: nonhost/napper nap suspended sleep 1h0m0s
}
