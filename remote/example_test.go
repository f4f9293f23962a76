//go:build !race

package remote_test

import (
	"context"
	"fmt"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/remote"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Two nodes in one process, for the example: an actor of the first sends
// a protobuf message to an actor of the second, named "greeter".
func ExampleListen() {
	ctx := context.Background()
	first, second := actor.NewSystem(), actor.NewSystem()
	defer first.Shutdown(ctx)
	defer second.Shutdown(ctx)

	got := make(chan string, 1)
	actor.Spawn(second, "greeter", func() actor.Behavior[proto.Message] {
		return actor.BehaviorFunc[proto.Message](func(self *actor.Self[proto.Message], m proto.Message) {
			got <- "greeter got " + m.(*wrapperspb.StringValue).GetValue()
		})
	})
	a, err := remote.Listen(first, "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	b, err := remote.Listen(second, "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()

	remote.Ref[proto.Message](first, b.Addr(), "greeter").Send(wrapperspb.String("hello"))
	fmt.Println(<-got)
	// Output: greeter got hello
}
