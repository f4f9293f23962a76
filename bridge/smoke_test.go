package bridge_test

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

type ping struct{ n int }
type pong struct{ n int }

func TestSmokeRequest(t *testing.T) {
	sys := newSystem(t)
	responder := spawn(t, sys, actor.PropsFromFunc(func(c actor.Context) {
		if p, ok := c.Message().(*ping); ok {
			c.Respond(&pong{p.n + 1})
		}
	}))
	done := make(chan int, 1)
	spawn(t, sys, actor.PropsFromProducer(func() actor.Actor {
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("asker", func(f *fiber.Fiber) error {
					sum := 0
					for i := range 10 {
						r, err := bridge.Request[*pong](f, responder, &ping{i})
						if err != nil {
							return err
						}
						sum += r.n
					}
					if err := f.Sleep(1000); err != nil {
						return err
					}
					done <- sum
					return nil
				})
			}
		})
	}))
	if got := <-done; got != 55 {
		t.Fatalf("sum = %d; want 55", got)
	}
}
