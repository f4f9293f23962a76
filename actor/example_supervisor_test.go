package actor_test

import (
	"context"
	"fmt"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/supervision"
)

// A strategy given to a top-level actor supervises the actor itself: here
// it restarts the actor after a panic, and a new incarnation (same PID,
// fresh state) handles the next message.
func ExampleWithSupervisor() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	decisions := make(chan supervision.Event, 1)
	strategy := supervision.OneForOne(supervision.WithObserver(func(e supervision.Event) { decisions <- e }))
	incarnations := 0
	ref, err := actor.Spawn(sys, "fragile", func() actor.Behavior[string] {
		incarnations++
		n := incarnations
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			if msg == "crash" {
				panic("crashed")
			}
			self.Respond(fmt.Sprintf("%s from incarnation %d", msg, n))
		})
	}, actor.WithSupervisor(strategy))
	if err != nil {
		panic(err)
	}
	ref.Send("crash")
	e := <-decisions
	fmt.Println(e.Name, e.Reason, e.Directive)
	answer, err := actor.Call[string](context.Background(), ref, "ping")
	fmt.Println(answer, err)
	// Output:
	// fragile crashed Restart
	// ping from incarnation 2 <nil>
}
