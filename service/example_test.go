package service_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/service"
	"github.com/weft-go/weft/supervision"
)

// Query is the protocol of the example's api service: one request type,
// answered with a string.
type Query struct {
	actor.Request[Query, string]
	Q string
}

// component is a service component that reports its lifecycle.
type component struct {
	name string
	out  chan<- string
}

func (c *component) Started(*actor.Self[Query]) { c.out <- c.name + " started" }
func (c *component) Receive(self *actor.Self[Query], q Query) {
	actor.ReplyTo(self, q).Send(c.name + " answers " + q.Q)
}
func (c *component) Stopping(*actor.Self[Query]) {}
func (c *component) Stopped(*actor.Self[Query])  { c.out <- c.name + " stopped" }

// A service tree: the children start in order, each once the previous one
// has started, and stop in reverse order. RestForOne restarts a failed
// child and the ones started after it (which depend on it).
func ExampleTree() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	out := make(chan string, 100)
	child := func(name string) service.Child {
		return service.Child{
			Name:        name,
			Start:       service.StartActor(func() actor.Behavior[Query] { return &component{name, out} }),
			StopTimeout: time.Second,
		}
	}
	tree := service.Tree{
		Strategy: supervision.RestForOne(supervision.WithIntensity(3, 5*time.Second)),
		Children: []service.Child{child("db"), child("cache"), child("api")},
	}
	ctx := context.Background()
	svc, err := tree.Start(ctx, sys, "service")
	if err != nil {
		panic(err)
	}
	api, _ := service.Lookup[Query](svc, "api")
	answer, err := actor.Call(ctx, api, Query{Q: "ping"})
	fmt.Println(answer, err)
	if err := svc.Stop(ctx); err != nil {
		panic(err)
	}
	close(out)
	for line := range out {
		fmt.Println(line)
	}
	// Output:
	// api answers ping <nil>
	// db started
	// cache started
	// api started
	// api stopped
	// cache stopped
	// db stopped
}

// A tree has no supervisor to escalate to: once a child needs more
// restarts than the intensity allows, the tree stops its children and the
// service ends with the error.
func ExampleSupervisor_Err() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	crashy := func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			if msg == "crash" {
				panic("crashed")
			}
		})
	}
	svc, err := service.Tree{
		Strategy: supervision.OneForOne(supervision.WithIntensity(1, time.Minute)),
		Children: []service.Child{{Name: "worker", Start: service.StartActor(crashy)}},
	}.Start(context.Background(), sys, "fragile")
	if err != nil {
		panic(err)
	}
	worker, _ := service.Lookup[string](svc, "worker")
	worker.Send("crash") // restarted
	worker.Send("crash") // one restart too many
	<-svc.Done()
	fmt.Println(svc.Err())
	fmt.Println(errors.Is(svc.Err(), supervision.ErrIntensityExceeded))
	// Output:
	// supervision: restart intensity exceeded: "fragile/worker" needed more than 1 restart(s) within 1m0s; last reason: crashed
	// true
}
