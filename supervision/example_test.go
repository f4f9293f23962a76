package supervision_test

import (
	"context"
	"fmt"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/supervision"
)

// flaky is a worker that panics on "crash".
type flaky struct{ started chan<- string }

func (w *flaky) Started(self *actor.Self[string]) { w.started <- "worker started" }

func (w *flaky) Receive(self *actor.Self[string], msg string) {
	if msg == "crash" {
		panic("crashed")
	}
}

// boss supervises one flaky worker with its strategy.
type boss struct {
	strategy *supervision.Strategy
	started  chan<- string
	worker   chan<- actor.Ref[string]
}

func (b *boss) Started(self *actor.Self[string]) {
	ref, err := actor.SpawnChild(self, "worker", func() actor.Behavior[string] { return &flaky{b.started} })
	if err != nil {
		panic(err)
	}
	b.worker <- ref
}

func (b *boss) Receive(*actor.Self[string], string) {}

// Stopping stops the strategy with the supervisor, cancelling any pending
// delayed restart.
func (b *boss) Stopping(*actor.Self[string]) { b.strategy.Stop() }
func (b *boss) Stopped(*actor.Self[string])  {}

// A one-for-one strategy with exponential backoff: each restart of a child
// that keeps crashing waits twice as long as the previous one, up to the
// cap, and the strategy escalates once the child needs more than five
// restarts within a minute.
func ExampleOneForOne() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	decisions := make(chan supervision.Event, 10)
	strategy := supervision.OneForOne(
		supervision.WithIntensity(5, time.Minute),
		supervision.WithBackoff(supervision.Backoff{Base: time.Millisecond, Factor: 2, Cap: 4 * time.Millisecond}),
		supervision.WithObserver(func(e supervision.Event) { decisions <- e }),
	)
	started := make(chan string, 10)
	workers := make(chan actor.Ref[string], 1)
	_, err := actor.Spawn(sys, "boss", func() actor.Behavior[string] {
		return &boss{strategy: strategy, started: started, worker: workers}
	}, actor.WithSupervisor(strategy))
	if err != nil {
		panic(err)
	}
	worker := <-workers
	fmt.Println(<-started)
	for range 4 {
		worker.Send("crash")
		e := <-decisions
		fmt.Printf("%s: %v, %s after %v (failure %d)\n", e.Name, e.Reason, e.Directive, e.Delay, e.Failures)
		fmt.Println(<-started)
	}
	// Output:
	// worker started
	// boss/worker: crashed, Restart after 1ms (failure 1)
	// worker started
	// boss/worker: crashed, Restart after 2ms (failure 2)
	// worker started
	// boss/worker: crashed, Restart after 4ms (failure 3)
	// worker started
	// boss/worker: crashed, Restart after 4ms (failure 4)
	// worker started
}

// A fiber supervises a child fiber inside one actor (or under fiber.Run):
// the child is restarted after each failure, with backoff, until it
// succeeds.
func ExampleFiber() {
	attempts := 0
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		return supervision.Fiber(f, "fetch", func(f *fiber.Fiber) error {
			attempts++
			fmt.Println("attempt", attempts)
			if attempts < 3 {
				return fmt.Errorf("attempt %d failed", attempts)
			}
			return nil
		}, supervision.WithBackoff(supervision.Backoff{Base: time.Millisecond}))
	})
	fmt.Println("done:", err)
	// Output:
	// attempt 1
	// attempt 2
	// attempt 3
	// done: <nil>
}

// The delays of a backoff: exponential from Base, capped, and with equal
// jitter (here from a fixed random source) at least half of each.
func ExampleBackoff_Delay() {
	b := supervision.Backoff{
		Base:   100 * time.Millisecond,
		Factor: 2,
		Cap:    time.Second,
		Jitter: supervision.EqualJitter,
		Rand:   func() float64 { return 0.5 },
	}
	for n := range 6 {
		fmt.Println(n, b.Delay(n))
	}
	// Output:
	// 0 75ms
	// 1 150ms
	// 2 300ms
	// 3 600ms
	// 4 750ms
	// 5 750ms
}
