package fiber_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/fiber"
)

// Tests of the fiber core: spawning, scheduling order, Join, Yield, Sleep,
// cancellation, structured lifetime, panics, Await, deadlock detection, the
// manually driven Scheduler, introspection and misuse. Helpers carry a
// "core" prefix so that they cannot clash with those of other test files.
//
// Fibers never call t.Fatal (it would call runtime.Goexit inside a
// coroutine); they report with t.Errorf and return.

var (
	errCoreCause   = errors.New("core test cause")
	errCoreChild   = errors.New("core test child failed")
	errCoreParent  = errors.New("core test parent failed")
	errCoreBoom    = errors.New("core test boom")
	errCoreGiveUp  = errors.New("core test gave up waiting")
	errCoreWakeErr = errors.New("core test wake error")
)

// coreTrace records events in order. The fibers of one scheduler never run
// in parallel, so they append to it without locks.
type coreTrace []string

func (tr *coreTrace) add(format string, args ...any) {
	*tr = append(*tr, fmt.Sprintf(format, args...))
}

func coreCheckTrace(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s trace =\n\t%s\nwant\n\t%s", what, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// coreExplode panics with "kaboom"; tests look for its name in stacks.
//
//go:noinline
func coreExplode() { panic("kaboom") }

// corePanicValue calls fn and returns the value it panicked with, or nil.
func corePanicValue(fn func()) (v any) {
	defer func() { v = recover() }()
	fn()
	return nil
}

// coreSuspendForever suspends f until it is cancelled.
func coreSuspendForever(f *fiber.Fiber) error { return f.Scheduler().Suspend(f, "forever") }

// coreClose closes s and fails t if Close fails.
func coreClose(t *testing.T, s *fiber.Scheduler) {
	t.Helper()
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close(Background) = %v; want nil", err)
	}
}

// coreIsCancel reports whether err is a cancellation error for cause: it
// matches cause and, unless cause is context.DeadlineExceeded,
// context.Canceled.
func coreIsCancel(err, cause error) bool {
	if !errors.Is(err, cause) {
		return false
	}
	return errors.Is(cause, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// coreClock is a Clock on package time (virtual inside a synctest bubble)
// that records every timer it creates.
type coreClock struct {
	mu     sync.Mutex
	timers []*coreTimer
}

type coreTimer struct {
	d       time.Duration
	t       *time.Timer
	fired   atomic.Bool
	stopped atomic.Bool
}

func (c *coreClock) Now() time.Time { return time.Now() }

func (c *coreClock) AfterFunc(d time.Duration, fn func()) fiber.Timer {
	ct := &coreTimer{d: d}
	ct.t = time.AfterFunc(d, func() {
		ct.fired.Store(true)
		fn()
	})
	c.mu.Lock()
	c.timers = append(c.timers, ct)
	c.mu.Unlock()
	return ct
}

func (ct *coreTimer) Stop() bool {
	ok := ct.t.Stop()
	if ok {
		ct.stopped.Store(true)
	}
	return ok
}

// coreTimerState is what a test sees of one coreTimer.
type coreTimerState struct {
	D              time.Duration
	Fired, Stopped bool
}

func (c *coreClock) snapshot() []coreTimerState {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []coreTimerState
	for _, ct := range c.timers {
		out = append(out, coreTimerState{ct.d, ct.fired.Load(), ct.stopped.Load()})
	}
	return out
}

// ---- Spawn order and scheduling ----

func TestSpawnRunsChildUntilFirstSuspension(t *testing.T) {
	var tr coreTrace
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		tr.add("main: spawn child")
		child := f.Spawn("child", func(c *fiber.Fiber) error {
			tr.add("child: start")
			c.Spawn("grandchild", func(g *fiber.Fiber) error {
				tr.add("grandchild: start")
				if err := g.Yield(); err != nil {
					return err
				}
				tr.add("grandchild: resumed")
				return nil
			})
			tr.add("child: grandchild spawned")
			if err := c.Yield(); err != nil {
				return err
			}
			tr.add("child: resumed")
			return nil
		})
		tr.add("main: spawn returned")
		if err := f.Join(child); err != nil {
			return err
		}
		tr.add("main: joined child")
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
	coreCheckTrace(t, "Run", tr, []string{
		"main: spawn child",
		"child: start",
		"grandchild: start",
		"child: grandchild spawned",
		"main: spawn returned",
		"grandchild: resumed",
		"child: resumed",
		"main: joined child",
	})
}

func TestSpawnOfChildThatFinishesAtOnce(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	ran := false
	s.Spawn("parent", func(p *fiber.Fiber) error {
		c := p.Spawn("quick", func(*fiber.Fiber) error {
			ran = true
			return errCoreChild
		})
		if !ran {
			t.Errorf("child did not run before Spawn returned")
		}
		if got := c.State(); got != fiber.StateDone {
			t.Errorf("child.State() after Spawn = %v; want %v", got, fiber.StateDone)
		}
		if got := c.Err(); got != errCoreChild {
			t.Errorf("child.Err() = %v; want %v", got, errCoreChild)
		}
		return nil
	})
	if got := s.Live(); got != 0 {
		t.Errorf("Live() = %d; want 0", got)
	}
	coreClose(t, s)
}

func TestReadyFibersRunInFIFOOrder(t *testing.T) {
	tests := []struct{ fibers, rounds int }{
		{1, 3},
		{3, 2},
		{40, 3}, // more ready fibers than the run queue's initial size
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d fibers %d rounds", tc.fibers, tc.rounds), func(t *testing.T) {
			var tr coreTrace
			s := fiber.NewScheduler(fiber.SchedulerConfig{})
			for i := range tc.fibers {
				s.Spawn(fmt.Sprintf("f%d", i), func(f *fiber.Fiber) error {
					for r := range tc.rounds {
						tr.add("%s round %d", f.Name(), r)
						if err := f.Yield(); err != nil {
							return err
						}
					}
					return nil
				})
			}
			if err := s.RunReady(); err != nil {
				t.Fatalf("RunReady() = %v; want nil", err)
			}
			var want []string
			for r := range tc.rounds {
				for i := range tc.fibers {
					want = append(want, fmt.Sprintf("f%d round %d", i, r))
				}
			}
			coreCheckTrace(t, "RunReady", tr, want)
			if got := s.Live(); got != 0 {
				t.Errorf("Live() = %d; want 0", got)
			}
			coreClose(t, s)
		})
	}
}

// coreTraceScenario runs a fixed mix of spawns, sleeps, yields and joins
// inside a synctest bubble and returns its trace, stamped with virtual time.
func coreTraceScenario(t *testing.T) []string {
	var tr coreTrace
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		at := func() time.Duration { return time.Since(start) }
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			a := f.Spawn("a", func(a *fiber.Fiber) error {
				tr.add("%v a: start", at())
				if err := a.Sleep(2 * time.Second); err != nil {
					return err
				}
				tr.add("%v a: woke", at())
				return nil
			})
			b := f.Spawn("b", func(b *fiber.Fiber) error {
				tr.add("%v b: start", at())
				if err := b.Sleep(time.Second); err != nil {
					return err
				}
				tr.add("%v b: woke", at())
				if err := b.Yield(); err != nil {
					return err
				}
				tr.add("%v b: yielded", at())
				return errCoreChild
			})
			c := f.Spawn("c", func(c *fiber.Fiber) error {
				tr.add("%v c: start", at())
				err := c.Join(b)
				tr.add("%v c: joined b: %v", at(), err)
				return nil
			})
			tr.add("%v main: spawned", at())
			if err := f.Yield(); err != nil {
				return err
			}
			tr.add("%v main: yielded", at())
			if err := f.Join(a); err != nil {
				return err
			}
			tr.add("%v main: joined a", at())
			err := f.Join(c)
			tr.add("%v main: joined c: %v", at(), err)
			return nil
		})
		if err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
	})
	return tr
}

func TestSchedulingIsDeterministic(t *testing.T) {
	want := []string{
		"0s a: start",
		"0s b: start",
		"0s c: start",
		"0s main: spawned",
		"0s main: yielded",
		"1s b: woke",
		"1s b: yielded",
		"1s c: joined b: core test child failed",
		"2s a: woke",
		"2s main: joined a",
		"2s main: joined c: <nil>",
	}
	for i := range 5 {
		coreCheckTrace(t, fmt.Sprintf("run %d", i), coreTraceScenario(t), want)
	}
}

// ---- Join ----

func TestJoinReturnsChildResult(t *testing.T) {
	tests := []struct {
		name  string
		child func(*fiber.Fiber) error
		want  error
	}{
		{"nil at once", func(*fiber.Fiber) error { return nil }, nil},
		{"error at once", func(*fiber.Fiber) error { return errCoreChild }, errCoreChild},
		{"nil after yield", func(c *fiber.Fiber) error { return c.Yield() }, nil},
		{"error after yield", func(c *fiber.Fiber) error {
			if err := c.Yield(); err != nil {
				return err
			}
			return errCoreChild
		}, errCoreChild},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got, errBefore error
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				c := f.Spawn("child", tc.child)
				if c.State() != fiber.StateDone {
					errBefore = c.Err()
				}
				got = f.Join(c)
				if e := c.Err(); e != tc.want {
					t.Errorf("child.Err() after Join = %v; want %v", e, tc.want)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Run = %v; want nil", err)
			}
			if got != tc.want {
				t.Errorf("Join(child) = %v; want %v", got, tc.want)
			}
			if errBefore != nil {
				t.Errorf("child.Err() before done = %v; want nil", errBefore)
			}
		})
	}
}

func TestJoinOnDoneFiberReturnsAtOnce(t *testing.T) {
	var tr coreTrace
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		done := f.Spawn("done", func(*fiber.Fiber) error { return errCoreChild })
		f.Spawn("other", func(o *fiber.Fiber) error {
			if err := o.Yield(); err != nil {
				return err
			}
			tr.add("other resumed")
			return nil
		})
		// other is ready; if Join suspended, other would run first.
		tr.add("main joined done: %v", f.Join(done))
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
	coreCheckTrace(t, "Run", tr, []string{"main joined done: core test child failed", "other resumed"})
}

func TestJoinWithSeveralJoiners(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var tr coreTrace
	var w fiber.Waker
	child := s.Spawn("child", func(c *fiber.Fiber) error {
		w = c.Scheduler().Waker(c)
		if err := c.Scheduler().Suspend(c, "signal"); err != nil {
			return err
		}
		return errCoreChild
	})
	joiner := func(j *fiber.Fiber) error {
		err := j.Join(child)
		tr.add("%s: %v", j.Name(), err)
		return nil
	}
	s.Spawn("j1", joiner)
	j2 := s.Spawn("j2", joiner)
	s.Spawn("j3", joiner)

	// A joiner cancelled while it waits returns at once; the child goes on.
	j2.Cancel(nil)
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	if got := child.State(); got != fiber.StateSuspended {
		t.Errorf("child.State() after cancelling a joiner = %v; want %v", got, fiber.StateSuspended)
	}
	if !w.Wake(nil) {
		t.Fatalf("Wake(nil) = false; want true")
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	coreCheckTrace(t, "joiners", tr, []string{
		"j2: context canceled",
		"j1: core test child failed",
		"j3: core test child failed",
	})
	coreClose(t, s)
}

// ---- Yield and Sleep ----

func TestSleepZeroOrNegativeYields(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			var tr coreTrace
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				f.Spawn("other", func(o *fiber.Fiber) error {
					if err := o.Yield(); err != nil {
						return err
					}
					tr.add("other resumed")
					return nil
				})
				err := f.Sleep(d)
				tr.add("main resumed: %v", err)
				return nil
			})
			if err != nil {
				t.Fatalf("Run = %v; want nil", err)
			}
			coreCheckTrace(t, fmt.Sprintf("Sleep(%v)", d), tr, []string{"other resumed", "main resumed: <nil>"})
		})
	}
}

func TestSleepUsesVirtualTimeInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var slept time.Duration
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			err := f.Sleep(time.Hour)
			slept = time.Since(start)
			return err
		})
		if err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
		if slept != time.Hour {
			t.Errorf("Sleep(1h) took %v of virtual time; want 1h0m0s", slept)
		}
	})
}

func TestSleepsWakeInOrderOfDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var tr coreTrace
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			for _, d := range []time.Duration{3 * time.Second, time.Second, 2 * time.Second, 500 * time.Millisecond} {
				f.Spawn(d.String(), func(s *fiber.Fiber) error {
					if err := s.Sleep(d); err != nil {
						return err
					}
					tr.add("%v: %s woke", time.Since(start), s.Name())
					return nil
				})
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
		coreCheckTrace(t, "sleepers", tr, []string{
			"500ms: 500ms woke",
			"1s: 1s woke",
			"2s: 2s woke",
			"3s: 3s woke",
		})
	})
}

func TestSleepUntil(t *testing.T) {
	tests := []struct {
		name   string
		offset time.Duration
		want   time.Duration
	}{
		{"future", 90 * time.Minute, 90 * time.Minute},
		{"now", 0, 0},
		{"past", -time.Hour, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				var slept time.Duration
				err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
					err := f.SleepUntil(start.Add(tc.offset))
					slept = time.Since(start)
					return err
				})
				if err != nil {
					t.Fatalf("Run = %v; want nil", err)
				}
				if slept != tc.want {
					t.Errorf("SleepUntil(start%+v) took %v; want %v", tc.offset, slept, tc.want)
				}
			})
		})
	}
}

func TestCancelledSleepStopsItsTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := &coreClock{}
		start := time.Now()
		var sleepErr error
		var slept time.Duration
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			sleeper := f.Spawn("sleeper", func(s *fiber.Fiber) error {
				sleepErr = s.Sleep(time.Hour)
				slept = time.Since(start)
				return nil
			})
			sleeper.Cancel(errCoreCause)
			if err := f.Join(sleeper); err != nil {
				return err
			}
			// Outlive the cancelled sleep's deadline: its timer must not fire.
			return f.Sleep(2 * time.Hour)
		}, fiber.WithClock(clk))
		if err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
		if !coreIsCancel(sleepErr, errCoreCause) {
			t.Errorf("cancelled Sleep(1h) = %v; want an error matching context.Canceled and %v", sleepErr, errCoreCause)
		}
		if slept != 0 {
			t.Errorf("cancelled Sleep(1h) took %v; want 0s", slept)
		}
		want := []coreTimerState{{D: time.Hour, Stopped: true}, {D: 2 * time.Hour, Fired: true}}
		if got := clk.snapshot(); !slices.Equal(got, want) {
			t.Errorf("timers = %+v; want %+v", got, want)
		}
	})
}

func TestRunDetectsDeadlockAfterCancelledSleep(t *testing.T) {
	// A cancelled Sleep must not leave a pending timer behind: if it did, Run
	// would wait for it instead of reporting the deadlock.
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			sleeper := f.Spawn("sleeper", func(s *fiber.Fiber) error { return s.Sleep(time.Hour) })
			sleeper.Cancel(nil)
			if err := f.Join(sleeper); !errors.Is(err, context.Canceled) {
				t.Errorf("Join(cancelled sleeper) = %v; want context.Canceled", err)
			}
			return f.Scheduler().Suspend(f, "nothing")
		})
		if !errors.Is(err, fiber.ErrDeadlock) {
			t.Errorf("Run = %v; want ErrDeadlock", err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Run took %v of virtual time; want 0s", d)
		}
	})
}

func TestSuspensionPointsOfCancelledFiberReturnAtOnce(t *testing.T) {
	var awaitCalled atomic.Bool
	tests := []struct {
		name string
		call func(f, other *fiber.Fiber) error
	}{
		{"Yield", func(f, _ *fiber.Fiber) error { return f.Yield() }},
		{"Sleep", func(f, _ *fiber.Fiber) error { return f.Sleep(time.Hour) }},
		{"Sleep(0)", func(f, _ *fiber.Fiber) error { return f.Sleep(0) }},
		{"SleepUntil", func(f, _ *fiber.Fiber) error { return f.SleepUntil(time.Now().Add(time.Hour)) }},
		{"Suspend", func(f, _ *fiber.Fiber) error { return f.Scheduler().Suspend(f, "never woken") }},
		{"Join", func(f, other *fiber.Fiber) error { return f.Join(other) }},
		{"Await", func(f, _ *fiber.Fiber) error {
			_, err := fiber.Await(f, func(context.Context) (int, error) {
				awaitCalled.Store(true)
				return 1, nil
			})
			return err
		}},
		{"deferred Sleep", func(f, _ *fiber.Fiber) (err error) {
			defer func() { err = f.Sleep(time.Hour) }()
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var got error
				var elapsed time.Duration
				inSpawn, returnedInSpawn := false, false
				err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
					other := f.Spawn("other", coreSuspendForever)
					inSpawn = true
					f.Spawn("victim", func(v *fiber.Fiber) error {
						v.Cancel(errCoreCause)
						start := time.Now()
						got = tc.call(v, other)
						elapsed = time.Since(start)
						returnedInSpawn = inSpawn
						return nil
					})
					inSpawn = false
					other.Cancel(nil)
					return nil
				})
				if err != nil {
					t.Fatalf("Run = %v; want nil", err)
				}
				if !coreIsCancel(got, errCoreCause) {
					t.Errorf("%s of a cancelled fiber = %v; want an error matching context.Canceled and %v", tc.name, got, errCoreCause)
				}
				if elapsed != 0 || !returnedInSpawn {
					t.Errorf("%s of a cancelled fiber suspended (took %v, returned before Spawn: %v); want it to return at once", tc.name, elapsed, returnedInSpawn)
				}
			})
		})
	}
	if awaitCalled.Load() {
		t.Errorf("Await of a cancelled fiber called its function; want it not called")
	}
}

// ---- Cancellation ----

func TestCancelCause(t *testing.T) {
	wrappedCanceled := fmt.Errorf("shutting down: %w", context.Canceled)
	tests := []struct {
		name      string
		cause     error
		wantIs    []error // the suspension point's error matches each
		wantNotIs []error
		wantCause error // context.Cause of Fiber.Context
	}{
		{"nil", nil, []error{context.Canceled}, []error{context.DeadlineExceeded}, context.Canceled},
		{"custom", errCoreCause, []error{context.Canceled, errCoreCause}, []error{context.DeadlineExceeded}, errCoreCause},
		{"DeadlineExceeded", context.DeadlineExceeded, []error{context.DeadlineExceeded}, nil, context.DeadlineExceeded},
		{"wrapped Canceled", wrappedCanceled, []error{context.Canceled, wrappedCanceled}, nil, wrappedCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fiber.NewScheduler(fiber.SchedulerConfig{})
			var got, again error
			var ctxBefore context.Context
			victim := s.Spawn("victim", func(f *fiber.Fiber) error {
				ctxBefore = f.Context()
				got = f.Scheduler().Suspend(f, "signal")
				again = f.Yield()
				return got
			})
			late := s.Spawn("late", coreSuspendForever) // its Context is made after the cancel

			victim.Cancel(tc.cause)
			late.Cancel(tc.cause)
			if !victim.Cancelled() || !victim.Info().Cancelled {
				t.Errorf("victim.Cancelled(), Info().Cancelled = %v, %v; want true, true", victim.Cancelled(), victim.Info().Cancelled)
			}
			for name, ctx := range map[string]context.Context{"before": ctxBefore, "after": late.Context()} {
				select {
				case <-ctx.Done():
				default:
					t.Errorf("Context() made %s Cancel(%v) is not done", name, tc.cause)
				}
				if got := context.Cause(ctx); got != tc.wantCause {
					t.Errorf("context.Cause(Context() made %s Cancel(%v)) = %v; want %v", name, tc.cause, got, tc.wantCause)
				}
				if got := ctx.Err(); got != context.Canceled {
					t.Errorf("Context() made %s Cancel(%v).Err() = %v; want %v", name, tc.cause, got, context.Canceled)
				}
			}
			if err := s.RunReady(); err != nil {
				t.Fatalf("RunReady() = %v; want nil", err)
			}
			for _, want := range tc.wantIs {
				if !errors.Is(got, want) {
					t.Errorf("Suspend after Cancel(%v) = %v; want it to match %v", tc.cause, got, want)
				}
			}
			for _, notWant := range tc.wantNotIs {
				if errors.Is(got, notWant) {
					t.Errorf("Suspend after Cancel(%v) = %v; want it not to match %v", tc.cause, got, notWant)
				}
			}
			if again != got {
				t.Errorf("Yield after cancellation = %v; want the same error %v", again, got)
			}
			if e := victim.Err(); e != got {
				t.Errorf("victim.Err() = %v; want %v", e, got)
			}
			// Cancelling again, or cancelling a done fiber, does nothing.
			victim.Cancel(errCoreParent)
			if e := victim.Err(); e != got {
				t.Errorf("victim.Err() after a second Cancel = %v; want %v", e, got)
			}
			coreClose(t, s)
		})
	}
}

func TestCancelCascadesToDescendants(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	errs := map[string]error{}
	suspend := func(f *fiber.Fiber) error {
		err := f.Scheduler().Suspend(f, "forever")
		errs[f.Name()] = err
		return err
	}
	var late *fiber.Fiber
	root := s.Spawn("root", func(r *fiber.Fiber) error {
		r.Spawn("child1", func(c *fiber.Fiber) error {
			c.Spawn("grandchild", suspend)
			return suspend(c)
		})
		r.Spawn("child2", suspend)
		err := suspend(r)
		// A child spawned by a cancelled fiber starts cancelled.
		late = r.Spawn("late", suspend)
		return err
	})
	s.Spawn("bystander", suspend)

	root.Cancel(errCoreCause)
	for _, in := range s.Fibers() {
		if want := in.Name != "bystander"; in.Cancelled != want {
			t.Errorf("Info(%s).Cancelled after root.Cancel = %v; want %v", in.Name, in.Cancelled, want)
		}
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	for _, name := range []string{"root", "child1", "grandchild", "child2", "late"} {
		if err, ok := errs[name]; !ok || !coreIsCancel(err, errCoreCause) {
			t.Errorf("Suspend in %s = %v (returned: %v); want an error matching context.Canceled and %v", name, err, ok, errCoreCause)
		}
	}
	if late == nil || !late.Cancelled() {
		t.Errorf("child spawned by a cancelled fiber: Cancelled() = false; want true")
	}
	if got := root.State(); got != fiber.StateDone {
		t.Errorf("root.State() = %v; want %v", got, fiber.StateDone)
	}
	if _, ok := errs["bystander"]; ok || s.Live() != 1 {
		t.Errorf("bystander woke (%v) or Live() = %d; want it still suspended, Live() = 1", ok, s.Live())
	}

	// Scheduler.Cancel cancels every fiber.
	s.Cancel(errCoreParent)
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	if err := errs["bystander"]; !coreIsCancel(err, errCoreParent) {
		t.Errorf("Suspend in bystander after Scheduler.Cancel = %v; want an error matching %v", err, errCoreParent)
	}
	coreClose(t, s)
}

func TestCancelParentWaitingForChildren(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var childErr error
	parent := s.Spawn("parent", func(p *fiber.Fiber) error {
		p.Spawn("child", func(c *fiber.Fiber) error {
			childErr = c.Scheduler().Suspend(c, "forever")
			return childErr
		})
		return nil
	})
	if got := parent.Info().WaitingOn; got != "children" {
		t.Fatalf("parent.Info().WaitingOn = %q; want %q", got, "children")
	}
	// Only the end of its children can wake a parent waiting for them.
	if parent.Scheduler().Waker(parent).Wake(nil) {
		t.Errorf("Wake of a parent waiting for its children = true; want false")
	}
	parent.Cancel(errCoreCause)
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	if !coreIsCancel(childErr, errCoreCause) {
		t.Errorf("child's Suspend = %v; want an error matching %v", childErr, errCoreCause)
	}
	if got := parent.State(); got != fiber.StateDone {
		t.Errorf("parent.State() = %v; want %v", got, fiber.StateDone)
	}
	if got := parent.Err(); got != nil {
		t.Errorf("parent.Err() = %v; want nil (its function returned nil)", got)
	}
	coreClose(t, s)
}

func TestFiberContextIsCancelledWhenFiberFinishes(t *testing.T) {
	for _, result := range []error{nil, errCoreChild} {
		t.Run(fmt.Sprint(result), func(t *testing.T) {
			s := fiber.NewScheduler(fiber.SchedulerConfig{})
			var inside context.Context
			f := s.Spawn("f", func(f *fiber.Fiber) error {
				inside = f.Context()
				if err := f.Yield(); err != nil {
					return err
				}
				if err := inside.Err(); err != nil {
					t.Errorf("Context().Err() while running = %v; want nil", err)
				}
				return result
			})
			if err := s.RunReady(); err != nil {
				t.Fatalf("RunReady() = %v; want nil", err)
			}
			for name, ctx := range map[string]context.Context{"inside": inside, "after done": f.Context()} {
				if got := ctx.Err(); got != context.Canceled {
					t.Errorf("Context() (%s).Err() = %v; want %v", name, got, context.Canceled)
				}
				if got := context.Cause(ctx); got != context.Canceled {
					t.Errorf("context.Cause(Context() (%s)) = %v; want %v", name, got, context.Canceled)
				}
			}
			coreClose(t, s)
		})
	}
}

type coreKey struct{}

func TestFiberContextDerivesFromBaseContext(t *testing.T) {
	base, cancel := context.WithCancelCause(context.WithValue(context.Background(), coreKey{}, "v"))
	defer cancel(nil)
	s := fiber.NewScheduler(fiber.SchedulerConfig{Context: base})
	f := s.Spawn("f", coreSuspendForever)
	ctx := f.Context()
	if got := ctx.Value(coreKey{}); got != "v" {
		t.Errorf("Context().Value(key) = %v; want %q", got, "v")
	}
	// Cancelling the base context cancels fiber contexts, not fibers.
	cancel(errCoreCause)
	if got := context.Cause(ctx); got != errCoreCause {
		t.Errorf("context.Cause(Context()) after cancelling the base = %v; want %v", got, errCoreCause)
	}
	if f.Cancelled() || f.State() != fiber.StateSuspended {
		t.Errorf("fiber after cancelling the base: Cancelled() = %v, State() = %v; want false, %v", f.Cancelled(), f.State(), fiber.StateSuspended)
	}
	coreClose(t, s)
}

func TestRunContextCancellation(t *testing.T) {
	tests := []struct {
		name        string
		cancelFirst bool // cancel before Run rather than once main suspends
	}{
		{"cancelled while suspended", false},
		{"cancelled before Run", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			suspended := make(chan struct{})
			var wg sync.WaitGroup
			if tc.cancelFirst {
				cancel(errCoreCause)
			} else {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-suspended
					cancel(errCoreCause)
				}()
			}
			var tr coreTrace
			var childCtx context.Context
			err := fiber.Run(ctx, func(f *fiber.Fiber) error {
				defer tr.add("main cleanup")
				child := f.Spawn("child", func(c *fiber.Fiber) error {
					defer tr.add("child cleanup")
					childCtx = c.Context()
					return c.Scheduler().Suspend(c, "forever")
				})
				close(suspended)
				return f.Join(child)
			})
			wg.Wait()
			if !coreIsCancel(err, errCoreCause) {
				t.Errorf("Run = %v; want an error matching context.Canceled and %v", err, errCoreCause)
			}
			if errors.Is(err, fiber.ErrDeadlock) {
				t.Errorf("Run = %v; want no ErrDeadlock", err)
			}
			if got := context.Cause(childCtx); got != errCoreCause {
				t.Errorf("context.Cause(child.Context()) = %v; want %v", got, errCoreCause)
			}
			coreCheckTrace(t, "cleanups", tr, []string{"child cleanup", "main cleanup"})
		})
	}
}

func TestRunWithCancellableContextDoesNotReportDeadlock(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	suspended := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-suspended
		cancel(errCoreCause)
	}()
	err := fiber.Run(ctx, func(f *fiber.Fiber) error {
		close(suspended)
		return f.Scheduler().Suspend(f, "until the context is cancelled")
	})
	<-done
	if errors.Is(err, fiber.ErrDeadlock) || !coreIsCancel(err, errCoreCause) {
		t.Errorf("Run = %v; want the cancellation cause %v and no ErrDeadlock", err, errCoreCause)
	}
}

func TestCloseCancelsFibersAndRunsCleanups(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var tr coreTrace
	a := s.Spawn("a", func(a *fiber.Fiber) error {
		defer tr.add("a cleanup 1")
		defer func() {
			// Suspension points in cleanups fail at once.
			tr.add("a cleanup 2: Sleep = %v", a.Sleep(time.Hour))
		}()
		err := a.Sleep(time.Hour)
		tr.add("a: Sleep = %v", err)
		return err
	})
	s.Spawn("b", func(b *fiber.Fiber) error {
		defer tr.add("b cleanup")
		b.Spawn("b.child", func(c *fiber.Fiber) error {
			defer tr.add("b.child cleanup")
			return coreSuspendForever(c)
		})
		err := b.Join(a)
		tr.add("b: Join = %v", err)
		// A child spawned while closing starts cancelled with ErrStopped.
		late := b.Spawn("b.late", coreSuspendForever)
		tr.add("b: late child = %v", late.Err())
		return err
	})
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close = %v; want nil", err)
	}
	stopped := "fiber: canceled: fiber: scheduler stopped"
	coreCheckTrace(t, "Close", tr, []string{
		"a: Sleep = " + stopped,
		"a cleanup 2: Sleep = " + stopped,
		"a cleanup 1",
		"b.child cleanup",
		"b: Join = " + stopped,
		"b: late child = " + stopped,
		"b cleanup",
	})
	if err := a.Err(); !coreIsCancel(err, fiber.ErrStopped) {
		t.Errorf("a.Err() = %v; want an error matching context.Canceled and ErrStopped", err)
	}
	if got := s.Live(); got != 0 {
		t.Errorf("Live() after Close = %d; want 0", got)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
	if s.Post(func() { t.Errorf("function posted after Close ran") }) {
		t.Errorf("Post after Close = true; want false")
	}
	if err := s.RunReady(); err != nil {
		t.Errorf("RunReady after Close = %v; want nil", err)
	}
}

// ---- Structured lifetime ----

func TestParentWaitsForChildren(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var tr coreTrace
	var w fiber.Waker
	parent := s.Spawn("parent", func(p *fiber.Fiber) error {
		p.Spawn("child", func(c *fiber.Fiber) error {
			w = c.Scheduler().Waker(c)
			err := c.Scheduler().Suspend(c, "signal")
			tr.add("child done")
			return err
		})
		tr.add("parent returns")
		return nil
	})
	joiner := s.Spawn("joiner", func(j *fiber.Fiber) error {
		err := j.Join(parent)
		tr.add("joiner: Join(parent) = %v", err)
		return err
	})
	if got := parent.State(); got != fiber.StateSuspended {
		t.Errorf("parent.State() after its function returned = %v; want %v", got, fiber.StateSuspended)
	}
	if got := parent.Info().WaitingOn; got != "children" {
		t.Errorf("parent.Info().WaitingOn = %q; want %q", got, "children")
	}
	if got := joiner.Info().WaitingOn; got != "join parent" {
		t.Errorf("joiner.Info().WaitingOn = %q; want %q", got, "join parent")
	}
	if got := s.Live(); got != 3 {
		t.Errorf("Live() = %d; want 3", got)
	}
	if !w.Wake(nil) {
		t.Fatalf("child Wake(nil) = false; want true")
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	coreCheckTrace(t, "lifetime", tr, []string{"parent returns", "child done", "joiner: Join(parent) = <nil>"})
	if got := parent.State(); got != fiber.StateDone {
		t.Errorf("parent.State() = %v; want %v", got, fiber.StateDone)
	}
	if got := s.Live(); got != 0 {
		t.Errorf("Live() = %d; want 0", got)
	}
	coreClose(t, s)
}

func TestParentErrorCancelsChildren(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var childErr error
		var childCtx context.Context
		var slept time.Duration
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			f.Spawn("child", func(c *fiber.Fiber) error {
				childCtx = c.Context()
				childErr = c.Sleep(time.Hour)
				slept = time.Since(start)
				return childErr
			})
			return errCoreParent
		})
		if err != errCoreParent {
			t.Errorf("Run = %v; want %v", err, errCoreParent)
		}
		if !coreIsCancel(childErr, errCoreParent) {
			t.Errorf("child's Sleep = %v; want an error matching context.Canceled and %v", childErr, errCoreParent)
		}
		if got := context.Cause(childCtx); got != errCoreParent {
			t.Errorf("context.Cause(child.Context()) = %v; want %v", got, errCoreParent)
		}
		if slept != 0 {
			t.Errorf("child slept %v; want 0s", slept)
		}
	})
}

// ---- Panics ----

func TestUnsupervisedPanicFailsRun(t *testing.T) {
	for _, yieldFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("yield first %v", yieldFirst), func(t *testing.T) {
			var tr coreTrace
			var sibErr error
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				defer tr.add("main cleanup")
				sib := f.Spawn("sibling", func(s *fiber.Fiber) error {
					defer tr.add("sibling cleanup")
					sibErr = s.Scheduler().Suspend(s, "forever")
					return sibErr
				})
				f.Spawn("bomb", func(b *fiber.Fiber) error {
					if yieldFirst {
						if err := b.Yield(); err != nil {
							return err
						}
					}
					coreExplode()
					return nil
				})
				return f.Join(sib)
			})
			var pe *fiber.PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("Run = %v; want a *PanicError", err)
			}
			if pe.Fiber != "bomb" || pe.Value != "kaboom" {
				t.Errorf("PanicError{Fiber, Value} = {%q, %v}; want {%q, %q}", pe.Fiber, pe.Value, "bomb", "kaboom")
			}
			if !bytes.Contains(pe.Stack, []byte("coreExplode")) {
				t.Errorf("PanicError.Stack = %s; want it to contain coreExplode", pe.Stack)
			}
			if msg := pe.Error(); !strings.Contains(msg, `"bomb"`) || !strings.Contains(msg, "kaboom") {
				t.Errorf("PanicError.Error() = %q; want the fiber name and the value", msg)
			}
			if !coreIsCancel(sibErr, pe) {
				t.Errorf("sibling's Suspend = %v; want a cancellation caused by the panic", sibErr)
			}
			coreCheckTrace(t, "cleanups", tr, []string{"sibling cleanup", "main cleanup"})
		})
	}
}

func TestSupervisedPanicIsReturnedByJoin(t *testing.T) {
	for _, yieldFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("yield first %v", yieldFirst), func(t *testing.T) {
			var joinErr error
			sibDone := false
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				sib := f.Spawn("sibling", func(s *fiber.Fiber) error {
					err := s.Yield()
					sibDone = err == nil
					return err
				})
				ward := f.Spawn("ward", func(w *fiber.Fiber) error {
					if yieldFirst {
						if err := w.Yield(); err != nil {
							return err
						}
					}
					coreExplode()
					return nil
				}, fiber.Supervised())
				joinErr = f.Join(ward)
				return f.Join(sib)
			})
			if err != nil {
				t.Fatalf("Run = %v; want nil", err)
			}
			var pe *fiber.PanicError
			if !errors.As(joinErr, &pe) || pe.Fiber != "ward" || pe.Value != "kaboom" {
				t.Fatalf("Join(ward) = %v; want a *PanicError from ward with value kaboom", joinErr)
			}
			if !bytes.Contains(pe.Stack, []byte("coreExplode")) {
				t.Errorf("PanicError.Stack = %s; want it to contain coreExplode", pe.Stack)
			}
			if !sibDone {
				t.Errorf("sibling was disturbed by a supervised panic; want it to finish normally")
			}
		})
	}
}

func TestPanicWithErrorUnwraps(t *testing.T) {
	t.Run("supervised", func(t *testing.T) {
		var joinErr error
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			c := f.Spawn("c", func(*fiber.Fiber) error { panic(errCoreBoom) }, fiber.Supervised())
			joinErr = f.Join(c)
			return nil
		})
		if err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
		var pe *fiber.PanicError
		if !errors.Is(joinErr, errCoreBoom) || !errors.As(joinErr, &pe) || pe.Value != errCoreBoom {
			t.Errorf("Join = %v; want a *PanicError matching %v", joinErr, errCoreBoom)
		}
	})
	t.Run("unsupervised", func(t *testing.T) {
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error { panic(errCoreBoom) })
		var pe *fiber.PanicError
		if !errors.Is(err, errCoreBoom) || !errors.As(err, &pe) || pe.Fiber != "main" {
			t.Errorf("Run = %v; want a *PanicError from main matching %v", err, errCoreBoom)
		}
	})
}

func TestRunReadyReturnsPanicAndStops(t *testing.T) {
	t.Run("while running", func(t *testing.T) {
		s := fiber.NewScheduler(fiber.SchedulerConfig{})
		var tr coreTrace
		for _, name := range []string{"a", "bomb", "c"} {
			s.Spawn(name, func(f *fiber.Fiber) error {
				tr.add("%s start", name)
				if err := f.Yield(); err != nil {
					return err
				}
				if name == "bomb" {
					coreExplode()
				}
				tr.add("%s end", name)
				return nil
			})
		}
		err := s.RunReady()
		var pe *fiber.PanicError
		if !errors.As(err, &pe) || pe.Fiber != "bomb" {
			t.Fatalf("RunReady() = %v; want a *PanicError from bomb", err)
		}
		coreCheckTrace(t, "first RunReady", tr, []string{"a start", "bomb start", "c start", "a end"})
		if s.Idle() {
			t.Errorf("Idle() after RunReady stopped early = true; want false (c is still ready)")
		}
		if got := s.Failure(); got != err {
			t.Errorf("Failure() = %v; want %v", got, err)
		}
		if err := s.RunReady(); err != nil {
			t.Errorf("second RunReady() = %v; want nil", err)
		}
		coreCheckTrace(t, "second RunReady", tr, []string{"a start", "bomb start", "c start", "a end", "c end"})
		coreClose(t, s)
	})
	t.Run("during Scheduler.Spawn", func(t *testing.T) {
		s := fiber.NewScheduler(fiber.SchedulerConfig{})
		if s.Failure() != nil {
			t.Errorf("Failure() of a new scheduler = %v; want nil", s.Failure())
		}
		s.Spawn("bomb", func(*fiber.Fiber) error { coreExplode(); return nil })
		err := s.RunReady()
		var pe *fiber.PanicError
		if !errors.As(err, &pe) || pe.Fiber != "bomb" {
			t.Errorf("RunReady() after a panic in Spawn = %v; want a *PanicError from bomb", err)
		}
		if err := s.RunReady(); err != nil {
			t.Errorf("second RunReady() = %v; want nil", err)
		}
		coreClose(t, s)
	})
}

func TestCloseReturnsPanicOfCleanup(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	s.Spawn("bomb", func(f *fiber.Fiber) error {
		defer coreExplode()
		return coreSuspendForever(f)
	})
	err := s.Close(context.Background())
	var pe *fiber.PanicError
	if !errors.As(err, &pe) || pe.Fiber != "bomb" {
		t.Fatalf("Close = %v; want a *PanicError from bomb", err)
	}
	if again := s.Close(context.Background()); again != err {
		t.Errorf("second Close = %v; want the same %v", again, err)
	}
}

// ---- Await ----

func TestAwaitReturnsResult(t *testing.T) {
	tests := []struct {
		v   int
		err error
	}{{42, nil}, {0, errCoreChild}, {7, errCoreChild}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.v, tc.err), func(t *testing.T) {
			var v int
			var err error
			ctxOK := false
			runErr := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				fctx := f.Context()
				v, err = fiber.Await(f, func(ctx context.Context) (int, error) {
					ctxOK = ctx == fctx
					return tc.v, tc.err
				})
				return nil
			})
			if runErr != nil {
				t.Fatalf("Run = %v; want nil", runErr)
			}
			if v != tc.v || err != tc.err {
				t.Errorf("Await = %v, %v; want %v, %v", v, err, tc.v, tc.err)
			}
			if !ctxOK {
				t.Errorf("Await passed a context other than Fiber.Context()")
			}
		})
	}
}

func TestAwaitRunsOffTheOwner(t *testing.T) {
	// Inside a bubble, a blocking fn run on the owner would be reported as
	// a deadlock instead of hanging the test.
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var tr coreTrace
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			a := f.Spawn("a", func(a *fiber.Fiber) error {
				v, err := fiber.Await(a, func(context.Context) (string, error) {
					<-release
					return "released", nil
				})
				tr.add("a: Await = %v, %v", v, err)
				return err
			})
			if got := a.Info().WaitingOn; got != "await" {
				t.Errorf("Info().WaitingOn during Await = %q; want %q", got, "await")
			}
			f.Spawn("b", func(b *fiber.Fiber) error {
				tr.add("b: runs while a awaits")
				if err := b.Yield(); err != nil {
					return err
				}
				tr.add("b: release")
				close(release)
				return nil
			})
			return f.Join(a)
		})
		if err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
		coreCheckTrace(t, "Run", tr, []string{"b: runs while a awaits", "b: release", "a: Await = released, <nil>"})
	})
}

func TestAwaitCancelled(t *testing.T) {
	for _, honoursCtx := range []bool{false, true} {
		t.Run(fmt.Sprintf("fn honours ctx %v", honoursCtx), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				var fnDone atomic.Bool
				var fnCause error
				var awaitErr error
				fnStillRunning := false
				runDone := make(chan error, 1)
				go func() {
					runDone <- fiber.Run(context.Background(), func(f *fiber.Fiber) error {
						child := f.Spawn("awaiter", func(c *fiber.Fiber) error {
							_, awaitErr = fiber.Await(c, func(ctx context.Context) (int, error) {
								defer fnDone.Store(true)
								if honoursCtx {
									<-ctx.Done()
									fnCause = context.Cause(ctx)
									return 0, ctx.Err()
								}
								<-release
								return 1, nil
							})
							fnStillRunning = !honoursCtx && !fnDone.Load()
							return awaitErr
						})
						child.Cancel(errCoreCause)
						f.Join(child)
						return nil
					})
				}()
				if !honoursCtx {
					// Run must still be waiting for the Await goroutine.
					synctest.Wait()
					select {
					case err := <-runDone:
						t.Fatalf("Run = %v before the Await function returned; want it to wait", err)
					default:
					}
					close(release)
				}
				if err := <-runDone; err != nil {
					t.Fatalf("Run = %v; want nil", err)
				}
				if !fnDone.Load() {
					t.Errorf("Run returned before the Await function did")
				}
				if !coreIsCancel(awaitErr, errCoreCause) {
					t.Errorf("Await of a cancelled fiber = %v; want an error matching context.Canceled and %v", awaitErr, errCoreCause)
				}
				if !honoursCtx && !fnStillRunning {
					t.Errorf("Await returned after its function did; want it to return at once on cancellation")
				}
				if honoursCtx && fnCause != errCoreCause {
					t.Errorf("context.Cause(ctx) seen by the Await function = %v; want %v", fnCause, errCoreCause)
				}
			})
		})
	}
}

func TestAwaitPanicIsReraisedInFiber(t *testing.T) {
	checkInner := func(t *testing.T, v any) {
		t.Helper()
		pe, ok := v.(*fiber.PanicError)
		if !ok {
			t.Fatalf("panic value = %#v; want a *PanicError", v)
		}
		if pe.Fiber != "main (Await)" || pe.Value != "kaboom" {
			t.Errorf("PanicError{Fiber, Value} = {%q, %v}; want {%q, %q}", pe.Fiber, pe.Value, "main (Await)", "kaboom")
		}
		if !bytes.Contains(pe.Stack, []byte("coreExplode")) {
			t.Errorf("PanicError.Stack = %s; want it to contain coreExplode", pe.Stack)
		}
	}
	explode := func(context.Context) (int, error) { coreExplode(); return 0, nil }
	t.Run("recovered in the fiber", func(t *testing.T) {
		var rec any
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			rec = corePanicValue(func() { fiber.Await(f, explode) })
			return nil
		})
		if err != nil {
			t.Fatalf("Run = %v; want nil", err)
		}
		checkInner(t, rec)
	})
	t.Run("not recovered", func(t *testing.T) {
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			_, err := fiber.Await(f, explode)
			return err
		})
		var pe *fiber.PanicError
		if !errors.As(err, &pe) || pe.Fiber != "main" {
			t.Fatalf("Run = %v; want a *PanicError from main", err)
		}
		checkInner(t, pe.Value)
	})
}

func TestAwaitPanicAfterCancelFailsScheduler(t *testing.T) {
	late := func(release <-chan struct{}) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			<-release
			coreExplode()
			return 0, nil
		}
	}
	checkErr := func(t *testing.T, what string, err error) {
		t.Helper()
		var pe *fiber.PanicError
		if !errors.As(err, &pe) || pe.Fiber != "awaiter (Await)" || pe.Value != "kaboom" {
			t.Errorf("%s = %v; want the *PanicError of awaiter's Await function", what, err)
		}
	}

	t.Run("Scheduler", func(t *testing.T) {
		wake := make(chan struct{}, 1)
		s := fiber.NewScheduler(fiber.SchedulerConfig{Wake: func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		}})
		release := make(chan struct{})
		f := s.Spawn("awaiter", func(f *fiber.Fiber) error {
			_, err := fiber.Await(f, late(release))
			return err
		})
		f.Cancel(nil)
		if err := s.RunReady(); err != nil {
			t.Fatalf("RunReady() = %v; want nil", err)
		}
		if got := f.State(); got != fiber.StateDone {
			t.Fatalf("awaiter.State() = %v; want %v", got, fiber.StateDone)
		}
		close(release)
		<-wake // the Await goroutine posted its outcome
		checkErr(t, "RunReady()", s.RunReady())
		checkErr(t, "Failure()", s.Failure())
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("Close = %v; want nil (the panic was already reported)", err)
		}
	})

	t.Run("Run while running", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			var sleepErr error
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				c := f.Spawn("awaiter", func(c *fiber.Fiber) error {
					_, err := fiber.Await(c, late(release))
					return err
				})
				c.Cancel(nil)
				f.Join(c)
				close(release)
				// Virtual time stands still until the Await goroutine has
				// panicked and posted, so the panic arrives during this sleep.
				sleepErr = f.Sleep(time.Hour)
				return nil
			})
			checkErr(t, "Run", err)
			var pe *fiber.PanicError
			if !errors.As(sleepErr, &pe) {
				t.Errorf("main's Sleep = %v; want a cancellation caused by the panic", sleepErr)
			}
		})
	})

	t.Run("Run while closing", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			runDone := make(chan error, 1)
			go func() {
				runDone <- fiber.Run(context.Background(), func(f *fiber.Fiber) error {
					c := f.Spawn("awaiter", func(c *fiber.Fiber) error {
						_, err := fiber.Await(c, late(release))
						return err
					})
					c.Cancel(nil)
					return nil
				})
			}()
			synctest.Wait() // Run is closing, waiting for the Await goroutine
			close(release)
			checkErr(t, "Run", <-runDone)
		})
	})
}

// ---- Deadlock detection ----

func TestRunDetectsDeadlock(t *testing.T) {
	tests := []struct {
		name string
		main func(*fiber.Fiber) error
		want []string // substrings of the error
	}{
		{
			name: "suspended forever",
			main: func(f *fiber.Fiber) error {
				return f.Join(f.Spawn("waiter", func(w *fiber.Fiber) error { return w.Scheduler().Suspend(w, "forever") }))
			},
			want: []string{`"waiter": Suspended on forever`, `"main": Suspended on join waiter`},
		},
		{
			name: "join cycle",
			main: func(f *fiber.Fiber) error {
				var b *fiber.Fiber
				a := f.Spawn("a", func(a *fiber.Fiber) error {
					if err := a.Yield(); err != nil {
						return err
					}
					return a.Join(b)
				})
				b = f.Spawn("b", func(b *fiber.Fiber) error { return b.Join(a) })
				return f.Join(a)
			},
			want: []string{`"a": Suspended on join b`, `"b": Suspended on join a`, `"main": Suspended on join a`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := fiber.Run(context.Background(), tc.main)
			if !errors.Is(err, fiber.ErrDeadlock) {
				t.Fatalf("Run = %v; want an error wrapping ErrDeadlock", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Run = %q; want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestDeadlockCancelsFibersWithErrDeadlock(t *testing.T) {
	var got error
	cleaned := false
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		defer func() { cleaned = true }()
		got = f.Scheduler().Suspend(f, "forever")
		return nil
	})
	if !errors.Is(err, fiber.ErrDeadlock) {
		t.Errorf("Run = %v; want ErrDeadlock", err)
	}
	if !coreIsCancel(got, fiber.ErrDeadlock) || !cleaned {
		t.Errorf("Suspend = %v, cleanup ran = %v; want a cancellation by ErrDeadlock, true", got, cleaned)
	}
}

// ---- Scheduler driven manually ----

func TestSchedulerPostAndWakeHook(t *testing.T) {
	var hooks atomic.Int32
	s := fiber.NewScheduler(fiber.SchedulerConfig{Wake: func() { hooks.Add(1) }})
	var got []int
	post := func(from, to int) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := from; i <= to; i++ {
				if !s.Post(func() { got = append(got, i) }) {
					t.Errorf("Post(%d) = false; want true", i)
				}
			}
		}()
		<-done
	}

	post(1, 3)
	if n := hooks.Load(); n != 1 {
		t.Errorf("wake hook calls after 3 posts = %d; want 1", n)
	}
	if s.Idle() {
		t.Errorf("Idle() with posted functions = true; want false")
	}
	if len(got) != 0 {
		t.Errorf("posted functions ran before RunReady: %v", got)
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	if want := []int{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("posted functions ran as %v; want %v", got, want)
	}
	if !s.Idle() {
		t.Errorf("Idle() after RunReady = false; want true")
	}
	post(4, 5)
	if n := hooks.Load(); n != 2 {
		t.Errorf("wake hook calls after the queue emptied and refilled = %d; want 2", n)
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	if want := []int{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("posted functions ran as %v; want %v", got, want)
	}
	coreClose(t, s)
}

func TestPostedFunctionsMayPostSpawnAndWake(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var tr coreTrace
	var w fiber.Waker
	sleeper := s.Spawn("sleeper", func(f *fiber.Fiber) error {
		w = f.Scheduler().Waker(f)
		err := f.Scheduler().Suspend(f, "posted wake")
		tr.add("sleeper woke: %v", err)
		return nil
	})
	s.Post(func() {
		tr.add("post 1")
		s.Post(func() { tr.add("post 3 (posted by post 1)") })
		s.Spawn("spawned", func(f *fiber.Fiber) error {
			tr.add("spawned runs at once")
			return nil
		})
		if !w.Wake(errCoreWakeErr) {
			t.Errorf("Wake from a posted function = false; want true")
		}
	})
	s.Post(func() { tr.add("post 2") })
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	coreCheckTrace(t, "RunReady", tr, []string{
		"post 1",
		"spawned runs at once",
		"post 2",
		"sleeper woke: " + errCoreWakeErr.Error(),
		"post 3 (posted by post 1)",
	})
	if got := sleeper.State(); got != fiber.StateDone {
		t.Errorf("sleeper.State() = %v; want %v", got, fiber.StateDone)
	}
	coreClose(t, s)
}

func TestWaker(t *testing.T) {
	if (fiber.Waker{}).Wake(nil) {
		t.Errorf("zero Waker.Wake(nil) = true; want false")
	}
	if f := (fiber.Waker{}).Fiber(); f != nil {
		t.Errorf("zero Waker.Fiber() = %v; want nil", f)
	}

	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var w1, w2, w3 fiber.Waker
	var early bool
	var got []error
	f := s.Spawn("f", func(f *fiber.Fiber) error {
		w1 = f.Scheduler().Waker(f)
		early = w1.Wake(nil) // not suspended yet
		got = append(got, f.Scheduler().Suspend(f, "first"))
		w2 = f.Scheduler().Waker(f)
		got = append(got, f.Scheduler().Suspend(f, "second"))
		w3 = f.Scheduler().Waker(f)
		got = append(got, f.Scheduler().Suspend(f, "third"))
		return nil
	})
	if early {
		t.Errorf("Wake before Suspend = true; want false")
	}
	if w1.Fiber() != f {
		t.Errorf("Waker.Fiber() = %v; want the fiber it came from", w1.Fiber())
	}
	if got := f.Info().WaitingOn; got != "first" {
		t.Errorf("Info().WaitingOn = %q; want %q", got, "first")
	}
	if !w1.Wake(errCoreWakeErr) {
		t.Fatalf("first Wake = false; want true")
	}
	if w1.Wake(nil) {
		t.Errorf("second Wake of the same suspension = true; want false")
	}
	if got := f.State(); got != fiber.StateReady {
		t.Errorf("State() after Wake = %v; want %v", got, fiber.StateReady)
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	// f now waits in its second Suspend: the first Waker is stale.
	if w1.Wake(nil) {
		t.Errorf("stale Waker.Wake = true; want false")
	}
	if !w2.Wake(nil) {
		t.Fatalf("Wake of the second suspension = false; want true")
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	// A cancellation ends the suspension: its Waker goes stale.
	f.Cancel(errCoreCause)
	if w3.Wake(nil) {
		t.Errorf("Wake after Cancel = true; want false")
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	if len(got) != 3 || got[0] != errCoreWakeErr || got[1] != nil || !coreIsCancel(got[2], errCoreCause) {
		t.Errorf("Suspend results = %v; want [%v <nil> <cancelled by %v>]", got, errCoreWakeErr, errCoreCause)
	}
	if w3.Wake(nil) {
		t.Errorf("Wake of a done fiber = true; want false")
	}
	coreClose(t, s)
}

func TestCloseWaitsForAwaitCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := fiber.NewScheduler(fiber.SchedulerConfig{})
		release := make(chan struct{})
		var finished atomic.Bool
		f := s.Spawn("blocker", func(f *fiber.Fiber) error {
			_, err := fiber.Await(f, func(context.Context) (int, error) {
				<-release // ignores its context
				finished.Store(true)
				return 0, nil
			})
			return err
		})

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		err := s.Close(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close(ctx with 1s timeout) with a blocked Await = %v; want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Close(ctx with 1s timeout) took %v; want 1s", d)
		}
		if err := f.Err(); !coreIsCancel(err, fiber.ErrStopped) {
			t.Errorf("blocker.Err() = %v; want a cancellation by ErrStopped", err)
		}
		if got := s.Live(); got != 0 {
			t.Errorf("Live() = %d; want 0", got)
		}

		gaveUp, giveUp := context.WithCancelCause(context.Background())
		giveUp(errCoreGiveUp)
		if err := s.Close(gaveUp); !errors.Is(err, errCoreGiveUp) {
			t.Errorf("Close(cancelled ctx) with a blocked Await = %v; want %v", err, errCoreGiveUp)
		}

		closeDone := make(chan error, 1)
		go func() { closeDone <- s.Close(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-closeDone:
			t.Fatalf("Close(Background) = %v while an Await call runs; want it to wait", err)
		default:
		}
		close(release)
		if err := <-closeDone; err != nil {
			t.Errorf("Close(Background) = %v; want nil", err)
		}
		if !finished.Load() {
			t.Errorf("Close returned before the Await function did")
		}
	})
}

// ---- Introspection ----

func TestStateString(t *testing.T) {
	tests := []struct {
		s    fiber.State
		want string
	}{
		{fiber.StateReady, "Ready"},
		{fiber.StateRunning, "Running"},
		{fiber.StateSuspended, "Suspended"},
		{fiber.StateDone, "Done"},
		{fiber.State(0), "State(0)"},
		{fiber.State(9), "State(9)"},
	}
	for _, tc := range tests {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("State(%d).String() = %q; want %q", uint8(tc.s), got, tc.want)
		}
	}
}

func TestIntrospection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		wake := make(chan struct{}, 1)
		s := fiber.NewScheduler(fiber.SchedulerConfig{Wake: func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		}})
		start := time.Now()
		release := make(chan struct{})

		sleeper := s.Spawn("sleeper", func(f *fiber.Fiber) error { return f.Sleep(time.Second) })
		worker := s.Spawn("worker", func(f *fiber.Fiber) error { return f.Scheduler().Suspend(f, "custom wait") })
		s.Spawn("joiner", func(f *fiber.Fiber) error { return f.Join(worker) })
		parent := s.Spawn("parent", func(p *fiber.Fiber) error {
			p.Spawn("kid", func(k *fiber.Fiber) error { return k.Scheduler().Suspend(k, "kid wait") })
			return nil
		})
		s.Spawn("awaiter", func(f *fiber.Fiber) error {
			_, err := fiber.Await(f, func(context.Context) (int, error) { <-release; return 0, nil })
			return err
		})
		s.Spawn("", func(f *fiber.Fiber) error { return f.Yield() })
		var observerIn, peekIn fiber.Info
		observer := s.Spawn("observer", func(o *fiber.Fiber) error {
			o.Spawn("peek", func(p *fiber.Fiber) error {
				observerIn, peekIn = o.Info(), p.Info()
				return nil
			})
			return nil
		})

		if observerIn.State != fiber.StateRunning || peekIn.State != fiber.StateRunning {
			t.Errorf("states of a spawning parent and its running child = %v, %v; want %v, %v",
				observerIn.State, peekIn.State, fiber.StateRunning, fiber.StateRunning)
		}
		if peekIn.Parent != observer.ID() || peekIn.Name != "peek" || !peekIn.Since.IsZero() {
			t.Errorf("peek's Info = %+v; want Parent %d, Name peek, zero Since", peekIn, observer.ID())
		}
		if got := observer.State(); got != fiber.StateDone {
			t.Errorf("observer.State() = %v; want %v", got, fiber.StateDone)
		}

		checkInfos := func(when string, want []fiber.Info, since time.Time) {
			t.Helper()
			got := s.Fibers()
			for i := range got {
				if got[i].State == fiber.StateSuspended {
					if !got[i].Since.Equal(since) {
						t.Errorf("%s: Info(%s).Since = %v; want %v", when, got[i].Name, got[i].Since, since)
					}
				} else if !got[i].Since.IsZero() {
					t.Errorf("%s: Info(%s).Since = %v; want zero", when, got[i].Name, got[i].Since)
				}
				got[i].Since = time.Time{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: Fibers() =\n\t%+v\nwant\n\t%+v", when, got, want)
			}
			if n := s.Live(); n != len(want) {
				t.Errorf("%s: Live() = %d; want %d", when, n, len(want))
			}
		}
		// Ids count from 1 in spawn order: sleeper 1, worker 2, joiner 3,
		// parent 4, kid 5, awaiter 6, the unnamed fiber 7 (observer and peek,
		// 8 and 9, are done). Fibers lists the newest first.
		// Every fiber was spawned at start (virtual time stands still) and
		// has run once; a joiner and a parent waiting for its children name
		// the fiber they wait for.
		want := []fiber.Info{
			{ID: 7, Name: "fiber-7", State: fiber.StateReady},
			{ID: 6, Name: "awaiter", State: fiber.StateSuspended, WaitingOn: "await"},
			{ID: 5, Name: "kid", Parent: 4, State: fiber.StateSuspended, WaitingOn: "kid wait"},
			{ID: 4, Name: "parent", State: fiber.StateSuspended, WaitingOn: "children", WaitingFor: 5},
			{ID: 3, Name: "joiner", State: fiber.StateSuspended, WaitingOn: "join worker", WaitingFor: 2},
			{ID: 2, Name: "worker", State: fiber.StateSuspended, WaitingOn: "custom wait"},
			{ID: 1, Name: "sleeper", State: fiber.StateSuspended, WaitingOn: "sleep 1s"},
		}
		for i := range want {
			want[i].Spawned, want[i].Runs = time.Unix(0, start.UnixNano()), 1
		}
		checkInfos("after spawning", want, start)
		if got := parent.Info().Parent; got != 0 {
			t.Errorf("parent.Info().Parent = %d; want 0 (spawned by the owner)", got)
		}

		// Let the sleeper's timer fire: one second of virtual time passes.
		<-wake
		if err := s.RunReady(); err != nil {
			t.Fatalf("RunReady() = %v; want nil", err)
		}
		if got := sleeper.State(); got != fiber.StateDone {
			t.Errorf("sleeper.State() = %v; want %v", got, fiber.StateDone)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("virtual time waited for the sleeper = %v; want 1s", d)
		}
		want = slices.Delete(want, len(want)-1, len(want)) // sleeper
		want = slices.Delete(want, 0, 1)                   // the unnamed fiber, which ran
		checkInfos("after the sleeper woke", want, start)

		close(release)
		coreClose(t, s)
		if n := s.Live(); n != 0 || len(s.Fibers()) != 0 {
			t.Errorf("Live(), len(Fibers()) after Close = %d, %d; want 0, 0", n, len(s.Fibers()))
		}
	})
}

// ---- Misuse ----

func TestMisusePanics(t *testing.T) {
	nop := func(*fiber.Fiber) error { return nil }
	blocking := func(context.Context) (int, error) { return 0, nil }
	// inFiber runs body inside a new fiber of s and returns what it panicked with.
	inFiber := func(s *fiber.Scheduler, body func(f *fiber.Fiber)) (v any) {
		s.Spawn("probe", func(f *fiber.Fiber) error {
			v = corePanicValue(func() { body(f) })
			return nil
		})
		return v
	}
	tests := []struct {
		name string
		// misuse performs the misuse on s, whose fiber other is suspended,
		// and returns the panic value.
		misuse func(s *fiber.Scheduler, other *fiber.Fiber) any
		want   string // a substring of the panic message
	}{
		{"Yield from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { o.Yield() })
		}, "Yield"},
		{"Sleep from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { o.Sleep(time.Second) })
		}, "Sleep"},
		{"Sleep(0) from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { o.Sleep(0) })
		}, "outside the fiber"},
		{"SleepUntil from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { o.SleepUntil(time.Now().Add(time.Hour)) })
		}, "Sleep"},
		{"Suspend from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { o.Scheduler().Suspend(o, "x") })
		}, "outside the fiber"},
		{"Await from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { fiber.Await(o, blocking) })
		}, "Await"},
		{"Fiber.Spawn from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { o.Spawn("x", nop) })
		}, "Spawn"},
		{"Yield on another fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { o.Yield() })
		}, "Yield"},
		{"Sleep on another fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { o.Sleep(time.Second) })
		}, "Sleep"},
		{"Suspend on another fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { o.Scheduler().Suspend(o, "x") })
		}, "outside the fiber"},
		{"Await on another fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { fiber.Await(o, blocking) })
		}, "Await"},
		{"Spawn on another fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { o.Spawn("x", nop) })
		}, "Spawn"},
		{"Scheduler.Spawn from a fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { s.Spawn("x", nop) })
		}, "Scheduler.Spawn"},
		{"RunReady from a fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { s.RunReady() })
		}, "RunReady"},
		{"Close from a fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { s.Close(context.Background()) })
		}, "Close"},
		{"RunReady from a posted function", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			s.Post(func() { s.RunReady() })
			return corePanicValue(func() { s.RunReady() })
		}, "RunReady"},
		{"Join itself", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(f *fiber.Fiber) { f.Join(f) })
		}, "itself"},
		{"Join across schedulers", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			s2 := fiber.NewScheduler(fiber.SchedulerConfig{})
			defer s2.Close(context.Background())
			foreign := s2.Spawn("foreign", coreSuspendForever)
			return inFiber(s, func(f *fiber.Fiber) { f.Join(foreign) })
		}, "different schedulers"},
		{"Scheduler.Spawn with nil fn", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { s.Spawn("x", nil) })
		}, "nil"},
		{"Fiber.Spawn with nil fn", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(f *fiber.Fiber) { f.Spawn("x", nil) })
		}, "nil"},
		{"Scheduler.SpawnTagged from a fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return inFiber(s, func(*fiber.Fiber) { s.SpawnTagged("x", 1, nop) })
		}, "Scheduler.SpawnTagged"},
		{"Group.Go from the owner", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			var g fiber.Group
			return corePanicValue(func() { g.Go(o, "x", nop) })
		}, "Group.Go"},
		{"Run with a nil Option", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { fiber.Run(context.Background(), nop, nil) })
		}, "nil Option"},
		{"WithProfileLabels with an odd length", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { fiber.WithProfileLabels("k") })
		}, "odd"},
		{"SetProfileLabels with an odd length", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			return corePanicValue(func() { s.SetProfileLabels("k", "v", "k2") })
		}, "odd"},
	}
	foreign := []struct {
		name string
		call func(s2 *fiber.Scheduler, o *fiber.Fiber)
	}{
		{"Waker", func(s2 *fiber.Scheduler, o *fiber.Fiber) { s2.Waker(o) }},
		{"Suspend", func(s2 *fiber.Scheduler, o *fiber.Fiber) { s2.Suspend(o, "x") }},
		{"SetTag", func(s2 *fiber.Scheduler, o *fiber.Fiber) { s2.SetTag(o, 1) }},
		{"Tag", func(s2 *fiber.Scheduler, o *fiber.Fiber) { s2.Tag(o) }},
	}
	for _, fc := range foreign {
		tests = append(tests, struct {
			name   string
			misuse func(s *fiber.Scheduler, o *fiber.Fiber) any
			want   string
		}{"Scheduler." + fc.name + " of another scheduler's fiber", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			s2 := fiber.NewScheduler(fiber.SchedulerConfig{})
			defer s2.Close(context.Background())
			return corePanicValue(func() { fc.call(s2, o) })
		}, "another scheduler"})
	}
	tests = append(tests, []struct {
		name   string
		misuse func(s *fiber.Scheduler, o *fiber.Fiber) any
		want   string
	}{
		{"Spawn on a closed scheduler", func(s *fiber.Scheduler, o *fiber.Fiber) any {
			s2 := fiber.NewScheduler(fiber.SchedulerConfig{})
			s2.Close(context.Background())
			return corePanicValue(func() { s2.Spawn("x", nop) })
		}, "closed"},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := fiber.NewScheduler(fiber.SchedulerConfig{})
			other := s.Spawn("other", coreSuspendForever)
			v := tc.misuse(s, other)
			msg, ok := v.(string)
			if !ok || !strings.HasPrefix(msg, "fiber: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("%s panicked with %#v; want a string starting with %q and containing %q", tc.name, v, "fiber: ", tc.want)
			}
			// The scheduler is still usable after the misuse.
			if err := s.RunReady(); err != nil {
				t.Errorf("RunReady() after the misuse = %v; want nil", err)
			}
			if got := other.State(); got != fiber.StateSuspended {
				t.Errorf("other.State() after the misuse = %v; want %v", got, fiber.StateSuspended)
			}
			coreClose(t, s)
			if err := other.Err(); !coreIsCancel(err, fiber.ErrStopped) {
				t.Errorf("other.Err() after Close = %v; want a cancellation by ErrStopped", err)
			}
		})
	}
}

// fixedClock reads a time that never moves; its timers are package time's.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func (c fixedClock) AfterFunc(d time.Duration, fn func()) fiber.Timer { return time.AfterFunc(d, fn) }

// TestNowReadsTheSchedulersClock checks that Fiber.Now reads the clock Run
// and SchedulerConfig install, and the real clock by default.
func TestNowReadsTheSchedulersClock(t *testing.T) {
	at := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	var got time.Time
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		got = f.Now()
		return nil
	}, fiber.WithClock(fixedClock{at}))
	if err != nil || !got.Equal(at) {
		t.Errorf("Run(WithClock): Now() = %v, Run = %v; want %v, nil", got, err, at)
	}

	s := fiber.NewScheduler(fiber.SchedulerConfig{Clock: fixedClock{at}})
	s.Spawn("now", func(f *fiber.Fiber) error { got = f.Now(); return nil })
	coreClose(t, s)
	if !got.Equal(at) {
		t.Errorf("SchedulerConfig{Clock}: Now() = %v; want %v", got, at)
	}

	before := time.Now()
	_ = fiber.Run(context.Background(), func(f *fiber.Fiber) error { got = f.Now(); return nil })
	if got.Before(before) || got.After(time.Now()) {
		t.Errorf("default clock: Now() = %v; want between %v and now", got, before)
	}
}

// TestSpawnOptionsCombine checks that the zero SpawnOption changes nothing
// and that Supervised holds whatever options come with it, for each way of
// spawning.
func TestSpawnOptionsCombine(t *testing.T) {
	tests := []struct {
		name       string
		opts       []fiber.SpawnOption
		supervised bool
	}{
		{"none", nil, false},
		{"zero", []fiber.SpawnOption{{}}, false},
		{"supervised", []fiber.SpawnOption{fiber.Supervised()}, true},
		{"supervised then zero", []fiber.SpawnOption{fiber.Supervised(), {}}, true},
		{"zero then supervised", []fiber.SpawnOption{{}, fiber.Supervised()}, true},
	}
	spawners := []struct {
		name  string
		spawn func(f *fiber.Fiber, fn func(*fiber.Fiber) error, opts []fiber.SpawnOption) *fiber.Fiber
	}{
		{"Fiber.Spawn", func(f *fiber.Fiber, fn func(*fiber.Fiber) error, opts []fiber.SpawnOption) *fiber.Fiber {
			return f.Spawn("child", fn, opts...)
		}},
		{"Group.Go", func(f *fiber.Fiber, fn func(*fiber.Fiber) error, opts []fiber.SpawnOption) *fiber.Fiber {
			return new(fiber.Group).Go(f, "child", fn, opts...)
		}},
	}
	for _, sp := range spawners {
		for _, tc := range tests {
			t.Run(sp.name+"/"+tc.name, func(t *testing.T) {
				var joinErr error
				err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
					child := sp.spawn(f, func(*fiber.Fiber) error { coreExplode(); return nil }, tc.opts)
					joinErr = f.Join(child)
					return nil
				})
				var pe *fiber.PanicError
				if tc.supervised {
					if err != nil || !errors.As(joinErr, &pe) {
						t.Errorf("Run = %v, Join = %v; want nil and a *PanicError", err, joinErr)
					}
				} else if !errors.As(err, &pe) {
					t.Errorf("Run = %v; want the child's *PanicError", err)
				}
			})
		}
	}
}
