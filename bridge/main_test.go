package bridge_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// throttleInterval is the dead-letter throttle period of newSystem's
// systems: protoactor keeps a goroutine alive for that long after a logged
// dead letter.
const throttleInterval = time.Millisecond

// newSystem returns a quiet actor system that is shut down, with every
// actor the test registered stopped first, when the test ends.
func newSystem(t testing.TB) *actor.ActorSystem {
	t.Helper()
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		actor.WithDeadLetterThrottleInterval(throttleInterval),
	)
	t.Cleanup(sys.Shutdown)
	return sys
}

// spawn spawns props and stops the actor (waiting) when the test ends.
// Stopping an actor the test already stopped is harmless.
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

// hostProps returns props whose producer gives every incarnation of the
// actor (restarts included) a fresh bridge actor running handler.
func hostProps(handler bridge.Handler, opts ...actor.PropsOption) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return bridge.NewActor(handler) }, opts...)
}

// bubble runs fn in a testing/synctest bubble: the actor system and actors
// fn creates run on virtual time (timeouts and sleeps complete as soon as
// every goroutine of the bubble is blocked), and a deadlock (every
// goroutine blocked with no timer pending) fails the test instead of
// hanging it.
func bubble(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		// Registered first, so it runs last, after newSystem's Shutdown: a
		// logged dead letter (stopping an actor twice, a reply to a dead
		// reply address) leaves protoactor's throttle goroutine waiting on
		// a ticker of throttleInterval, and a bubble must end with no
		// goroutine left. Advancing the virtual clock past the interval
		// lets it return; it takes no real time.
		t.Cleanup(func() {
			time.Sleep(2 * throttleInterval)
			synctest.Wait()
		})
		fn(t)
	})
}

// hangGuard bounds every wait of recv: it only turns a hang into a
// failure (in virtual time inside a bubble), no test depends on it.
const hangGuard = 30 * time.Second

// recv returns the next value sent on ch, failing the test if none comes
// within hangGuard.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	timer := time.NewTimer(hangGuard)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("no value on %T within %v", ch, hangGuard)
		panic("unreachable")
	}
}

// call sends msg to pid with bridge.Call and returns the reply, failing the
// test on an error.
func call[R any](t testing.TB, sys *actor.ActorSystem, pid *actor.PID, msg any) R {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	r, err := bridge.Call[R](ctx, sys, pid, msg)
	if err != nil {
		t.Fatalf("Call(%v, %T) error: %v", pid, msg, err)
	}
	return r
}

// getLog asks a test actor for a copy of its log ([]string). Test actors
// keep their log in state touched only inside their turns (handler and
// fibers); the copy travels back as a reply.
type getLog struct{}

// turnLog is a log owned by one actor: append to it and answer getLog only
// inside the actor's turns.
type turnLog []string

func (l *turnLog) add(s string) { *l = append(*l, s) }

// answer responds to a *getLog with a copy of the log and reports whether
// c's message was one.
func (l *turnLog) answer(c actor.Context) bool {
	if _, ok := c.Message().(*getLog); !ok {
		return false
	}
	c.Respond([]string(slices.Clone(*l)))
	return true
}

// logOf returns a copy of the log of a test actor.
func logOf(t testing.TB, sys *actor.ActorSystem, pid *actor.PID) []string {
	t.Helper()
	return call[[]string](t, sys, pid, &getLog{})
}

// checkLog fails the test if got differs from want.
func checkLog(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q; want %q", what, got, want)
	}
}
