package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/internal/suptest"
	"github.com/weft-go/weft/service"
	"github.com/weft-go/weft/supervision"
)

// TestSoak makes random children of a tree and of a plain supervisor fail
// (panics in handlers and fibers) or stop, at random (seeded) moments for
// a bounded virtual time, then stops everything. Every incarnation of
// every child must have ended (restarted or stopped) with its fiber's
// cleanup run, and nothing may be left running (the bubble and TestMain's
// leak check see to that).
func TestSoak(t *testing.T) {
	for seed := range uint64(3) {
		suptest.Bubble(t, fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			jitter := rand.New(rand.NewPCG(seed, 7)) // used by the strategy, under its lock
			sys := actor.NewSystem()
			p := suptest.NewProbe()
			kinds := []supervision.RestartKind{supervision.Permanent, supervision.Permanent, supervision.Transient, supervision.Temporary}
			var specs []service.Child
			for i := range 6 {
				specs = append(specs, spec(fmt.Sprint("t", i), p, kinds[i%len(kinds)]))
			}
			svc := startTree(t, sys, service.Tree{
				Strategy: supervision.RestForOne(supervision.WithIntensity(-1, 0),
					supervision.WithBackoff(supervision.Backoff{Base: time.Millisecond, Cap: 20 * time.Millisecond,
						Jitter: supervision.FullJitter, Rand: jitter.Float64, ResetAfter: 100 * time.Millisecond})),
				Children: specs,
			})
			_, plain := suptest.SpawnParent(t, sys, supervision.AllForOne(supervision.WithIntensity(-1, 0)), p, false, "p0", "p1", "p2")
			msgs := []string{"boom", "boom", "fiberboom", "fiberboom", "ping", "exit"}
			deadline := time.Now().Add(5 * time.Second)
			sent := 0
			for n := 0; n < 500 && time.Now().Before(deadline); n++ {
				msg := msgs[rng.IntN(len(msgs))]
				if rng.IntN(3) == 0 {
					if msg != "exit" { // the plain parent does not start ended children anew
						plain[fmt.Sprint("p", rng.IntN(3))].Send(msg)
						sent++
					}
				} else if ref, ok := service.Lookup[string](svc, fmt.Sprint("t", rng.IntN(6))); ok {
					ref.Send(msg)
					sent++
				}
				time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond) // virtual time
			}
			if sent < 100 {
				t.Errorf("only %d failures injected", sent)
			}
			if err := svc.Stop(context.Background()); err != nil {
				t.Errorf("Stop: %v", err)
			}
			suptest.Shutdown(t, sys)
			synctest.Wait()
			log := p.Take()
			restarts := 0
			for _, name := range []string{"t0", "t1", "t2", "t3", "t4", "t5", "p0", "p1", "p2"} {
				var started, ended, cleanups int
				for _, s := range suptest.Filter(log, name) {
					switch {
					case strings.Contains(s, ":started#"):
						started++
					case strings.Contains(s, ":restarting#"):
						ended++
						restarts++
					case strings.Contains(s, ":stopped#"):
						ended++
					case strings.Contains(s, ":cleanup#"):
						cleanups++
					}
				}
				if started == 0 || started != ended || started != cleanups {
					t.Errorf("%s: %d incarnations started, %d ended, %d cleanups", name, started, ended, cleanups)
				}
			}
			t.Logf("%d messages sent, %d restarts", sent, restarts)
			if restarts < 50 {
				t.Errorf("only %d restarts", restarts)
			}
		})
	}
}
