//go:build !race

// protoactor-go's remote layer races inside itself when two remotes run in
// one process, so these tests run only without the race detector.

package remote_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/remote"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const patience = 10 * time.Second

// newSystem returns a quiet system shut down at the end of the test,
// after the nodes closed in t.Cleanup functions registered later.
func newSystem(t *testing.T) *actor.System {
	t.Helper()
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() {
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown() = %v; want nil", err)
		}
	})
	return sys
}

// listen starts a node for sys on a free loopback port, closed at the end
// of the test (before sys shuts down).
func listen(t *testing.T, sys *actor.System) *remote.Node {
	t.Helper()
	n, err := remote.Listen(sys, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen(127.0.0.1:0) = %v; want nil", err)
	}
	t.Cleanup(n.Close)
	return n
}

// TestSendAcrossNodes sends protobuf messages from an actor's fiber
// and from outside actors on node A to a named actor on node B, and
// checks that all arrive, in order.
func TestSendAcrossNodes(t *testing.T) {
	sysA, sysB := newSystem(t), newSystem(t)
	got := make(chan string, 10)
	if _, err := actor.Spawn(sysB, "sink", func() actor.Behavior[proto.Message] {
		return actor.BehaviorFunc[proto.Message](func(self *actor.Self[proto.Message], m proto.Message) {
			if s, ok := m.(*wrapperspb.StringValue); ok {
				got <- s.GetValue()
			}
		})
	}); err != nil {
		t.Fatal(err)
	}
	a, b := listen(t, sysA), listen(t, sysB)
	if !strings.HasPrefix(a.Addr(), "127.0.0.1:") || a.Addr() == "127.0.0.1:0" || a.Addr() == b.Addr() {
		t.Fatalf("Addr() = %q and %q; want two distinct loopback addresses with real ports", a.Addr(), b.Addr())
	}
	sink := remote.Ref[proto.Message](sysA, b.Addr(), "sink")
	if want := b.Addr() + "/sink"; sink.String() != want {
		t.Errorf("Ref(...).String() = %q; want %q", sink.String(), want)
	}
	for _, s := range []string{"one", "two", "three"} {
		sink.Send(wrapperspb.String(s))
	}
	timeout := time.After(patience)
	for _, want := range []string{"one", "two", "three"} {
		select {
		case s := <-got:
			if s != want {
				t.Fatalf("sink got %q; want %q", s, want)
			}
		case <-timeout:
			t.Fatalf("sink did not get %q within %v", want, patience)
		}
	}
}

// TestListenErrors checks the errors of malformed and busy addresses, and
// that Close may be called twice.
func TestListenErrors(t *testing.T) {
	sys := newSystem(t)
	for _, addr := range []string{"127.0.0.1", "127.0.0.1:port", "[::1"} {
		if n, err := remote.Listen(sys, addr); err == nil || !strings.HasPrefix(err.Error(), "remote: ") {
			if n != nil {
				n.Close()
			}
			t.Errorf("Listen(%q) = %v; want an error starting with \"remote: \"", addr, err)
		}
	}
	n := listen(t, sys)
	other := newSystem(t)
	if m, err := remote.Listen(other, n.Addr()); err == nil {
		m.Close()
		t.Errorf("Listen(%q) of an address in use = nil; want an error", n.Addr())
	}
	n.Close()
	n.Close() // and once more in the cleanup
}
