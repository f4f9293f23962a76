//go:build !race

// protoactor-go's remote layer races inside itself when two remotes run in
// one process, so this test runs only without the race detector.

package bridge_test

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// startRemote starts protoactor remote for sys on a free loopback port.
func startRemote(sys *actor.ActorSystem) *remote.Remote {
	r := remote.NewRemote(sys, remote.Configure("127.0.0.1", 0))
	r.Start()
	return r
}

// A request to an actor on another node: the reply reaches the waiting
// fiber through the host's reply PID, whose RequestId crosses the wire.
func TestRequestRemote(t *testing.T) {
	sysA, sysB := newSystem(t), newSystem(t)
	remoteA, remoteB := startRemote(sysA), startRemote(sysB)
	responder, err := sysB.Root.SpawnNamed(actor.PropsFromFunc(func(c actor.Context) {
		if s, ok := c.Message().(*wrapperspb.StringValue); ok {
			c.Respond(wrapperspb.String("pong " + s.GetValue()))
		}
	}), "responder")
	if err != nil {
		t.Fatal(err)
	}
	target := actor.NewPID(sysB.Address(), "responder")
	// Tear down in an order that leaves nothing in flight between the
	// nodes: protoactor's remote redials a stopped peer forever (leaking
	// gRPC goroutines) if a message reaches it after its shutdown. This
	// cleanup runs after the requester has stopped (cleanups run last
	// registered first), so its Unwatch of the target is on the wire: a
	// round trip on the same connection flushes it.
	t.Cleanup(func() {
		if _, err := sysA.Root.RequestFuture(target, wrapperspb.String("flush"), 5*time.Second).Result(); err != nil {
			t.Errorf("flush round trip: %v", err)
		}
		if err := sysB.Root.StopFuture(responder).Wait(); err != nil {
			t.Errorf("stopping the responder: %v", err)
		}
		remoteA.Shutdown(false)
		remoteB.Shutdown(false)
	})
	replies := make(chan string, 2)
	spawn(t, sysA, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("asker", func(f *fiber.Fiber) error {
				for _, s := range []string{"1", "2"} {
					r, err := bridge.Request[*wrapperspb.StringValue](f, target, wrapperspb.String(s))
					if err != nil {
						replies <- err.Error()
						continue
					}
					replies <- r.GetValue()
				}
				return nil
			})
		}
	}))
	for _, want := range []string{"pong 1", "pong 2"} {
		if got := recv(t, replies); got != want {
			t.Errorf("remote Request = %q; want %q", got, want)
		}
	}
}
