package mailbox_test

import (
	"context"
	"fmt"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/mailbox"
)

// exMsg is the protocol of the examples' actor.
type exMsg interface{ exMsg() }

// burst makes the actor send itself items 1..n, then a report request:
// they all queue up while it handles burst.
type burst struct {
	n    int
	done chan []string
}

// exItem is an ordinary message.
type exItem int

// urgent is a control message.
type urgent string

// report asks the actor for what it handled.
type report struct{ done chan []string }

func (burst) exMsg()  {}
func (exItem) exMsg() {}
func (urgent) exMsg() {}
func (report) exMsg() {}

func (urgent) ControlMessage() {}

// runBurst spawns the example actor with the given mailbox, makes it queue
// a burst of n items and a report behind them, and returns what it
// handled.
func runBurst(producer func() actor.SpawnOption, n int, extra ...exMsg) []string {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())
	ref, err := actor.Spawn(sys, "example", func() actor.Behavior[exMsg] {
		var handled []string
		return actor.BehaviorFunc[exMsg](func(self *actor.Self[exMsg], msg exMsg) {
			switch m := msg.(type) {
			case burst:
				for i := 1; i <= m.n; i++ {
					self.Ref().Send(exItem(i))
				}
				for _, x := range extra {
					self.Ref().Send(x)
				}
				self.Ref().Send(report{m.done})
			case exItem, urgent:
				handled = append(handled, fmt.Sprint(m))
			case report:
				m.done <- handled
			}
		})
	}, producer())
	if err != nil {
		panic(err)
	}
	done := make(chan []string)
	ref.Send(burst{n, done})
	return <-done
}

// A bounded mailbox with the DropOldest policy keeps the newest messages.
func ExampleBounded() {
	m := mailbox.NewMetrics()
	handled := runBurst(func() actor.SpawnOption {
		return actor.WithMailbox(mailbox.Bounded(3, mailbox.DropOldest, mailbox.WithMetrics(m)))
	}, 5)
	s := m.Snapshot()
	fmt.Println("handled", handled)
	fmt.Printf("posted %d = processed %d + dropped oldest %d\n", s.Posted, s.Processed, s.DroppedOldest)
	// Output:
	// handled [4 5]
	// posted 7 = processed 4 + dropped oldest 3
}

// Metrics are read with Snapshot, from any goroutine.
func ExampleMetrics() {
	m := mailbox.NewMetrics()
	runBurst(func() actor.SpawnOption {
		return actor.WithMailbox(mailbox.Unbounded(mailbox.WithMetrics(m), mailbox.WithQueueTime()))
	}, 5)
	s := m.Snapshot()
	fmt.Printf("len %d, high water %d, posted %d, processed %d, timed %d\n", s.Len, s.HighWater, s.Posted, s.Processed, s.Timed)
	fmt.Println("max ≥ mean:", s.MaxQueueTime >= s.MeanQueueTime())
	// Output:
	// len 0, high water 6, posted 7, processed 7, timed 7
	// max ≥ mean: true
}

// With WithPriority, control messages overtake ordinary ones.
func ExampleWithPriority() {
	handled := runBurst(func() actor.SpawnOption {
		return actor.WithMailbox(mailbox.Unbounded(mailbox.WithPriority()))
	}, 2, urgent("urgent"))
	fmt.Println(handled)
	// Output:
	// [urgent 1 2]
}
