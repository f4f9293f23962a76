package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actortest"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

type (
	dlAsk      struct{ from *actor.PID }
	dlQuestion struct{}
	dlAnswer   struct{}
	dlDone     struct{}
)

// dirProps returns props of a bridge actor whose host joins dir.
func dirProps(dir *bridge.Directory, handler bridge.Handler) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return bridge.NewActor(handler, bridge.WithDirectory(dir)) })
}

// TestDeadlockCycle builds a deliberate A→B→A wait cycle: A's fiber
// "a-asker" holds a dependency (a mutex, or its own completion) and asks B;
// B's fiber "b-asker", serving that request, asks A; A's fiber
// "a-answerer", serving B's request, waits for the dependency held by
// a-asker. Both requests must fail with a DeadlockError that names the
// three waits and carries each fiber's stack, after two probe periods of
// virtual time, not after a timeout.
func TestDeadlockCycle(t *testing.T) {
	for _, tc := range []struct {
		name string
		wait string // a-answerer's wait
	}{
		{"mutex", `mutex held by a-asker`},
		{"join", `join a-asker`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				const detect = 100 * time.Millisecond
				dir := bridge.NewDirectory(detect)
				sys := newSystem(t)
				bErr := make(chan error, 1)
				b := spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
					if m, ok := c.Message().(*dlAsk); ok {
						sender := c.Sender()
						h.Spawn("b-asker", func(f *fiber.Fiber) error {
							_, err := bridge.Request[*dlAnswer](f, m.from, &dlQuestion{})
							bErr <- err
							if err == nil {
								h.Turn().Send(sender, &dlDone{})
							}
							return nil
						})
					}
				}))
				aErr := make(chan error, 1)
				var (
					mu    fiber.Mutex
					asker *fiber.Fiber
				)
				start := time.Now()
				spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
					switch c.Message().(type) {
					case *actor.Started:
						asker = h.Spawn("a-asker", func(f *fiber.Fiber) error {
							if err := mu.Lock(f); err != nil {
								return err
							}
							defer mu.Unlock()
							_, err := bridge.Request[*dlDone](f, b, &dlAsk{from: h.Self()})
							aErr <- err
							return nil
						})
					case *dlQuestion:
						sender := c.Sender()
						h.Spawn("a-answerer", func(f *fiber.Fiber) error {
							if tc.name == "mutex" {
								if err := mu.Lock(f); err != nil {
									return err
								}
								mu.Unlock()
							} else if err := f.Join(asker); err != nil {
								return err
							}
							h.Turn().Send(sender, &dlAnswer{})
							return nil
						})
					}
				}))
				errA, errB := recv(t, aErr), recv(t, bErr)
				if d := time.Since(start); d != 2*detect {
					t.Errorf("virtual time to detection = %v; want %v (two probe periods)", d, 2*detect)
				}
				for _, err := range []error{errA, errB} {
					checkCycle(t, err, tc.wait)
				}
			})
		})
	}
}

// checkCycle checks that err is the DeadlockError of the a-asker, b-asker,
// a-answerer cycle, with every fiber's stack.
func checkCycle(t *testing.T, err error, answererWait string) {
	t.Helper()
	var de *bridge.DeadlockError
	if !errors.As(err, &de) || !errors.Is(err, bridge.ErrDeadlock) || !errors.Is(err, fiber.ErrDeadlock) {
		t.Fatalf("request error = %v; want a *bridge.DeadlockError matching bridge.ErrDeadlock and fiber.ErrDeadlock", err)
	}
	waits := map[string]string{}
	for _, l := range de.Cycle {
		waits[l.Fiber] = l.Wait
		if !strings.Contains(l.Stack, "bridge_test.TestDeadlockCycle") {
			t.Errorf("stack of %q =\n%s\nwant it to show the test's fiber function", l.Fiber, l.Stack)
		}
		if l.Actor == nil || l.FiberID == 0 {
			t.Errorf("link %+v; want its actor and fiber ID", l)
		}
	}
	want := map[string]string{
		"a-asker":    "request to ",
		"b-asker":    "request to ",
		"a-answerer": answererWait,
	}
	if len(waits) != 3 {
		t.Fatalf("cycle = %v; want a-asker, b-asker and a-answerer", err)
	}
	for name, w := range want {
		if !strings.HasPrefix(waits[name], w) {
			t.Errorf("wait of %q = %q; want %q…", name, waits[name], w)
		}
	}
	// The order follows the edges: each fiber waits on the next.
	names := make([]string, len(de.Cycle))
	for i, l := range de.Cycle {
		names[i] = l.Fiber
	}
	order := []string{"a-asker", "b-asker", "a-answerer"}
	i := slices.Index(order, names[0])
	if rot := append(order[i:len(order):len(order)], order[:i]...); !slices.Equal(names, rot) {
		t.Errorf("cycle order = %q; want a rotation of %q", names, order)
	}
	if msg := err.Error(); !strings.Contains(msg, "wait cycle of 3 fibers") || !strings.Contains(msg, `fiber "a-answerer"`) {
		t.Errorf("Error() = %q; want it to name the cycle", msg)
	}
	if s := de.Stacks(); strings.Count(s, "bridge_test.TestDeadlockCycle") < 3 {
		t.Errorf("Stacks() =\n%s\nwant the three stacks", s)
	}
}

// TestDeadlockNoFalseAlarm checks waits that are long but not cyclic: a
// request served by a fiber that sleeps far longer than the detection
// period, an A→B→A chain whose last step A's handler answers at once, and
// a request kept by the target's handler to answer later. None may fail.
func TestDeadlockNoFalseAlarm(t *testing.T) {
	bubble(t, func(t *testing.T) {
		dir := bridge.NewDirectory(10 * time.Millisecond)
		sys := newSystem(t)
		slow := spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*dlQuestion); ok {
				sender := c.Sender()
				h.Spawn("sleeper", func(f *fiber.Fiber) error {
					if err := f.Sleep(time.Second); err != nil {
						return err
					}
					h.Turn().Send(sender, &dlAnswer{})
					return nil
				})
			}
		}))
		var kept *actor.PID
		keeper := spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *dlQuestion:
				kept = c.Sender()
				h.Spawn("timer", func(f *fiber.Fiber) error {
					if err := f.Sleep(time.Second); err != nil {
						return err
					}
					h.Turn().Send(kept, &dlAnswer{})
					return nil
				})
			}
		}))
		b := spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
			if m, ok := c.Message().(*dlAsk); ok {
				sender := c.Sender()
				h.Spawn("b-asker", func(f *fiber.Fiber) error {
					if _, err := bridge.Request[*dlAnswer](f, m.from, &dlQuestion{}); err != nil {
						return err
					}
					if _, err := bridge.Request[*dlAnswer](f, slow, &dlQuestion{}); err != nil {
						return err
					}
					h.Turn().Send(sender, &dlDone{})
					return nil
				})
			}
		}))
		errs := make(chan error, 3)
		spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *actor.Started:
				h.Spawn("slow", func(f *fiber.Fiber) error {
					_, err := bridge.Request[*dlAnswer](f, slow, &dlQuestion{})
					errs <- err
					return nil
				})
				h.Spawn("chain", func(f *fiber.Fiber) error {
					_, err := bridge.Request[*dlDone](f, b, &dlAsk{from: h.Self()})
					errs <- err
					return nil
				})
				h.Spawn("kept", func(f *fiber.Fiber) error {
					_, err := bridge.Request[*dlAnswer](f, keeper, &dlQuestion{})
					errs <- err
					return nil
				})
			case *dlQuestion:
				c.Respond(&dlAnswer{})
			}
		}))
		synctest.Wait() // every actor has started; the requests pend
		if n := len(dir.Hosts()); n != 2 {
			t.Errorf("len(dir.Hosts()) = %d; want the 2 running actors that have made requests (slow and keeper have not)", n)
		}
		for range 3 {
			if err := recv(t, errs); err != nil {
				t.Errorf("request error = %v; want nil", err)
			}
		}
	})
}

// TestDeadlockDetectionOff checks that a directory with detection off
// leaves a cycle waiting (here until its requests' own deadline).
func TestDeadlockDetectionOff(t *testing.T) {
	bubble(t, func(t *testing.T) {
		dir := bridge.NewDirectory(0)
		sys := newSystem(t)
		var mu fiber.Mutex
		b := spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
			if m, ok := c.Message().(*dlAsk); ok {
				sender := c.Sender()
				h.Spawn("b-asker", func(f *fiber.Fiber) error {
					_, err := bridge.Request[*dlAnswer](f, m.from, &dlQuestion{}, bridge.Within(time.Hour))
					h.Turn().Send(sender, err)
					return nil
				})
			}
		}))
		got := make(chan error, 1)
		spawn(t, sys, dirProps(dir, func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *actor.Started:
				h.Spawn("a-asker", func(f *fiber.Fiber) error {
					if err := mu.Lock(f); err != nil {
						return err
					}
					defer mu.Unlock()
					_, err := bridge.Request[*dlDone](f, b, &dlAsk{from: h.Self()}, bridge.Within(2*time.Hour))
					got <- err
					return nil
				})
			case *dlQuestion:
				h.Spawn("a-answerer", func(f *fiber.Fiber) error {
					if err := mu.Lock(f); err != nil {
						return err
					}
					mu.Unlock()
					return nil
				})
			}
		}))
		start := time.Now()
		err := recv2(t, got)
		if !errors.Is(err, bridge.ErrTimeout) || errors.Is(err, bridge.ErrDeadlock) {
			t.Errorf("request error = %v; want the failure b-asker answered (its timeout), no deadlock report", err)
		}
		if d := time.Since(start); d != time.Hour {
			t.Errorf("virtual time to the failure = %v; want 1h (b-asker's Within)", d)
		}
	})
}

// recv2 is recv with a guard past the hour-long waits of the test above.
func recv2[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(3 * time.Hour):
		t.Fatalf("no value on %T within 3h", ch)
		panic("unreachable")
	}
}

// TestProbesBounded checks that a request that never ends is probed a
// bounded number of times: once it is older than 64 probe periods its
// host stops its probe timer (so that a stuck test in a synctest bubble
// still gets synctest's deadlock report), while the request still pends.
func TestProbesBounded(t *testing.T) {
	const period = time.Second
	clk := actortest.NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	dir := bridge.NewDirectory(period)
	sys := newSystem(t)
	silent := spawn(t, sys, dirProps(dir, func(*bridge.Host, actor.Context) {}))
	hosts := make(chan *bridge.Host, 1)
	spawn(t, sys, actor.PropsFromProducer(func() actor.Actor {
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("asker", func(f *fiber.Fiber) error {
					_, err := bridge.Request[*dlAnswer](f, silent, &dlQuestion{})
					return err
				})
				hosts <- h
			}
		}, bridge.WithDirectory(dir), bridge.WithClock(clk))
	}))
	h := recv(t, hosts)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	ticks := 0
	for clk.Pending() > 0 && ticks < 100 {
		clk.Advance(period)
		ticks++
		if _, err := h.Inspect(ctx); err != nil { // the tick's turn has run
			t.Fatal(err)
		}
	}
	in, err := h.Inspect(ctx)
	if err != nil || in.Requests != 1 {
		t.Fatalf("Inspect() = %d requests, %v; want the request still pending", in.Requests, err)
	}
	if clk.Pending() != 0 || ticks != 65 {
		t.Errorf("probe ticks = %d, timers left %d; want 65 ticks, then none", ticks, clk.Pending())
	}
}

// TestCriticalRequestLeavesNothing checks that a Request made inside
// fiber.Critical panics before it registers anything: the supervised
// fiber's parent gets the panic and the host has no pending request.
func TestCriticalRequestLeavesNothing(t *testing.T) {
	sys := newSystem(t)
	target := spawn(t, sys, actor.PropsFromFunc(func(actor.Context) {}))
	type result struct {
		err error
		h   *bridge.Host
	}
	results := make(chan result, 1)
	spawn(t, sys, actor.PropsFromProducer(func() actor.Actor {
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("parent", func(f *fiber.Fiber) error {
					child := f.Spawn("critical", func(f *fiber.Fiber) error {
						fiber.Critical(f, func() { _, _ = bridge.Request[*dlAnswer](f, target, &dlQuestion{}) })
						return nil
					}, fiber.Supervised())
					results <- result{f.Join(child), h}
					return nil
				})
			}
		})
	}))
	r := recv(t, results)
	var pe *fiber.PanicError
	if !errors.As(r.err, &pe) || !strings.Contains(fmt.Sprint(pe.Value), "(waker) reached inside Critical") {
		t.Fatalf("Join() = %v; want the Critical misuse panic", r.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if in, err := r.h.Inspect(ctx); err != nil || in.Requests != 0 {
		t.Errorf("Inspect() = %d pending requests, %v; want 0, nil", in.Requests, err)
	}
}
