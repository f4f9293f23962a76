package fiber_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/weft-go/weft/fiber"
)

// TestCritical checks that every kind of suspension point panics inside
// Critical, cancelled fiber included, that the panic names the fiber and
// the suspension point and fails Run, and that code without suspension
// points runs normally (nested too).
func TestCritical(t *testing.T) {
	for _, tc := range []struct {
		name    string
		suspend func(f *fiber.Fiber)
		what    string
	}{
		{"yield", func(f *fiber.Fiber) { f.Yield() }, "yield"},
		{"zero sleep", func(f *fiber.Fiber) { f.Sleep(0) }, "yield"},
		{"sleep", func(f *fiber.Fiber) { f.Sleep(time.Hour) }, "sleep"},
		{"mutex", func(f *fiber.Fiber) {
			var m fiber.Mutex
			m.TryLock(f.Spawn("holder", func(*fiber.Fiber) error { return nil }))
			m.Lock(f)
		}, "mutex"},
		{"event", func(f *fiber.Fiber) { new(fiber.Event).Wait(f) }, "event"},
		{"chan", func(f *fiber.Fiber) { fiber.NewChan[int](0).Recv(f) }, "chan recv"},
		{"await", func(f *fiber.Fiber) {
			fiber.Await(f, func(context.Context) (int, error) { return 0, nil })
		}, "await"},
		{"cancelled", func(f *fiber.Fiber) { f.Cancel(nil); f.Scheduler().Suspend(f, "custom") }, "custom"},
		{"nested", func(f *fiber.Fiber) { fiber.Critical(f, func() { f.Yield() }) }, "yield"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				child := f.Spawn("crit", func(f *fiber.Fiber) error {
					fiber.Critical(f, func() { tc.suspend(f) })
					return nil
				}, fiber.Supervised())
				return f.Join(child)
			})
			var pe *fiber.PanicError
			if !errors.As(err, &pe) || pe.Fiber != "crit" {
				t.Fatalf("Run() = %v; want the PanicError of fiber crit", err)
			}
			msg, _ := pe.Value.(string)
			if want := "fiber: suspension point (" + tc.what; !strings.HasPrefix(msg, want) || !strings.Contains(msg, `inside Critical by fiber "crit"`) {
				t.Errorf("panic value = %q; want %q… inside Critical by fiber \"crit\"", msg, want)
			}
		})
	}
	t.Run("no suspension", func(t *testing.T) {
		n := 0
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			fiber.Critical(f, func() {
				n++
				fiber.Critical(f, func() { n++ })
				f.Spawn("child", func(*fiber.Fiber) error { n++; return nil })
			})
			return f.Yield() // allowed again once Critical returned
		})
		if err != nil || n != 3 {
			t.Errorf("Run() = %v with n = %d; want nil, 3", err, n)
		}
	})
	t.Run("outside the fiber", func(t *testing.T) {
		s := fiber.NewScheduler(fiber.SchedulerConfig{})
		f := s.Spawn("idle", func(f *fiber.Fiber) error { return f.Scheduler().Suspend(f, "forever") })
		defer coreClose(t, s)
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(r.(string), "fiber: Critical called from outside") {
				t.Errorf("recover() = %v; want a fiber: misuse panic", r)
			}
		}()
		fiber.Critical(f, func() {})
	})
}

// TestWaitingFor checks the fiber a waiting fiber depends on: the child it
// joins, the current holder of the mutex it waits for (which changes as
// the mutex is handed on), its first live child at exit, and nil for a
// wait on no particular fiber.
func TestWaitingFor(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	defer coreClose(t, s)
	var m fiber.Mutex
	var ev fiber.Event
	holder := s.Spawn("holder", func(f *fiber.Fiber) error {
		m.Lock(f)
		return ev.Wait(f)
	})
	w1 := s.Spawn("w1", func(f *fiber.Fiber) error {
		if err := m.Lock(f); err != nil {
			return err
		}
		defer m.Unlock()
		return ev.Wait(f)
	})
	w2 := s.Spawn("w2", func(f *fiber.Fiber) error { return m.Lock(f) })
	joiner := s.Spawn("joiner", func(f *fiber.Fiber) error { return f.Join(w2) })
	parent := s.Spawn("parent", func(f *fiber.Fiber) error {
		f.Spawn("kid", func(f *fiber.Fiber) error { return ev.Wait(f) })
		return nil
	})
	check := func(when string, f, want *fiber.Fiber) {
		t.Helper()
		if got := f.WaitingFor(); got != want {
			t.Errorf("%s: %s.WaitingFor() = %v; want %v", when, f.Name(), name(got), name(want))
		}
		wantID := uint64(0)
		if want != nil {
			wantID = want.ID()
		}
		if got := f.Info().WaitingFor; got != wantID {
			t.Errorf("%s: %s.Info().WaitingFor = %d; want %d", when, f.Name(), got, wantID)
		}
	}
	check("start", holder, nil)
	check("start", w1, holder)
	check("start", w2, holder)
	check("start", joiner, w2)
	kid := parent.WaitingFor()
	if kid == nil || kid.Name() != "kid" {
		t.Errorf("parent.WaitingFor() = %v; want kid", name(kid))
	}
	m.Unlock() // the owner hands the mutex from holder to w1
	if err := s.RunReady(); err != nil {
		t.Fatal(err)
	}
	check("after Unlock", w2, w1)
	check("after Unlock", w1, nil) // w1 now waits on the event
	ev.Set()
	if err := s.RunReady(); err != nil {
		t.Fatal(err)
	}
	check("done", w2, nil)
}

func name(f *fiber.Fiber) string {
	if f == nil {
		return "<nil>"
	}
	return f.Name()
}

// TestTag checks that a tag stays with its fiber, that SpawnTagged sets it
// before the fiber's first run, and that the runtime leaves it alone.
func TestTag(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	defer coreClose(t, s)
	var firstRun any
	a := s.SpawnTagged("a", "serves 1", func(f *fiber.Fiber) error {
		firstRun = f.Scheduler().Tag(f)
		return f.Scheduler().Suspend(f, "a")
	})
	b := s.Spawn("b", func(f *fiber.Fiber) error { return f.Scheduler().Suspend(f, "b") })
	if got := s.Tag(b); got != nil {
		t.Errorf("Tag(b) = %v before SetTag; want nil", got)
	}
	s.SetTag(b, 42)
	if firstRun != "serves 1" {
		t.Errorf("Tag(a) in its first run = %v; want serves 1", firstRun)
	}
	if s.Tag(a) != "serves 1" || s.Tag(b) != 42 {
		t.Errorf("tags = %v, %v; want serves 1, 42", s.Tag(a), s.Tag(b))
	}
	if err := s.RunReady(); err != nil {
		t.Fatal(err)
	}
	if s.Tag(a) != "serves 1" || s.Tag(b) != 42 {
		t.Errorf("tags after RunReady = %v, %v; want serves 1, 42", s.Tag(a), s.Tag(b))
	}
}

// TestMonitor checks what a monitor publishes: the running fiber (with a
// new Seq at each resumption), the owner's code between Begin and End, and
// nothing after End; and that Info counts runs.
func TestMonitor(t *testing.T) {
	m := fiber.NewMonitor()
	s := fiber.NewScheduler(fiber.SchedulerConfig{Monitor: m})
	defer coreClose(t, s)
	if _, ok := m.Running(); ok {
		t.Errorf("Running() before Begin reports a slice; want none")
	}
	m.Begin()
	owner, ok := m.Running()
	if !ok || owner.FiberID != 0 || owner.Fiber != "" || owner.Start.IsZero() {
		t.Errorf("Running() in the owner's code = %+v, %v; want the owner's slice", owner, ok)
	}
	var seen []fiber.Slice
	worker := s.Spawn("", func(f *fiber.Fiber) error {
		for range 2 {
			sl, _ := m.Running()
			seen = append(seen, sl)
			if err := f.Yield(); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.RunReady(); err != nil {
		t.Fatal(err)
	}
	after, _ := m.Running()
	m.End()
	if _, ok := m.Running(); ok {
		t.Errorf("Running() after End reports a slice; want none")
	}
	if len(seen) != 2 {
		t.Fatalf("slices seen by the fiber = %d; want 2", len(seen))
	}
	for _, sl := range seen {
		if sl.FiberID != worker.ID() || sl.Fiber != worker.Name() {
			t.Errorf("slice seen by the fiber = %+v; want fiber %d %q", sl, worker.ID(), worker.Name())
		}
	}
	if seen[0].Seq == seen[1].Seq || after.Seq == seen[1].Seq || after.Seq == owner.Seq {
		t.Errorf("Seqs = %d, %d, %d, %d; want a new one for every slice", owner.Seq, seen[0].Seq, seen[1].Seq, after.Seq)
	}
	if after.FiberID != 0 {
		t.Errorf("slice after the fibers suspended = %+v; want the owner's", after)
	}
}

// TestInfoRuns checks that Info counts the runs of a fiber (its first
// run and each resumption) and stamps its spawn time by the scheduler's
// clock.
func TestInfoRuns(t *testing.T) {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	defer coreClose(t, s)
	before := time.Now()
	f := s.Spawn("yielder", func(f *fiber.Fiber) error {
		for range 3 {
			if err := f.Yield(); err != nil {
				return err
			}
		}
		return f.Scheduler().Suspend(f, "forever")
	})
	if err := s.RunReady(); err != nil {
		t.Fatal(err)
	}
	in := f.Info()
	if in.Runs != 4 || in.Spawned.Before(before) || in.Spawned.After(time.Now()) {
		t.Errorf("Info() = Runs %d, Spawned %v; want 4 runs, spawned after %v", in.Runs, in.Spawned, before)
	}
}
