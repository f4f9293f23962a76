package bridge_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// newSystem returns a quiet actor system that is shut down, with every
// actor the test registered stopped first, when the test ends.
func newSystem(t testing.TB) *actor.ActorSystem {
	t.Helper()
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		actor.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	t.Cleanup(sys.Shutdown)
	return sys
}

// spawn spawns props and stops the actor (waiting) when the test ends.
func spawn(t testing.TB, sys *actor.ActorSystem, props *actor.Props) *actor.PID {
	t.Helper()
	pid := sys.Root.Spawn(props)
	t.Cleanup(func() {
		if err := sys.Root.StopFuture(pid).Wait(); err != nil {
			t.Errorf("stopping %v: %v", pid, err)
		}
	})
	return pid
}
