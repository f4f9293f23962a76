package bridge_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// A fiber sleeping inside an actor wakes in a turn of its own, started by
// the wake-up message the host sends its actor; the actor handles other
// messages meanwhile.
func TestSleepWakesThroughMailbox(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		const d = time.Second
		var log turnLog
		done := make(chan struct{})
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("sleeper", func(f *fiber.Fiber) error {
					defer close(done)
					start := time.Now()
					if err := f.Sleep(d); err != nil {
						return err
					}
					log.add(fmt.Sprintf("fiber: slept >= %v: %t, in a turn of %T",
						d, time.Since(start) >= d, h.Turn().Message()))
					return nil
				})
				return
			}
			logOther(&log, c)
		}))
		sys.Root.Send(pid, &msgB{1})
		sys.Root.Send(pid, &msgB{2})
		recv(t, done)
		checkLog(t, "log", logOf(t, sys, pid), []string{
			"handler B1", "handler B2", "fiber: slept >= 1s: true, in a turn of *bridge.wakeUp",
		})
	})
}

// fiber.Await inside an actor runs its function off the actor, which keeps
// serving its mailbox; the result comes back in a turn.
func TestAwaitWhileServing(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	gate := make(chan struct{})
	done := make(chan struct{})
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			h.Spawn("awaiter", func(f *fiber.Fiber) error {
				defer close(done)
				v, err := fiber.Await(f, func(ctx context.Context) (int, error) {
					select {
					case <-gate:
						return 42, nil
					case <-ctx.Done():
						return 0, context.Cause(ctx)
					}
				})
				log.add(fmt.Sprintf("fiber: Await = %d, %v; in a turn: %t", v, err, h.Turn() != nil))
				return nil
			})
			return
		case *release:
			close(gate) // the Await function was waiting for this turn
		}
		logOther(&log, c)
	}))
	sys.Root.Send(pid, &msgB{1})
	sys.Root.Send(pid, &release{})
	recv(t, done)
	checkLog(t, "log", logOf(t, sys, pid), []string{
		"handler B1", "handler release", "fiber: Await = 42, <nil>; in a turn: true",
	})
}
