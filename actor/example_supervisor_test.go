package actor_test

import (
	"context"
	"fmt"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/supervision"
)

// FragileMsg is the protocol of the fragile actor below.
type FragileMsg interface{ isFragileMsg() }

// Crash makes the fragile actor panic.
type Crash struct{}

// Ping asks which incarnation answers.
type Ping struct {
	actor.Request[FragileMsg, string]
}

func (Crash) isFragileMsg() {}
func (Ping) isFragileMsg()  {}

// A strategy given to a top-level actor supervises the actor itself: here
// it restarts the actor after a panic, and a new incarnation (same PID,
// fresh state) handles the next message.
func ExampleWithSupervisor() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	decisions := make(chan supervision.Event, 1)
	strategy := supervision.OneForOne(supervision.WithObserver(func(e supervision.Event) { decisions <- e }))
	incarnations := 0
	ref, err := actor.Spawn(sys, "fragile", func() actor.Behavior[FragileMsg] {
		incarnations++
		n := incarnations
		return actor.BehaviorFunc[FragileMsg](func(self *actor.Self[FragileMsg], msg FragileMsg) {
			switch m := msg.(type) {
			case Crash:
				panic("crashed")
			case Ping:
				actor.ReplyTo(self, m).Send(fmt.Sprintf("ping from incarnation %d", n))
			}
		})
	}, actor.WithSupervisor(strategy))
	if err != nil {
		panic(err)
	}
	ref.Send(Crash{})
	e := <-decisions
	fmt.Println(e.Name, e.Reason, e.Directive)
	answer, err := actor.Call(context.Background(), ref, Ping{})
	fmt.Println(answer, err)
	// Output:
	// fragile crashed Restart
	// ping from incarnation 2 <nil>
}
