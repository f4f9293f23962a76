package fiber_test

// Tests of the fiber sync primitives: Mutex, Cond, Event, Semaphore, Chan
// and Group. Package-level helpers carry a sync prefix so that they do not
// collide with the helpers of the package's other test files.
//
// Fibers run on iter.Pull coroutines, not on the test goroutine: code inside
// a fiber reports with t.Errorf (never t.Fatal, which would Goexit the
// coroutine) and returns an error to stop.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/fiber"
)

// syncRun runs fn as the main fiber of fiber.Run and fails t if Run
// returns an error. The context is never cancelled, so a test that would
// hang fails with fiber.ErrDeadlock instead.
func syncRun(t *testing.T, fn func(f *fiber.Fiber) error) {
	t.Helper()
	if err := fiber.Run(context.Background(), fn); err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
}

// syncEq reports, as "what = got; want want", a difference.
func syncEq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

// syncEqSlice is syncEq for slices.
func syncEqSlice[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

// syncCancelled reports whether err is what a suspension point returns after
// a cancellation with cause: it matches both context.Canceled and cause.
func syncCancelled(err, cause error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(err, cause)
}

// syncPanic calls fn and returns the value it panicked with, or nil.
func syncPanic(fn func()) (v any) {
	defer func() { v = recover() }()
	fn()
	return nil
}

// syncMisuse checks that fn panics with a "fiber: " message.
func syncMisuse(t *testing.T, what string, fn func()) {
	t.Helper()
	v := syncPanic(fn)
	if s, ok := v.(string); !ok || !strings.HasPrefix(s, "fiber: ") {
		t.Errorf("%s panicked with %#v; want a string starting with \"fiber: \"", what, v)
	}
}

// syncName returns f's name, or "<nil>".
func syncName(f *fiber.Fiber) string {
	if f == nil {
		return "<nil>"
	}
	return f.Name()
}

var errSyncCause = errors.New("test cause")

// ---------------------------------------------------------------- Mutex

func TestMutexExclusion(t *testing.T) {
	tests := []struct {
		name  string
		pause func(f *fiber.Fiber, i int) error // a suspension point inside the critical section
	}{
		{"Yield", func(f *fiber.Fiber, _ int) error { return f.Yield() }},
		{"Sleep", func(f *fiber.Fiber, i int) error { return f.Sleep(time.Duration(1+i%3) * time.Millisecond) }},
		{"Join", func(f *fiber.Fiber, _ int) error {
			return f.Join(f.Spawn("helper", func(f *fiber.Fiber) error { return f.Yield() }))
		}},
		{"ChanRoundTrip", func(f *fiber.Fiber, _ int) error {
			ch := fiber.NewChan[int](0)
			f.Spawn("echo", func(f *fiber.Fiber) error { return ch.Send(f, 1) })
			_, err := ch.Recv(f)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const workers, rounds = 5, 4
				var m fiber.Mutex
				inside, maxInside, entries := 0, 0, 0
				err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
					for w := range workers {
						f.Spawn(fmt.Sprint("worker", w), func(f *fiber.Fiber) error {
							for r := range rounds {
								if err := m.Lock(f); err != nil {
									return err
								}
								inside++
								entries++
								maxInside = max(maxInside, inside)
								for i := range 3 {
									if err := tt.pause(f, w+r+i); err != nil {
										return err
									}
									if h := m.Holder(); h != f {
										t.Errorf("Holder() in %s's critical section = %s; want %s", f.Name(), syncName(h), f.Name())
									}
								}
								inside--
								m.Unlock()
								if err := f.Yield(); err != nil {
									return err
								}
							}
							return nil
						})
					}
					return nil
				})
				if err != nil {
					t.Fatalf("Run = %v; want nil", err)
				}
				syncEq(t, "fibers inside the critical section at once", maxInside, 1)
				syncEq(t, "critical section entries", entries, workers*rounds)
				if h := m.Holder(); h != nil {
					t.Errorf("Holder() after Run = %s; want <nil>", h.Name())
				}
			})
		})
	}
}

func TestMutexFIFO(t *testing.T) {
	var order []string
	syncRun(t, func(f *fiber.Fiber) error {
		var m fiber.Mutex
		if err := m.Lock(f); err != nil {
			return err
		}
		body := func(f *fiber.Fiber) error {
			if err := m.Lock(f); err != nil {
				return err
			}
			defer m.Unlock()
			order = append(order, f.Name())
			return f.Yield() // let the others run while holding the lock
		}
		for _, name := range []string{"a", "b", "c", "d"} {
			f.Spawn(name, body)
		}
		m.Unlock()
		// The lock is handed over, not released: nobody can barge in.
		if h := m.Holder(); syncName(h) != "a" {
			t.Errorf("Holder() after Unlock = %s; want a", syncName(h))
		}
		if m.TryLock(f) {
			t.Errorf("TryLock(main) after a hand-over = true; want false")
		}
		f.Spawn("late", body) // queues behind d, although a has not run yet
		return nil
	})
	syncEqSlice(t, "lock order", order, []string{"a", "b", "c", "d", "late"})
}

func TestMutexTryLockHolder(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var m fiber.Mutex
		other := f.Spawn("other", func(f *fiber.Fiber) error { return f.Yield() })
		steps := []struct {
			op         string
			do         func() bool
			want       bool
			wantHolder string
		}{
			{"TryLock(main) free", func() bool { return m.TryLock(f) }, true, "main"},
			{"TryLock(main) held by main", func() bool { return m.TryLock(f) }, false, "main"},
			{"TryLock(other) held by main", func() bool { return m.TryLock(other) }, false, "main"},
			{"Unlock()", func() bool { m.Unlock(); return true }, true, "<nil>"},
			{"TryLock(other) free", func() bool { return m.TryLock(other) }, true, "other"},
			{"Unlock() by main of other's lock", func() bool { m.Unlock(); return true }, true, "<nil>"},
		}
		for _, s := range steps {
			syncEq(t, s.op, s.do(), s.want)
			syncEq(t, "Holder() after "+s.op, syncName(m.Holder()), s.wantHolder)
		}
		return nil
	})
}

func TestMutexMisuse(t *testing.T) {
	var zero fiber.Mutex
	syncMisuse(t, "Unlock of a zero Mutex", zero.Unlock)
	syncRun(t, func(f *fiber.Fiber) error {
		var m fiber.Mutex
		if err := m.Lock(f); err != nil {
			return err
		}
		syncMisuse(t, "Lock by the holder", func() { _ = m.Lock(f) })
		syncEq(t, "Holder() after a double Lock", syncName(m.Holder()), "main")
		m.Unlock()
		syncMisuse(t, "second Unlock", m.Unlock)
		return nil
	})
}

func TestMutexLockCancel(t *testing.T) {
	var order []string
	syncRun(t, func(f *fiber.Fiber) error {
		var m fiber.Mutex
		if err := m.Lock(f); err != nil {
			return err
		}
		waiters := map[string]*fiber.Fiber{}
		for _, name := range []string{"a", "b", "c"} {
			waiters[name] = f.Spawn(name, func(f *fiber.Fiber) error {
				if err := m.Lock(f); err != nil {
					return err
				}
				order = append(order, f.Name())
				m.Unlock()
				return nil
			})
		}
		waiters["b"].Cancel(errSyncCause)
		if err := f.Join(waiters["b"]); !syncCancelled(err, errSyncCause) {
			t.Errorf("Lock of cancelled waiter b = %v; want an error matching context.Canceled and the cause", err)
		}
		syncEq(t, "Holder() after a waiter's cancellation", syncName(m.Holder()), "main")
		m.Unlock()
		for _, name := range []string{"a", "c"} {
			if err := f.Join(waiters[name]); err != nil {
				t.Errorf("Join(%s) = %v; want nil", name, err)
			}
		}
		syncEq(t, "Holder() at the end", syncName(m.Holder()), "<nil>")
		return nil
	})
	syncEqSlice(t, "lock order", order, []string{"a", "c"})
}

func TestMutexLockCancelled(t *testing.T) {
	// A fiber that is already cancelled fails to wait for a held mutex (and
	// leaves no trace in its queue) but takes a free one.
	syncRun(t, func(f *fiber.Fiber) error {
		var held, free fiber.Mutex
		if err := held.Lock(f); err != nil {
			return err
		}
		c := f.Spawn("cancelled", func(f *fiber.Fiber) error {
			f.Cancel(errSyncCause)
			if err := held.Lock(f); !syncCancelled(err, errSyncCause) {
				t.Errorf("Lock(held) by a cancelled fiber = %v; want the cancellation error", err)
			}
			if err := free.Lock(f); err != nil {
				t.Errorf("Lock(free) by a cancelled fiber = %v; want nil", err)
			}
			free.Unlock()
			return nil
		})
		syncEq(t, "State() of the cancelled fiber after Spawn", c.State(), fiber.StateDone)
		held.Unlock()
		syncEq(t, "Holder() after Unlock with only a cancelled waiter", syncName(held.Holder()), "<nil>")
		return nil
	})
}

func TestMutexHandOverThenCancel(t *testing.T) {
	// A fiber that is handed the lock and then cancelled before it runs
	// holds the lock: the lock is not lost.
	syncRun(t, func(f *fiber.Fiber) error {
		var m fiber.Mutex
		if err := m.Lock(f); err != nil {
			return err
		}
		var lockErr error
		var holder string
		w := f.Spawn("waiter", func(f *fiber.Fiber) error {
			lockErr = m.Lock(f)
			holder = syncName(m.Holder())
			if lockErr == nil {
				m.Unlock()
			}
			return nil
		})
		m.Unlock() // hands the lock to waiter, which is now ready
		syncEq(t, "waiter.State() after Unlock", w.State(), fiber.StateReady)
		w.Cancel(errSyncCause)
		if err := f.Join(w); err != nil {
			return err
		}
		syncEq(t, "Lock by a fiber cancelled after the hand-over", lockErr, nil)
		syncEq(t, "Holder() seen by that fiber", holder, "waiter")
		syncEq(t, "Holder() at the end", syncName(m.Holder()), "<nil>")
		return nil
	})
}

// ---------------------------------------------------------------- Cond

func TestCondSignal(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var c fiber.Cond
		var woke []string
		for _, name := range []string{"a", "b", "c"} {
			f.Spawn(name, func(f *fiber.Fiber) error {
				if err := c.Wait(f); err != nil {
					return err
				}
				woke = append(woke, f.Name())
				return nil
			})
		}
		syncEq(t, "Waiting()", c.Waiting(), 3)
		for i, want := range [][]string{{"a"}, {"a", "b"}, {"a", "b", "c"}} {
			syncEq(t, fmt.Sprintf("Signal() #%d", i+1), c.Signal(), true)
			syncEq(t, fmt.Sprintf("Waiting() after Signal #%d", i+1), c.Waiting(), 2-i)
			if err := f.Yield(); err != nil {
				return err
			}
			syncEqSlice(t, fmt.Sprintf("woken after Signal #%d", i+1), woke, want)
		}
		syncEq(t, "Signal() with no waiter", c.Signal(), false)
		return nil
	})
}

func TestCondBroadcast(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var c fiber.Cond
		c.Broadcast() // no waiters: nothing happens, nothing is remembered
		var woke []string
		wait := func(f *fiber.Fiber) error {
			if err := c.Wait(f); err != nil {
				return err
			}
			woke = append(woke, f.Name())
			return nil
		}
		for _, name := range []string{"a", "b", "c"} {
			f.Spawn(name, wait)
		}
		syncEq(t, "Waiting() before Broadcast", c.Waiting(), 3)
		c.Broadcast()
		syncEq(t, "Waiting() after Broadcast", c.Waiting(), 0)
		late := f.Spawn("late", wait) // waits for the next wake-up
		syncEq(t, "late.State()", late.State(), fiber.StateSuspended)
		if err := f.Yield(); err != nil {
			return err
		}
		syncEqSlice(t, "woken by Broadcast", woke, []string{"a", "b", "c"})
		syncEq(t, "Waiting() after the woken ran", c.Waiting(), 1)
		c.Broadcast()
		return f.Join(late)
	})
}

func TestCondWaitCancel(t *testing.T) {
	var woke []string
	syncRun(t, func(f *fiber.Fiber) error {
		var c fiber.Cond
		fibers := map[string]*fiber.Fiber{}
		for _, name := range []string{"a", "b", "c"} {
			fibers[name] = f.Spawn(name, func(f *fiber.Fiber) error {
				if err := c.Wait(f); err != nil {
					return err
				}
				woke = append(woke, f.Name())
				return nil
			})
		}
		fibers["b"].Cancel(errSyncCause)
		syncEq(t, "Waiting() after cancelling a waiter", c.Waiting(), 2)
		if err := f.Join(fibers["b"]); !syncCancelled(err, errSyncCause) {
			t.Errorf("Wait of cancelled b = %v; want the cancellation error", err)
		}
		syncEq(t, "Signal() #1", c.Signal(), true)
		syncEq(t, "Signal() #2", c.Signal(), true)
		syncEq(t, "Signal() #3", c.Signal(), false)
		return nil
	})
	syncEqSlice(t, "woken", woke, []string{"a", "c"})
}

// ---------------------------------------------------------------- Event

func TestEventSet(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var e fiber.Event
		syncEq(t, "IsSet() of a zero Event", e.IsSet(), false)
		var woke []string
		var fibers []*fiber.Fiber
		for _, name := range []string{"a", "b", "c"} {
			fibers = append(fibers, f.Spawn(name, func(f *fiber.Fiber) error {
				if err := e.Wait(f); err != nil {
					return err
				}
				woke = append(woke, f.Name())
				return nil
			}))
		}
		for _, w := range fibers {
			syncEq(t, w.Name()+".State() before Set", w.State(), fiber.StateSuspended)
		}
		e.Set()
		syncEq(t, "IsSet() after Set", e.IsSet(), true)
		for _, w := range fibers {
			syncEq(t, w.Name()+".State() after Set", w.State(), fiber.StateReady)
		}
		e.Set() // setting a set event does nothing
		if err := f.Yield(); err != nil {
			return err
		}
		syncEqSlice(t, "woken by Set", woke, []string{"a", "b", "c"})
		// Wait on a set event returns at once: the child is done before Spawn returns.
		late := f.Spawn("late", e.Wait)
		syncEq(t, "State() of a fiber waiting on a set event, after Spawn", late.State(), fiber.StateDone)
		syncEq(t, "Err() of that fiber", late.Err(), nil)
		return nil
	})
}

func TestEventReset(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var e fiber.Event
		e.Set()
		e.Reset()
		syncEq(t, "IsSet() after Reset", e.IsSet(), false)
		w := f.Spawn("w", e.Wait)
		syncEq(t, "State() of a waiter after Reset", w.State(), fiber.StateSuspended)
		// A fiber woken by Set stays woken even if the event is reset
		// before it runs.
		e.Set()
		e.Reset()
		if err := f.Join(w); err != nil {
			t.Errorf("Wait woken by Set then Reset = %v; want nil", err)
		}
		return nil
	})
}

func TestEventWaitCancel(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var e fiber.Event
		a := f.Spawn("a", e.Wait)
		b := f.Spawn("b", e.Wait)
		a.Cancel(errSyncCause)
		if err := f.Join(a); !syncCancelled(err, errSyncCause) {
			t.Errorf("Wait of cancelled a = %v; want the cancellation error", err)
		}
		syncEq(t, "b.State() after a's cancellation", b.State(), fiber.StateSuspended)
		e.Set()
		if err := f.Join(b); err != nil {
			t.Errorf("Wait of b = %v; want nil", err)
		}
		return nil
	})
}

// ---------------------------------------------------------------- Semaphore

func TestSemaphoreTryAcquireRelease(t *testing.T) {
	type op struct {
		acquire  bool // TryAcquire, else Release
		n        int64
		want     bool // TryAcquire's result
		wantHeld int64
	}
	tests := []struct {
		name string
		size int64
		ops  []op
	}{
		{"size 0", 0, []op{
			{true, 0, true, 0},
			{true, 1, false, 0},
		}},
		{"weights", 5, []op{
			{true, 2, true, 2},
			{true, 3, true, 5},
			{true, 1, false, 5},
			{true, 0, true, 5},
			{false, 3, false, 2},
			{true, 4, false, 2},
			{true, 3, true, 5},
			{false, 5, false, 0},
		}},
		{"more than size", 3, []op{
			{true, 4, false, 0},
			{true, -1, false, 0},
			{true, 3, true, 3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fiber.NewSemaphore(tt.size)
			for _, o := range tt.ops {
				if o.acquire {
					syncEq(t, fmt.Sprintf("TryAcquire(%d) with %d held", o.n, s.Held()), s.TryAcquire(o.n), o.want)
					syncEq(t, fmt.Sprintf("Held() after TryAcquire(%d)", o.n), s.Held(), o.wantHeld)
				} else {
					s.Release(o.n)
					syncEq(t, fmt.Sprintf("Held() after Release(%d)", o.n), s.Held(), o.wantHeld)
				}
			}
		})
	}
}

func TestSemaphoreFIFO(t *testing.T) {
	var acquired []string
	syncRun(t, func(f *fiber.Fiber) error {
		s := fiber.NewSemaphore(10)
		if err := s.Acquire(f, 8); err != nil {
			return err
		}
		fibers := map[string]*fiber.Fiber{}
		for _, w := range []struct {
			name string
			n    int64
		}{{"big", 5}, {"small", 1}, {"zero", 0}, {"huge", 10}} {
			fibers[w.name] = f.Spawn(w.name, func(f *fiber.Fiber) error {
				if err := s.Acquire(f, w.n); err != nil {
					return err
				}
				acquired = append(acquired, f.Name())
				return nil
			})
			syncEq(t, w.name+".State() after Spawn", fibers[w.name].State(), fiber.StateSuspended)
		}
		// 2 units are free, but big heads the queue: nobody behind it may
		// take them, not even with TryAcquire.
		syncEq(t, "TryAcquire(1) behind a waiting big request", s.TryAcquire(1), false)
		syncEq(t, "Held() before Release", s.Held(), int64(8))
		s.Release(8) // big, small and zero fit (6 of 10); huge must wait
		syncEq(t, "Held() after Release(8)", s.Held(), int64(6))
		for name, want := range map[string]fiber.State{"big": fiber.StateReady, "small": fiber.StateReady, "zero": fiber.StateReady, "huge": fiber.StateSuspended} {
			syncEq(t, name+".State() after Release(8)", fibers[name].State(), want)
		}
		if err := f.Yield(); err != nil {
			return err
		}
		syncEqSlice(t, "acquired after Release(8)", acquired, []string{"big", "small", "zero"})
		s.Release(6)
		if err := f.Join(fibers["huge"]); err != nil {
			return err
		}
		syncEq(t, "Held() at the end", s.Held(), int64(10))
		s.Release(10)
		return nil
	})
	syncEqSlice(t, "acquisition order", acquired, []string{"big", "small", "zero", "huge"})
}

func TestSemaphoreCancelHead(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		s := fiber.NewSemaphore(4)
		if err := s.Acquire(f, 3); err != nil {
			return err
		}
		big := f.Spawn("big", func(f *fiber.Fiber) error { return s.Acquire(f, 4) })
		mid := f.Spawn("mid", func(f *fiber.Fiber) error { return s.Acquire(f, 2) })
		small := f.Spawn("small", func(f *fiber.Fiber) error { return s.Acquire(f, 1) })
		// Cancelling a waiter that is not at the head changes nothing.
		small.Cancel(errSyncCause)
		if err := f.Join(small); !syncCancelled(err, errSyncCause) {
			t.Errorf("Acquire of cancelled small = %v; want the cancellation error", err)
		}
		syncEq(t, "Held() after cancelling small", s.Held(), int64(3))
		syncEq(t, "mid.State() after cancelling small", mid.State(), fiber.StateSuspended)
		// Cancelling the head lets the next one take what is free.
		big.Cancel(errSyncCause)
		syncEq(t, "Held() after cancelling the head", s.Held(), int64(3))
		s.Release(1)
		syncEq(t, "Held() after Release(1)", s.Held(), int64(4))
		syncEq(t, "mid.State() after Release(1)", mid.State(), fiber.StateReady)
		if err := f.Join(big); !syncCancelled(err, errSyncCause) {
			t.Errorf("Acquire of cancelled big = %v; want the cancellation error", err)
		}
		if err := f.Join(mid); err != nil {
			t.Errorf("Acquire of mid = %v; want nil", err)
		}
		s.Release(4)
		return nil
	})
}

func TestSemaphoreCancelHeadWakes(t *testing.T) {
	// Free weight that the head could not use goes to the fibers behind it
	// as soon as the head is cancelled.
	syncRun(t, func(f *fiber.Fiber) error {
		s := fiber.NewSemaphore(4)
		if err := s.Acquire(f, 3); err != nil {
			return err
		}
		big := f.Spawn("big", func(f *fiber.Fiber) error { return s.Acquire(f, 4) })
		small := f.Spawn("small", func(f *fiber.Fiber) error { return s.Acquire(f, 1) })
		syncEq(t, "small.State() behind big", small.State(), fiber.StateSuspended)
		big.Cancel(errSyncCause)
		syncEq(t, "Held() after cancelling big", s.Held(), int64(4))
		syncEq(t, "small.State() after cancelling big", small.State(), fiber.StateReady)
		if err := f.Join(small); err != nil {
			t.Errorf("Acquire of small = %v; want nil", err)
		}
		if err := f.Join(big); !syncCancelled(err, errSyncCause) {
			t.Errorf("Acquire of cancelled big = %v; want the cancellation error", err)
		}
		s.Release(4)
		return nil
	})
}

func TestSemaphoreHandOverThenCancel(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		s := fiber.NewSemaphore(2)
		if err := s.Acquire(f, 2); err != nil {
			return err
		}
		w := f.Spawn("waiter", func(f *fiber.Fiber) error { return s.Acquire(f, 2) })
		s.Release(2)
		syncEq(t, "Held() after the hand-over", s.Held(), int64(2))
		w.Cancel(errSyncCause)
		if err := f.Join(w); err != nil {
			t.Errorf("Acquire by a fiber cancelled after the hand-over = %v; want nil", err)
		}
		syncEq(t, "Held() after the waiter finished", s.Held(), int64(2))
		s.Release(2)
		return nil
	})
}

func TestSemaphoreMisuse(t *testing.T) {
	syncMisuse(t, "NewSemaphore(-1)", func() { fiber.NewSemaphore(-1) })
	s := fiber.NewSemaphore(3)
	syncMisuse(t, "Release(1) with 0 held", func() { s.Release(1) })
	s.TryAcquire(2)
	syncMisuse(t, "Release(3) with 2 held", func() { s.Release(3) })
	syncMisuse(t, "Release(-1)", func() { s.Release(-1) })
	syncEq(t, "Held() after failed Releases", s.Held(), int64(2))
	syncRun(t, func(f *fiber.Fiber) error {
		syncMisuse(t, "Acquire(4) with size 3", func() { _ = s.Acquire(f, 4) })
		syncMisuse(t, "Acquire(-1)", func() { _ = s.Acquire(f, -1) })
		return nil
	})
	syncEq(t, "Held() after failed Acquires", s.Held(), int64(2))
}

// ---------------------------------------------------------------- Chan

func TestChanBufferedFIFO(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		ch := fiber.NewChan[int](3)
		syncEq(t, "Cap()", ch.Cap(), 3)
		p := f.Spawn("producer", func(f *fiber.Fiber) error {
			for i := 1; i <= 3; i++ {
				if err := ch.Send(f, i); err != nil {
					return err
				}
			}
			return nil
		})
		syncEq(t, "State() of a producer that filled the buffer", p.State(), fiber.StateDone)
		syncEq(t, "Len()", ch.Len(), 3)
		for want := 1; want <= 3; want++ {
			v, err := ch.Recv(f)
			if v != want || err != nil {
				t.Errorf("Recv() = %d, %v; want %d, nil", v, err, want)
			}
		}
		syncEq(t, "Len() after draining", ch.Len(), 0)
		return nil
	})
}

func TestChanRendezvous(t *testing.T) {
	var events []string
	syncRun(t, func(f *fiber.Fiber) error {
		ch := fiber.NewChan[string](0)
		syncEq(t, "Cap()", ch.Cap(), 0)
		s := f.Spawn("sender", func(f *fiber.Fiber) error {
			events = append(events, "send")
			if err := ch.Send(f, "x"); err != nil {
				return err
			}
			events = append(events, "sent")
			return nil
		})
		syncEq(t, "sender.State() with no receiver", s.State(), fiber.StateSuspended)
		syncEq(t, "Len() of an unbuffered chan with a waiting sender", ch.Len(), 0)
		v, err := ch.Recv(f)
		events = append(events, "recv "+v)
		if v != "x" || err != nil {
			t.Errorf("Recv() = %q, %v; want \"x\", nil", v, err)
		}
		syncEq(t, "sender.State() after the receive", s.State(), fiber.StateReady)
		if err := f.Join(s); err != nil {
			return err
		}
		r := f.Spawn("receiver", func(f *fiber.Fiber) error {
			v, err := ch.Recv(f)
			events = append(events, "recv "+v)
			return err
		})
		syncEq(t, "receiver.State() with no sender", r.State(), fiber.StateSuspended)
		if err := ch.Send(f, "y"); err != nil {
			return err
		}
		events = append(events, "sent y")
		return f.Join(r)
	})
	syncEqSlice(t, "events", events, []string{"send", "recv x", "sent", "sent y", "recv y"})
}

func TestChanSendSuspendsWhenFull(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		ch := fiber.NewChan[int](2)
		sent := 0
		p := f.Spawn("producer", func(f *fiber.Fiber) error {
			for i := range 4 {
				if err := ch.Send(f, i); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
		syncEq(t, "values sent before the buffer filled", sent, 2)
		syncEq(t, "producer.State() with a full buffer", p.State(), fiber.StateSuspended)
		syncEq(t, "Info().WaitingOn", p.Info().WaitingOn, "chan send")
		v, ok := ch.TryRecv() // takes 0, moves the waiting 2 into the buffer
		if v != 0 || !ok {
			t.Errorf("TryRecv() = %d, %v; want 0, true", v, ok)
		}
		syncEq(t, "Len() after a receive with a waiting sender", ch.Len(), 2)
		syncEq(t, "producer.State() after a receive", p.State(), fiber.StateReady)
		if err := f.Yield(); err != nil {
			return err
		}
		syncEq(t, "values sent after one receive", sent, 3)
		var got []int
		for range 3 {
			v, err := ch.Recv(f)
			if err != nil {
				return err
			}
			got = append(got, v)
		}
		syncEqSlice(t, "received", got, []int{1, 2, 3})
		return f.Join(p)
	})
}

func TestChanRecvSuspendsWhenEmpty(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		ch := fiber.NewChan[int](1)
		var got []int
		r := f.Spawn("receiver", func(f *fiber.Fiber) error {
			for range 2 {
				v, err := ch.Recv(f)
				if err != nil {
					return err
				}
				got = append(got, v)
			}
			return nil
		})
		syncEq(t, "receiver.State() on an empty chan", r.State(), fiber.StateSuspended)
		syncEq(t, "Info().WaitingOn", r.Info().WaitingOn, "chan recv")
		if err := ch.Send(f, 7); err != nil {
			return err
		}
		// The value went straight to the receiver, not into the buffer.
		syncEq(t, "Len() after a send to a waiting receiver", ch.Len(), 0)
		syncEq(t, "receiver.State() after the send", r.State(), fiber.StateReady)
		if err := ch.Send(f, 8); err != nil {
			return err
		}
		syncEq(t, "Len() after a second send", ch.Len(), 1)
		if err := f.Join(r); err != nil {
			return err
		}
		syncEqSlice(t, "received", got, []int{7, 8})
		return nil
	})
}

func TestChanTry(t *testing.T) {
	type op struct {
		send   bool // TrySend(v), else TryRecv
		v      int
		wantOK bool
		wantV  int // TryRecv's value
	}
	tests := []struct {
		name     string
		capacity int
		close    int // close before op #close (-1: never)
		ops      []op
	}{
		{"unbuffered", 0, -1, []op{
			{send: true, v: 1, wantOK: false},
			{send: false, wantOK: false},
		}},
		{"buffered", 2, -1, []op{
			{send: false, wantOK: false},
			{send: true, v: 1, wantOK: true},
			{send: true, v: 2, wantOK: true},
			{send: true, v: 3, wantOK: false},
			{send: false, wantOK: true, wantV: 1},
			{send: true, v: 4, wantOK: true},
			{send: false, wantOK: true, wantV: 2},
			{send: false, wantOK: true, wantV: 4},
			{send: false, wantOK: false},
		}},
		{"closed", 2, 2, []op{
			{send: true, v: 1, wantOK: true},
			{send: true, v: 2, wantOK: true},
			{send: true, v: 3, wantOK: false},
			{send: false, wantOK: true, wantV: 1},
			{send: true, v: 4, wantOK: false},
			{send: false, wantOK: true, wantV: 2},
			{send: false, wantOK: false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := fiber.NewChan[int](tt.capacity)
			for i, o := range tt.ops {
				if i == tt.close {
					ch.Close()
				}
				if o.send {
					syncEq(t, fmt.Sprintf("op %d: TrySend(%d)", i, o.v), ch.TrySend(o.v), o.wantOK)
					continue
				}
				v, ok := ch.TryRecv()
				if v != o.wantV || ok != o.wantOK {
					t.Errorf("op %d: TryRecv() = %d, %v; want %d, %v", i, v, ok, o.wantV, o.wantOK)
				}
			}
		})
	}
}

func TestChanClose(t *testing.T) {
	t.Run("waiting receivers", func(t *testing.T) {
		syncRun(t, func(f *fiber.Fiber) error {
			ch := fiber.NewChan[int](1)
			var rs []*fiber.Fiber
			for i := range 3 {
				rs = append(rs, f.Spawn(fmt.Sprint("r", i), func(f *fiber.Fiber) error {
					v, err := ch.Recv(f)
					if v != 0 {
						t.Errorf("Recv() value on close = %d; want 0", v)
					}
					return err
				}))
			}
			ch.Close()
			syncEq(t, "Closed()", ch.Closed(), true)
			for _, r := range rs {
				syncEq(t, "Recv() of a waiting receiver on close", f.Join(r), fiber.ErrClosed)
			}
			return nil
		})
	})
	t.Run("waiting senders", func(t *testing.T) {
		syncRun(t, func(f *fiber.Fiber) error {
			ch := fiber.NewChan[int](1)
			if err := ch.Send(f, 1); err != nil {
				return err
			}
			var ss []*fiber.Fiber
			for i := range 3 {
				ss = append(ss, f.Spawn(fmt.Sprint("s", i), func(f *fiber.Fiber) error { return ch.Send(f, 10+i) }))
			}
			ch.Close()
			for _, s := range ss {
				syncEq(t, "Send() of a waiting sender on close", f.Join(s), fiber.ErrClosed)
			}
			// Their values were not delivered; the buffered one still is.
			v, err := ch.Recv(f)
			if v != 1 || err != nil {
				t.Errorf("Recv() #1 after close = %d, %v; want 1, nil", v, err)
			}
			v, err = ch.Recv(f)
			if v != 0 || err != fiber.ErrClosed {
				t.Errorf("Recv() #2 after close = %d, %v; want 0, ErrClosed", v, err)
			}
			return nil
		})
	})
	t.Run("drain then fail", func(t *testing.T) {
		syncRun(t, func(f *fiber.Fiber) error {
			ch := fiber.NewChan[string](3)
			for _, v := range []string{"a", "b"} {
				if err := ch.Send(f, v); err != nil {
					return err
				}
			}
			ch.Close()
			ch.Close() // idempotent
			syncEq(t, "Send() on a closed chan", ch.Send(f, "c"), fiber.ErrClosed)
			syncEq(t, "TrySend() on a closed chan", ch.TrySend("c"), false)
			syncEq(t, "Len() after close", ch.Len(), 2)
			for _, want := range []string{"a", "b"} {
				v, err := ch.Recv(f)
				if v != want || err != nil {
					t.Errorf("Recv() after close = %q, %v; want %q, nil", v, err, want)
				}
			}
			for range 2 {
				v, err := ch.Recv(f)
				if v != "" || err != fiber.ErrClosed {
					t.Errorf("Recv() on a drained closed chan = %q, %v; want \"\", ErrClosed", v, err)
				}
			}
			return nil
		})
	})
	t.Run("unbuffered with waiting receiver", func(t *testing.T) {
		// A closed channel has no waiting receivers: Close woke them all.
		syncRun(t, func(f *fiber.Fiber) error {
			ch := fiber.NewChan[int](0)
			r := f.Spawn("r", func(f *fiber.Fiber) error { _, err := ch.Recv(f); return err })
			ch.Close()
			syncEq(t, "TrySend() after close", ch.TrySend(1), false)
			syncEq(t, "Send() after close", ch.Send(f, 1), fiber.ErrClosed)
			syncEq(t, "Recv() of the waiting receiver", f.Join(r), fiber.ErrClosed)
			return nil
		})
	})
}

func TestChanZeroValue(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var ch fiber.Chan[int]
		syncEq(t, "Cap() of a zero Chan", ch.Cap(), 0)
		syncEq(t, "TrySend() with no receiver", ch.TrySend(1), false)
		if v, ok := ch.TryRecv(); v != 0 || ok {
			t.Errorf("TryRecv() on an empty zero Chan = %d, %v; want 0, false", v, ok)
		}
		r := f.Spawn("r", func(f *fiber.Fiber) error {
			v, err := ch.Recv(f)
			if v != 42 || err != nil {
				t.Errorf("Recv() = %d, %v; want 42, nil", v, err)
			}
			return nil
		})
		syncEq(t, "receiver.State()", r.State(), fiber.StateSuspended)
		if err := ch.Send(f, 42); err != nil {
			return err
		}
		s := f.Spawn("s", func(f *fiber.Fiber) error { return ch.Send(f, 43) })
		syncEq(t, "sender.State()", s.State(), fiber.StateSuspended)
		v, err := ch.Recv(f)
		if v != 43 || err != nil {
			t.Errorf("Recv() = %d, %v; want 43, nil", v, err)
		}
		ch.Close()
		if _, err := ch.Recv(f); err != fiber.ErrClosed {
			t.Errorf("Recv() after Close = %v; want ErrClosed", err)
		}
		return nil
	})
}

func TestChanSendCancel(t *testing.T) {
	for _, capacity := range []int{0, 1} {
		t.Run(fmt.Sprint("capacity=", capacity), func(t *testing.T) {
			syncRun(t, func(f *fiber.Fiber) error {
				ch := fiber.NewChan[int](capacity)
				for i := range capacity {
					if err := ch.Send(f, i); err != nil {
						return err
					}
				}
				s := f.Spawn("sender", func(f *fiber.Fiber) error { return ch.Send(f, 99) })
				after := f.Spawn("after", func(f *fiber.Fiber) error { return ch.Send(f, 100) })
				s.Cancel(errSyncCause)
				if err := f.Join(s); !syncCancelled(err, errSyncCause) {
					t.Errorf("Send() of a cancelled sender = %v; want the cancellation error", err)
				}
				syncEq(t, "Len() after the cancelled send", ch.Len(), capacity)
				var got []int
				for range capacity + 1 {
					v, err := ch.Recv(f)
					if err != nil {
						return err
					}
					got = append(got, v)
				}
				want := append(make([]int, 0, capacity+1), 100)
				if capacity == 1 {
					want = []int{0, 100}
				}
				syncEqSlice(t, "received", got, want)
				if v, ok := ch.TryRecv(); ok {
					t.Errorf("TryRecv() after draining = %d, true; want the cancelled value not delivered", v)
				}
				return f.Join(after)
			})
		})
	}
}

func TestChanRecvCancel(t *testing.T) {
	for _, capacity := range []int{0, 1} {
		t.Run(fmt.Sprint("capacity=", capacity), func(t *testing.T) {
			syncRun(t, func(f *fiber.Fiber) error {
				ch := fiber.NewChan[int](capacity)
				r := f.Spawn("receiver", func(f *fiber.Fiber) error {
					v, err := ch.Recv(f)
					if v != 0 {
						t.Errorf("Recv() value of a cancelled receiver = %d; want 0", v)
					}
					return err
				})
				r.Cancel(errSyncCause)
				if err := f.Join(r); !syncCancelled(err, errSyncCause) {
					t.Errorf("Recv() of a cancelled receiver = %v; want the cancellation error", err)
				}
				// The cancelled receiver is gone: nothing takes the value.
				syncEq(t, "TrySend() after the receiver's cancellation", ch.TrySend(5), capacity > 0)
				if capacity > 0 {
					v, ok := ch.TryRecv()
					if v != 5 || !ok {
						t.Errorf("TryRecv() = %d, %v; want 5, true", v, ok)
					}
				}
				return nil
			})
		})
	}
}

func TestChanHandOverThenCancel(t *testing.T) {
	t.Run("receiver", func(t *testing.T) {
		// A value handed to a waiting receiver that is cancelled before it
		// runs is still returned by its Recv: nothing is lost.
		syncRun(t, func(f *fiber.Fiber) error {
			ch := fiber.NewChan[int](0)
			var got int
			var gotErr error
			r := f.Spawn("receiver", func(f *fiber.Fiber) error {
				got, gotErr = ch.Recv(f)
				return nil
			})
			syncEq(t, "TrySend(7) to a waiting receiver", ch.TrySend(7), true)
			r.Cancel(errSyncCause)
			if err := f.Join(r); err != nil {
				return err
			}
			if got != 7 || gotErr != nil {
				t.Errorf("Recv() of a receiver cancelled after the hand-over = %d, %v; want 7, nil", got, gotErr)
			}
			return nil
		})
	})
	t.Run("sender", func(t *testing.T) {
		// A waiting sender whose value was taken, then cancelled before it
		// runs, reports the value delivered.
		syncRun(t, func(f *fiber.Fiber) error {
			ch := fiber.NewChan[int](0)
			var sendErr error
			s := f.Spawn("sender", func(f *fiber.Fiber) error {
				sendErr = ch.Send(f, 8)
				return nil
			})
			if v, ok := ch.TryRecv(); v != 8 || !ok {
				t.Errorf("TryRecv() from a waiting sender = %d, %v; want 8, true", v, ok)
			}
			s.Cancel(errSyncCause)
			if err := f.Join(s); err != nil {
				return err
			}
			syncEq(t, "Send() of a sender cancelled after the hand-over", sendErr, nil)
			return nil
		})
	})
}

func TestChanConservation(t *testing.T) {
	// Producers and consumers, some of them using the Try methods, some of
	// them cancelled at random points, over channels of random capacity:
	// every value whose Send succeeded is received exactly once, and no
	// other value is.
	errKilled := errors.New("killed")
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 0x5eed))
			capacity := r.IntN(4)
			nprod, ncons := 1+r.IntN(5), 1+r.IntN(5)
			perProducer := r.IntN(60)
			kills := 0
			if seed%2 == 1 {
				kills = r.IntN(4)
			}
			sent, received := map[int]int{}, map[int]int{}
			yields := func(f *fiber.Fiber) error {
				for range r.IntN(3) {
					if err := f.Yield(); err != nil {
						return err
					}
				}
				return nil
			}
			// ok turns a cancellation by the killer into a normal exit.
			ok := func(err error) error {
				if errors.Is(err, errKilled) {
					return nil
				}
				return err
			}
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				ch := fiber.NewChan[int](capacity)
				var producers, consumers []*fiber.Fiber
				for p := range nprod {
					try := r.IntN(3) == 0
					producers = append(producers, f.Spawn(fmt.Sprint("producer", p), func(f *fiber.Fiber) error {
						for i := range perProducer {
							v := p*1000 + i
							if try {
								for !ch.TrySend(v) {
									if err := f.Yield(); err != nil {
										return ok(err)
									}
								}
							} else if err := ch.Send(f, v); err != nil {
								return ok(err)
							}
							sent[v]++
							if err := yields(f); err != nil {
								return ok(err)
							}
						}
						return nil
					}))
				}
				for c := range ncons {
					try := c > 0 && r.IntN(3) == 0
					consumers = append(consumers, f.Spawn(fmt.Sprint("consumer", c), func(f *fiber.Fiber) error {
						for {
							var v int
							if try {
								var got bool
								for v, got = ch.TryRecv(); !got; v, got = ch.TryRecv() {
									if ch.Closed() {
										return nil
									}
									if err := f.Yield(); err != nil {
										return ok(err)
									}
								}
							} else {
								var err error
								v, err = ch.Recv(f)
								if err == fiber.ErrClosed {
									return nil
								}
								if err != nil {
									return ok(err)
								}
							}
							received[v]++
							if err := yields(f); err != nil {
								return ok(err)
							}
						}
					}))
				}
				killer := f.Spawn("killer", func(f *fiber.Fiber) error {
					for range kills {
						for range r.IntN(20) {
							if err := f.Yield(); err != nil {
								return err
							}
						}
						// consumer0 is never killed, so that the producers
						// always make progress.
						if victims := append(producers[:len(producers):len(producers)], consumers[1:]...); len(victims) > 0 {
							victims[r.IntN(len(victims))].Cancel(errKilled)
						}
					}
					return nil
				})
				for _, p := range append(producers, killer) {
					if err := f.Join(p); err != nil {
						return err
					}
				}
				ch.Close()
				for _, c := range consumers {
					if err := f.Join(c); err != nil {
						return err
					}
				}
				for v, got := ch.TryRecv(); got; v, got = ch.TryRecv() {
					received[v]++
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Run = %v; want nil", err)
			}
			for v, n := range sent {
				if n != 1 {
					t.Errorf("value %d sent %d times; want 1", v, n)
				}
			}
			if !maps.Equal(received, sent) {
				for v, n := range received {
					if sent[v] != n {
						t.Errorf("value %d received %d times; sent %d times", v, n, sent[v])
					}
				}
				for v, n := range sent {
					if _, found := received[v]; !found {
						t.Errorf("value %d sent %d times; received 0 times", v, n)
					}
				}
			}
			if kills == 0 && len(sent) != nprod*perProducer {
				t.Errorf("values sent without cancellations = %d; want %d", len(sent), nprod*perProducer)
			}
		})
	}
}

// ---------------------------------------------------------------- Group

func TestGroupSuccess(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var g fiber.Group
		var done []string
		var members []*fiber.Fiber
		for i, name := range []string{"a", "b", "c"} {
			members = append(members, g.Go(f, name, func(f *fiber.Fiber) error {
				for range i + 1 {
					if err := f.Yield(); err != nil {
						return err
					}
				}
				done = append(done, f.Name())
				return nil
			}))
		}
		syncEq(t, "Wait()", g.Wait(f), nil)
		syncEq(t, "Err()", g.Err(), nil)
		syncEqSlice(t, "members done", done, []string{"a", "b", "c"})
		for _, m := range members {
			syncEq(t, m.Name()+".State() after Wait", m.State(), fiber.StateDone)
		}
		return nil
	})
}

func TestGroupFirstError(t *testing.T) {
	errA, errC := errors.New("a failed"), errors.New("c failed")
	syncRun(t, func(f *fiber.Fiber) error {
		var g fiber.Group
		var never fiber.Event
		g.Go(f, "a", func(f *fiber.Fiber) error {
			if err := f.Yield(); err != nil {
				return err
			}
			return errA
		})
		var bErr, cErr error
		b := g.Go(f, "b", func(f *fiber.Fiber) error {
			bErr = never.Wait(f)
			return bErr
		})
		g.Go(f, "c", func(f *fiber.Fiber) error {
			cErr = never.Wait(f)
			return errC // a later error does not replace the first
		})
		err := g.Wait(f)
		syncEq(t, "Wait()", err, errA)
		syncEq(t, "Err()", g.Err(), errA)
		if !syncCancelled(bErr, errA) {
			t.Errorf("Wait of member b after a failed = %v; want an error matching context.Canceled and a's error", bErr)
		}
		if !syncCancelled(cErr, errA) {
			t.Errorf("Wait of member c after a failed = %v; want an error matching context.Canceled and a's error", cErr)
		}
		syncEq(t, "b.Cancelled()", b.Cancelled(), true)
		syncEq(t, "main.Cancelled()", f.Cancelled(), false)
		return nil
	})
}

func TestGroupCancelOrder(t *testing.T) {
	// When a member fails, the others are cancelled, and run their
	// cleanups, in the order they joined the group: scheduling stays
	// deterministic.
	want := []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"}
	for i := range 20 {
		var order []string
		syncRun(t, func(f *fiber.Fiber) error {
			var g fiber.Group
			var never fiber.Event
			for _, name := range want {
				g.Go(f, name, func(f *fiber.Fiber) error {
					defer func() { order = append(order, f.Name()) }()
					return never.Wait(f)
				})
			}
			g.Go(f, "failing", func(f *fiber.Fiber) error {
				if err := f.Yield(); err != nil {
					return err
				}
				return errSyncCause
			})
			if err := g.Wait(f); err != errSyncCause {
				t.Errorf("Wait() = %v; want %v", err, errSyncCause)
			}
			return nil
		})
		if !slices.Equal(order, want) {
			t.Fatalf("run %d: order of the cancelled members' cleanups = %v; want %v", i, order, want)
		}
	}
}

func TestGroupMembersAreChildren(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var g fiber.Group
		var never fiber.Event
		var members []*fiber.Fiber
		var waitErr error
		parent := f.Spawn("parent", func(p *fiber.Fiber) error {
			for _, name := range []string{"a", "b"} {
				members = append(members, g.Go(p, name, never.Wait))
			}
			waitErr = g.Wait(p)
			return nil
		})
		for _, m := range members {
			syncEq(t, m.Name()+".Info().Parent", m.Info().Parent, parent.ID())
		}
		parent.Cancel(errSyncCause)
		for _, m := range members {
			syncEq(t, m.Name()+".Cancelled() after the parent's cancellation", m.Cancelled(), true)
		}
		if err := f.Join(parent); err != nil {
			return err
		}
		if !syncCancelled(waitErr, errSyncCause) {
			t.Errorf("Wait() in the cancelled parent = %v; want the cancellation error", waitErr)
		}
		for _, m := range members {
			// The parent does not finish before its children.
			syncEq(t, m.Name()+".State() after Join(parent)", m.State(), fiber.StateDone)
			if err := m.Err(); !syncCancelled(err, errSyncCause) {
				t.Errorf("%s.Err() = %v; want the cancellation error", m.Name(), err)
			}
		}
		return nil
	})
}

func TestGroupSupervisedPanic(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var g fiber.Group
		var never fiber.Event
		var otherErr error
		g.Go(f, "other", func(f *fiber.Fiber) error {
			otherErr = never.Wait(f)
			return otherErr
		})
		g.Go(f, "bad", func(f *fiber.Fiber) error {
			if err := f.Yield(); err != nil {
				return err
			}
			panic("kaboom")
		}, fiber.Supervised())
		err := g.Wait(f)
		var pe *fiber.PanicError
		if !errors.As(err, &pe) {
			t.Errorf("Wait() = %v; want a *PanicError", err)
			return nil
		}
		syncEq(t, "PanicError.Fiber", pe.Fiber, "bad")
		syncEq(t, "PanicError.Value", pe.Value, any("kaboom"))
		if !syncCancelled(otherErr, pe) {
			t.Errorf("Wait of the other member = %v; want the cancellation error with the panic as cause", otherErr)
		}
		return nil
	})
}

func TestGroupUnsupervisedPanic(t *testing.T) {
	var otherErr error
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		var g fiber.Group
		var never fiber.Event
		g.Go(f, "other", func(f *fiber.Fiber) error {
			otherErr = never.Wait(f)
			return otherErr
		})
		g.Go(f, "bad", func(f *fiber.Fiber) error {
			if err := f.Yield(); err != nil {
				return err
			}
			panic("kaboom")
		})
		return g.Wait(f)
	})
	var pe *fiber.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Run = %v; want a *PanicError", err)
	}
	syncEq(t, "PanicError.Fiber", pe.Fiber, "bad")
	syncEq(t, "PanicError.Value", pe.Value, any("kaboom"))
	if !errors.Is(otherErr, context.Canceled) {
		t.Errorf("Wait of the other member = %v; want a cancellation error", otherErr)
	}
}

func TestGroupGoAfterFailure(t *testing.T) {
	errA := errors.New("a failed")
	syncRun(t, func(f *fiber.Fiber) error {
		var g fiber.Group
		g.Go(f, "a", func(*fiber.Fiber) error { return errA })
		syncEq(t, "Err() after a member failed", g.Err(), errA)
		var started bool
		var yieldErr error
		late := g.Go(f, "late", func(f *fiber.Fiber) error {
			started = f.Cancelled()
			yieldErr = f.Yield()
			return nil
		})
		syncEq(t, "Cancelled() seen by a member started after the failure", started, true)
		if !syncCancelled(yieldErr, errA) {
			t.Errorf("Yield() in a member started after the failure = %v; want the cancellation error with the group's error as cause", yieldErr)
		}
		syncEq(t, "late.State()", late.State(), fiber.StateDone)
		syncEq(t, "Wait()", g.Wait(f), errA)
		return nil
	})
}

func TestGroupWaitCancel(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var g fiber.Group
		var ev fiber.Event
		m := g.Go(f, "member", ev.Wait)
		w := f.Spawn("waiter", g.Wait)
		syncEq(t, "waiter.Info().WaitingOn", w.Info().WaitingOn, "group")
		w.Cancel(errSyncCause)
		if err := f.Join(w); !syncCancelled(err, errSyncCause) {
			t.Errorf("Wait() of a cancelled waiter = %v; want the cancellation error", err)
		}
		syncEq(t, "member.Cancelled() after the waiter's cancellation", m.Cancelled(), false)
		syncEq(t, "member.State()", m.State(), fiber.StateSuspended)
		ev.Set()
		syncEq(t, "Wait()", g.Wait(f), nil)
		return nil
	})
}

func TestGroupZeroValue(t *testing.T) {
	syncRun(t, func(f *fiber.Fiber) error {
		var g fiber.Group
		syncEq(t, "Err() of a zero Group", g.Err(), nil)
		w := f.Spawn("waiter", g.Wait)
		syncEq(t, "State() of a fiber waiting on an empty group, after Spawn", w.State(), fiber.StateDone)
		syncEq(t, "Err() of that fiber", w.Err(), nil)
		// A member that finishes without suspending leaves nothing to wait for.
		m := g.Go(f, "quick", func(*fiber.Fiber) error { return nil })
		syncEq(t, "quick.State() after Go", m.State(), fiber.StateDone)
		w = f.Spawn("waiter2", g.Wait)
		syncEq(t, "State() of a fiber waiting on a group of finished members", w.State(), fiber.StateDone)
		return nil
	})
}

// ---------------------------------------------------------------- all primitives

// syncBlockers are waits that nothing will ever end, one per primitive,
// with what introspection should say about them.
var syncBlockers = []struct {
	name      string
	block     func(f *fiber.Fiber) error
	waitingOn string
}{
	{"Mutex", func(f *fiber.Fiber) error {
		var m fiber.Mutex
		f.Spawn("holder", func(h *fiber.Fiber) error { return m.Lock(h) })
		return m.Lock(f)
	}, "mutex held by holder"},
	{"Cond", func(f *fiber.Fiber) error { var c fiber.Cond; return c.Wait(f) }, "cond"},
	{"Event", func(f *fiber.Fiber) error { var e fiber.Event; return e.Wait(f) }, "event"},
	{"Semaphore", func(f *fiber.Fiber) error {
		s := fiber.NewSemaphore(2)
		s.TryAcquire(1)
		return s.Acquire(f, 2)
	}, "semaphore 2"},
	{"ChanSend", func(f *fiber.Fiber) error { return fiber.NewChan[int](0).Send(f, 1) }, "chan send"},
	{"ChanRecv", func(f *fiber.Fiber) error { _, err := fiber.NewChan[int](3).Recv(f); return err }, "chan recv"},
	{"Group", func(f *fiber.Fiber) error {
		var g fiber.Group
		var e fiber.Event
		g.Go(f, "member", e.Wait)
		return g.Wait(f)
	}, "group"},
}

func TestSyncWaitingOn(t *testing.T) {
	for _, tt := range syncBlockers {
		t.Run(tt.name, func(t *testing.T) {
			s := fiber.NewScheduler(fiber.SchedulerConfig{})
			b := s.Spawn("blocked", tt.block)
			syncEq(t, "State()", b.State(), fiber.StateSuspended)
			in := b.Info()
			syncEq(t, "Info().WaitingOn", in.WaitingOn, tt.waitingOn)
			if in.Since.IsZero() {
				t.Errorf("Info().Since = zero; want the time of the suspension")
			}
			if err := s.Close(context.Background()); err != nil {
				t.Errorf("Close() = %v; want nil", err)
			}
			if err := b.Err(); !errors.Is(err, fiber.ErrStopped) {
				t.Errorf("Err() of the blocked fiber after Close = %v; want ErrStopped", err)
			}
			syncEq(t, "Live() after Close", s.Live(), 0)
		})
	}
}

func TestSyncDeadlock(t *testing.T) {
	for _, tt := range syncBlockers {
		t.Run(tt.name, func(t *testing.T) {
			var blockErr error
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				blockErr = tt.block(f)
				return blockErr
			})
			if !errors.Is(err, fiber.ErrDeadlock) {
				t.Fatalf("Run = %v; want ErrDeadlock", err)
			}
			if !strings.Contains(err.Error(), tt.waitingOn) {
				t.Errorf("Run = %q; want it to mention %q", err, tt.waitingOn)
			}
			if !syncCancelled(blockErr, fiber.ErrDeadlock) {
				t.Errorf("the blocked wait returned %v; want the cancellation error with ErrDeadlock as cause", blockErr)
			}
		})
	}
}

func TestSyncOwnerWakes(t *testing.T) {
	// The non-suspending methods, called by the owner's own code outside any
	// fiber (as an actor's message handler would), make the waiting fiber
	// ready; it runs in the next RunReady.
	type setup func(s *fiber.Scheduler) (wait func(*fiber.Fiber) (string, error), wake func(t *testing.T))
	tests := []struct {
		name  string
		setup setup
		want  string
	}{
		{"Mutex.Unlock", func(s *fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			m := new(fiber.Mutex)
			s.Spawn("holder", func(f *fiber.Fiber) error { return m.Lock(f) })
			return func(f *fiber.Fiber) (string, error) {
					if err := m.Lock(f); err != nil {
						return "", err
					}
					defer m.Unlock()
					return "locked, holder " + syncName(m.Holder()), nil
				}, func(*testing.T) {
					m.Unlock()
				}
		}, "locked, holder waiter"},
		{"Cond.Signal", func(*fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			c := new(fiber.Cond)
			return func(f *fiber.Fiber) (string, error) { return "signalled", c.Wait(f) },
				func(t *testing.T) { syncEq(t, "Signal()", c.Signal(), true) }
		}, "signalled"},
		{"Cond.Broadcast", func(*fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			c := new(fiber.Cond)
			return func(f *fiber.Fiber) (string, error) { return "broadcast", c.Wait(f) },
				func(*testing.T) { c.Broadcast() }
		}, "broadcast"},
		{"Event.Set", func(*fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			e := new(fiber.Event)
			return func(f *fiber.Fiber) (string, error) { return "set", e.Wait(f) },
				func(*testing.T) { e.Set() }
		}, "set"},
		{"Semaphore.Release", func(*fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			sem := fiber.NewSemaphore(2)
			sem.TryAcquire(2)
			return func(f *fiber.Fiber) (string, error) {
					if err := sem.Acquire(f, 2); err != nil {
						return "", err
					}
					defer sem.Release(2)
					return fmt.Sprint("held ", sem.Held()), nil
				}, func(*testing.T) {
					sem.Release(2)
				}
		}, "held 2"},
		{"Chan.TrySend", func(*fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			ch := fiber.NewChan[string](0)
			return ch.Recv, func(t *testing.T) { syncEq(t, "TrySend(\"fed\")", ch.TrySend("fed"), true) }
		}, "fed"},
		{"Chan.TryRecv", func(*fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			ch := fiber.NewChan[string](0)
			return func(f *fiber.Fiber) (string, error) { return "sent", ch.Send(f, "v") },
				func(t *testing.T) {
					if v, ok := ch.TryRecv(); v != "v" || !ok {
						t.Errorf("TryRecv() = %q, %v; want \"v\", true", v, ok)
					}
				}
		}, "sent"},
		{"Chan.Close", func(*fiber.Scheduler) (func(*fiber.Fiber) (string, error), func(*testing.T)) {
			ch := fiber.NewChan[string](1)
			return func(f *fiber.Fiber) (string, error) {
					_, err := ch.Recv(f)
					return fmt.Sprint("recv: ", err), nil
				}, func(*testing.T) {
					ch.Close()
				}
		}, "recv: " + fiber.ErrClosed.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fiber.NewScheduler(fiber.SchedulerConfig{})
			wait, wake := tt.setup(s)
			var got string
			var gotErr error
			finished := false
			w := s.Spawn("waiter", func(f *fiber.Fiber) error {
				got, gotErr = wait(f)
				finished = true
				return nil
			})
			syncEq(t, "waiter.State() after Spawn", w.State(), fiber.StateSuspended)
			wake(t)
			syncEq(t, "waiter.State() after the owner's call", w.State(), fiber.StateReady)
			syncEq(t, "waiter finished before RunReady", finished, false)
			if err := s.RunReady(); err != nil {
				t.Fatalf("RunReady() = %v; want nil", err)
			}
			syncEq(t, "waiter.State() after RunReady", w.State(), fiber.StateDone)
			if got != tt.want || gotErr != nil {
				t.Errorf("waiter's result = %q, %v; want %q, nil", got, gotErr, tt.want)
			}
			if err := s.Close(context.Background()); err != nil {
				t.Errorf("Close() = %v; want nil", err)
			}
		})
	}
}

func TestSyncOwnerWakesViaPost(t *testing.T) {
	// Another goroutine feeds a fiber through Scheduler.Post; the hook tells
	// the owner to run the scheduler.
	wakeCh := make(chan struct{}, 1)
	s := fiber.NewScheduler(fiber.SchedulerConfig{Wake: func() {
		select {
		case wakeCh <- struct{}{}:
		default:
		}
	}})
	// Posted functions run in batches, before the fibers they wake: the
	// buffer holds what one batch may send.
	const n = 50
	ch := fiber.NewChan[int](n)
	var got []int
	s.Spawn("consumer", func(f *fiber.Fiber) error {
		for {
			v, err := ch.Recv(f)
			if err != nil {
				return nil
			}
			got = append(got, v)
		}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			s.Post(func() {
				if !ch.TrySend(i) {
					t.Errorf("TrySend(%d) from a posted function = false; want true", i)
				}
			})
		}
		s.Post(ch.Close)
	}()
	for !ch.Closed() {
		select {
		case <-wakeCh:
		case <-done:
		}
		if err := s.RunReady(); err != nil {
			t.Fatalf("RunReady() = %v; want nil", err)
		}
	}
	<-done
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close() = %v; want nil", err)
	}
	syncEq(t, "values received", len(got), n)
	for i, v := range got {
		if v != i {
			t.Fatalf("received[%d] = %d; want %d", i, v, i)
		}
	}
}
