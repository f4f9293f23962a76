//go:build !race

// protoactor-go's remote layer races inside itself when two remotes run in
// one process, so this test runs only without the race detector.

package bridge_test

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// startRemote starts protoactor remote for sys on a free loopback port and
// shuts it down when the test ends.
func startRemote(t *testing.T, sys *actor.ActorSystem) {
	t.Helper()
	r := remote.NewRemote(sys, remote.Configure("127.0.0.1", 0))
	r.Start()
	t.Cleanup(func() { r.Shutdown(false) })
}

// A request to an actor on another node: the reply reaches the waiting
// fiber through the host's reply PID, whose RequestId crosses the wire.
func TestRequestRemote(t *testing.T) {
	sysA, sysB := newSystem(t), newSystem(t)
	startRemote(t, sysA)
	startRemote(t, sysB)
	responder, err := sysB.Root.SpawnNamed(actor.PropsFromFunc(func(c actor.Context) {
		if s, ok := c.Message().(*wrapperspb.StringValue); ok {
			c.Respond(wrapperspb.String("pong " + s.GetValue()))
		}
	}), "responder")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sysB.Root.StopFuture(responder).Wait() })
	target := actor.NewPID(sysB.Address(), "responder")
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
