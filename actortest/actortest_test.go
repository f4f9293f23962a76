package actortest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/actortest"
	"github.com/weft-go/weft/fiber"
)

func spawn[M any](t *testing.T, sys *actor.System, name string, produce func() actor.Behavior[M]) actor.Ref[M] {
	t.Helper()
	ref, err := actor.Spawn(sys, name, produce)
	if err != nil {
		t.Fatalf("Spawn(%q) error = %v", name, err)
	}
	return ref
}

// quietMsg is the protocol of the silent actor.
type quietMsg interface{ quietMsg() }

// anyone is a request that the silent actor never answers.
type anyone struct {
	actor.Request[quietMsg, string]
}

func (anyone) quietMsg() {}

// silent is an actor that never answers.
func silent() actor.Behavior[quietMsg] {
	return actor.BehaviorFunc[quietMsg](func(*actor.Self[quietMsg], quietMsg) {})
}

// askerMsg is the protocol of TestHourTimeout's asker.
type askerMsg interface{ askerMsg() }

// goAsk makes the asker ask the silent actor; it is answered with the
// error of that request.
type goAsk struct {
	actor.Request[askerMsg, string]
}

func (goAsk) askerMsg() {}

// TestHourTimeout asks an actor that never answers, with an hour's
// deadline: the request fails with ErrTimeout after exactly one hour of
// virtual time (and a few milliseconds of real time), while the deadlock
// detector probes it every 250 ms of virtual time.
func TestHourTimeout(t *testing.T) {
	actortest.Run(t, func(t *testing.T, sys *actor.System) {
		quiet := spawn(t, sys, "silent", silent)
		asker := spawn(t, sys, "asker", func() actor.Behavior[askerMsg] {
			return actor.BehaviorFunc[askerMsg](func(self *actor.Self[askerMsg], msg askerMsg) {
				reply := actor.ReplyTo(self, msg.(goAsk))
				self.Go("ask", func(f *fiber.Fiber) error {
					_, err := actor.Ask(f, quiet, anyone{}, actor.Within(time.Hour))
					if err == nil {
						return reply.Send("answered")
					}
					return reply.Fail(err)
				})
			})
		})
		start := time.Now()
		_, err := actor.Call(context.Background(), asker, goAsk{})
		if !errors.Is(err, actor.ErrTimeout) {
			t.Errorf("Call error = %v; want it to wrap actor.ErrTimeout", err)
		}
		if d := time.Since(start); d != time.Hour {
			t.Errorf("virtual time = %v; want exactly 1h", d)
		}
	})
}

// TestWaitIdle checks Wait: after it returns, messages sent from the test
// have been handled and the fibers they woke have run.
func TestWaitIdle(t *testing.T) {
	actortest.Run(t, func(t *testing.T, sys *actor.System) {
		var mu sync.Mutex
		var got []string
		ref := spawn(t, sys, "echo", func() actor.Behavior[string] {
			return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
				self.Go("", func(f *fiber.Fiber) error {
					if err := f.Sleep(time.Minute); err != nil {
						return err
					}
					mu.Lock()
					got = append(got, msg)
					mu.Unlock()
					return nil
				})
			})
		})
		ref.Send("a")
		ref.Send("b")
		actortest.Wait()
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n != 0 {
			t.Errorf("after Wait, before a minute passed: %d fibers done; want 0", n)
		}
		time.Sleep(time.Minute) // virtual: the fibers' sleeps end
		actortest.Wait()
		mu.Lock()
		defer mu.Unlock()
		slices.Sort(got) // timers due at one instant fire in either order
		if !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("after a minute: %q; want a and b", got)
		}
	})
}

// squareMsg is the protocol of scenario's actor c.
type squareMsg interface{ squareMsg() }

// square asks for the square of i.
type square struct {
	actor.Request[squareMsg, int]
	i int
}

func (square) squareMsg() {}

// scenario runs three actors whose fibers sleep, send and ask each other,
// and returns the trace of what happened, stamped with virtual time.
func scenario(t *testing.T) []string {
	var trace []string
	actortest.Run(t, func(t *testing.T, sys *actor.System) {
		var mu sync.Mutex
		start := time.Now()
		record := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			trace = append(trace, fmt.Sprintf("%6v ", time.Since(start))+fmt.Sprintf(format, args...))
		}
		c := spawn(t, sys, "c", func() actor.Behavior[squareMsg] {
			return actor.BehaviorFunc[squareMsg](func(self *actor.Self[squareMsg], msg squareMsg) {
				m := msg.(square)
				i, reply := m.i, actor.ReplyTo(self, m)
				record("c: request %d", i)
				self.Go(fmt.Sprint("reply", i), func(f *fiber.Fiber) error {
					if err := f.Sleep(time.Duration(5-i)*2*time.Millisecond + time.Millisecond); err != nil {
						return err
					}
					return reply.Send(i * i)
				})
			})
		})
		b := spawn(t, sys, "b", func() actor.Behavior[int] {
			return actor.BehaviorFunc[int](func(self *actor.Self[int], i int) {
				record("b: tick %d", i)
				self.Go(fmt.Sprint("ask", i), func(f *fiber.Fiber) error {
					r, err := actor.Ask(f, c, square{i: i})
					record("b: answer %d = %d, %v", i, r, err)
					return err
				})
			})
		})
		done := make(chan struct{})
		spawn(t, sys, "a", func() actor.Behavior[string] {
			return actor.BehaviorFunc[string](func(self *actor.Self[string], _ string) {
				self.Go("ticker", func(f *fiber.Fiber) error {
					defer close(done)
					for i := range 5 {
						if err := f.Sleep(10 * time.Millisecond); err != nil {
							return err
						}
						record("a: tick %d", i)
						b.Send(i)
					}
					return nil
				})
			})
		}).Send("start")
		<-done
		time.Sleep(time.Second)
		actortest.Wait()
	})
	return trace
}

// TestReproducible runs the same scenario ten times: the traces, virtual
// times included, are identical.
func TestReproducible(t *testing.T) {
	first := scenario(t)
	want := []string{
		"  10ms a: tick 0", "  10ms b: tick 0", "  10ms c: request 0",
		"  20ms a: tick 1", "  20ms b: tick 1", "  20ms c: request 1",
		"  21ms b: answer 0 = 0, <nil>",
	}
	if len(first) != 20 || !slices.Equal(first[:len(want)], want) {
		t.Fatalf("trace =\n%q\nwant 20 lines starting with\n%q", first, want)
	}
	for run := range 9 {
		if got := scenario(t); !slices.Equal(got, first) {
			t.Fatalf("run %d: trace =\n%q\nwant\n%q", run+2, got, first)
		}
	}
}

// TestClock checks the manual clock: deadline order, ties in the order the
// timers were set, timers set while advancing, Stop, and Now inside a
// timer.
func TestClock(t *testing.T) {
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clk := actortest.NewClock(start)
	var got []string
	add := func(name string, d time.Duration) fiber.Timer {
		return clk.AfterFunc(d, func() { got = append(got, fmt.Sprintf("%s@%v", name, clk.Now().Sub(start))) })
	}
	add("b", 2*time.Second)
	add("a", time.Second)
	add("b2", 2*time.Second)
	stopped := add("x", time.Second)
	clk.AfterFunc(1500*time.Millisecond, func() { add("nested", time.Second) })
	if !stopped.Stop() || stopped.Stop() {
		t.Errorf("Stop, Stop = want true, false")
	}
	if n := clk.Pending(); n != 4 {
		t.Errorf("Pending() = %d; want 4", n)
	}
	clk.Advance(2 * time.Second)
	if want := []string{"a@1s", "b@2s", "b2@2s"}; !slices.Equal(got, want) {
		t.Errorf("after 2s: fired %q; want %q", got, want)
	}
	clk.Advance(time.Second)
	if want := []string{"a@1s", "b@2s", "b2@2s", "nested@2.5s"}; !slices.Equal(got, want) {
		t.Errorf("after 3s: fired %q; want %q", got, want)
	}
	if now := clk.Now(); !now.Equal(start.Add(3 * time.Second)) {
		t.Errorf("Now() = %v; want start+3s", now)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := clk.WaitForTimers(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitForTimers with no timer and a cancelled ctx = %v; want context.Canceled", err)
	}
}
