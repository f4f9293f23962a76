package actortest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/actor"
)

// throttle is the dead-letter throttle interval of Run's systems: after a
// logged dead letter protoactor keeps a goroutine for that long (virtual
// time, in a bubble).
const throttle = time.Millisecond

// Run runs fn in a [testing/synctest] bubble, with sys a new actor system
// made with opts after Run's own defaults ([actor.WithSerialTurns], a
// short dead-letter throttle, and a logger that writes to t's log, shown
// for a failed test or with go test -v). When fn returns, Run shuts sys down, failing
// t if [actor.System.Shutdown] reports a problem, and lets virtual time run
// until every goroutine of the bubble has returned, as synctest requires.
// A deadlock inside the bubble (every goroutine blocked, no timer pending)
// fails the test instead of hanging it.
//
// Everything fn starts must be started inside the bubble: create further
// systems, servers and channels in fn.
func Run(t *testing.T, fn func(t *testing.T, sys *actor.System), opts ...actor.Option) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		t.Helper()
		logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		sys := actor.NewSystem(append([]actor.Option{actor.WithSerialTurns(), actor.WithDeadLetterThrottle(throttle), actor.WithLogger(logger)}, opts...)...)
		defer func() {
			if err := sys.Shutdown(context.Background()); err != nil {
				t.Errorf("actortest: Shutdown() = %v; want nil", err)
			}
			// protoactor's dead-letter throttle goroutine waits on a ticker;
			// moving virtual time past it lets it return. It takes no
			// real time.
			time.Sleep(2 * throttle)
			synctest.Wait()
		}()
		fn(t, sys)
	})
}

// Wait blocks until every other goroutine of the current bubble is durably
// blocked: every actor of the bubble's systems idle, every fiber suspended,
// every Await call blocked. It is [synctest.Wait], and must be called from
// inside [Run].
func Wait() { synctest.Wait() }

// testWriter writes a system's log records to its test's log, which shows
// them for a failed test or under go test -v.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
