package actortest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/actortest"
	"github.com/weft-go/weft/fiber"
)

// SilentMsg is the protocol of the example's silent actor.
type SilentMsg interface{ silentMsg() }

// Question is a request of SilentMsg answered with a string.
type Question struct {
	actor.Request[SilentMsg, string]
	Text string
}

func (Question) silentMsg() {}

// An hour-long request deadline, tested in no time: the actors' fibers
// run on a manual virtual clock, which the example moves forward. (Inside
// a test, actortest.Run does the same with testing/synctest, for every
// timer of the process.)
func ExampleClock() {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clk := actortest.NewClock(start)
	sys := actor.NewSystem(actor.WithClock(clk), actor.WithDeadlockDetection(0))
	defer sys.Shutdown(context.Background())

	silent, _ := actor.Spawn(sys, "silent", func() actor.Behavior[SilentMsg] {
		return actor.BehaviorFunc[SilentMsg](func(*actor.Self[SilentMsg], SilentMsg) {}) // never answers
	})
	result := make(chan string, 1)
	asker, _ := actor.Spawn(sys, "asker", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], q string) {
			self.Go("ask", func(f *fiber.Fiber) error {
				_, err := actor.Ask(f, silent, Question{Text: q}, actor.Within(time.Hour))
				result <- fmt.Sprintf("timed out: %t, at %s", errors.Is(err, actor.ErrTimeout), clk.Now().Format(time.Kitchen))
				return nil
			})
		})
	})
	asker.Send("anyone?")

	_ = clk.WaitForTimers(context.Background(), 1) // the request's deadline is set
	clk.Advance(59 * time.Minute)
	fmt.Println("pending timers after 59 minutes:", clk.Pending())
	clk.Advance(time.Minute)
	fmt.Println(<-result)
	// Output:
	// pending timers after 59 minutes: 1
	// timed out: true, at 10:00AM
}
