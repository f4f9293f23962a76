//go:build !race

package cluster_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
)

// Greet is a request of the greeter kind: its wire form is a
// StringValue (the name to greet), its reply a StringValue.
type Greet struct {
	actor.Request[proto.Message, *wrapperspb.StringValue]
	*wrapperspb.StringValue
}

// A cluster of one member on loopback with the automanaged provider
// (list every member's health endpoint in Peers to run more, one per
// process or several in one process), hosting a kind of virtual actor;
// a request to an identity activates it.
func ExampleJoin() {
	greeters := cluster.NewKind("greeter", func() actor.Behavior[proto.Message] {
		return actor.BehaviorFunc[proto.Message](func(self *actor.Self[proto.Message], msg proto.Message) {
			if g, ok := msg.(Greet); ok {
				actor.ReplyTo(self, g).Send(wrapperspb.String("hello " + g.GetValue() + ", from " + cluster.Identity(self)))
			}
		})
	})
	cluster.Accept[Greet](greeters)

	health, _ := net.Listen("tcp", "127.0.0.1:0") // a free port for the health endpoint
	port := health.Addr().(*net.TCPAddr).Port
	health.Close()

	ctx := context.Background()
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	defer sys.Shutdown(ctx)
	m, err := cluster.Join(sys, cluster.Config{
		Name: "example",
		Provider: cluster.Automanaged(cluster.AutomanagedConfig{
			Port:    port,
			Peers:   []string{fmt.Sprintf("127.0.0.1:%d", port)},
			Refresh: 100 * time.Millisecond, // its polling goroutine ends within this after Shutdown
		}),
		Kinds: []cluster.HostedKind{greeters},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Shutdown(ctx) // before the system's

	r, err := cluster.Call(ctx, cluster.Get(m, greeters, "alice"), Greet{StringValue: wrapperspb.String("bob")})
	fmt.Println(r.GetValue(), err)
	// Output: hello bob, from alice <nil>
}
