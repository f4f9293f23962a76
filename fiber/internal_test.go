package fiber

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// White-box tests of the core's data structures and bookkeeping.

func TestRunQueueFIFOAcrossWrapAndGrowth(t *testing.T) {
	fibers := make([]*Fiber, 100)
	for i := range fibers {
		fibers[i] = &Fiber{id: uint64(i + 1)}
	}
	var q runQueue
	var want []uint64
	next := 0
	push := func(n int) {
		for range n {
			q.push(fibers[next%len(fibers)])
			want = append(want, fibers[next%len(fibers)].id)
			next++
		}
	}
	pop := func(n int) {
		t.Helper()
		for range n {
			f := q.pop()
			if f == nil {
				t.Fatalf("pop() = nil with %d queued; want fiber %d", len(want), want[0])
			}
			if f.id != want[0] {
				t.Fatalf("pop() = fiber %d; want fiber %d", f.id, want[0])
			}
			want = want[1:]
		}
	}
	push(10)
	pop(7)   // head moves into the ring
	push(12) // wraps around the 16-slot buffer
	if got := q.len(); got != 15 {
		t.Fatalf("len() = %d; want 15", got)
	}
	push(40) // grows while wrapped
	if got := q.len(); got != 55 {
		t.Fatalf("len() = %d; want 55", got)
	}
	pop(55)
	if f := q.pop(); f != nil {
		t.Errorf("pop() of an empty queue = fiber %d; want nil", f.id)
	}
	if got := q.len(); got != 0 {
		t.Errorf("len() of an empty queue = %d; want 0", got)
	}
}

func TestWaitqRemoveAndUnlink(t *testing.T) {
	var q waitq[struct{}]
	ws := make([]*waiter[struct{}], 4)
	for i := range ws {
		ws[i] = &waiter[struct{}]{f: &Fiber{id: uint64(i + 1)}}
		q.push(ws[i])
	}
	ws[1].unlink() // middle
	ws[3].unlink() // tail
	ws[3].unlink() // no-op once removed
	if q.n != 2 {
		t.Fatalf("n after two unlinks = %d; want 2", q.n)
	}
	var got []uint64
	for w := q.pop(); w != nil; w = q.pop() {
		got = append(got, w.f.id)
		w.unlink() // no-op once popped
	}
	if want := []uint64{1, 3}; !slices.Equal(got, want) {
		t.Errorf("pop order = %v; want %v", got, want)
	}
	if q.n != 0 || q.head != nil || q.tail != nil {
		t.Errorf("drained queue = {n: %d, head: %v, tail: %v}; want empty", q.n, q.head, q.tail)
	}
}

func TestCancelErr(t *testing.T) {
	custom := errors.New("custom")
	wrapped := errors.Join(context.Canceled, custom)
	tests := []struct {
		cause, want error
	}{
		{nil, context.Canceled},
		{context.Canceled, context.Canceled},
		{context.DeadlineExceeded, context.DeadlineExceeded},
		{wrapped, wrapped},
	}
	for _, tc := range tests {
		if got := cancelErr(tc.cause); got != tc.want {
			t.Errorf("cancelErr(%v) = %v; want %v", tc.cause, got, tc.want)
		}
	}
	got := cancelErr(custom)
	if !errors.Is(got, context.Canceled) || !errors.Is(got, custom) {
		t.Errorf("cancelErr(custom) = %v; want an error matching context.Canceled and custom", got)
	}
	if want := "fiber: canceled: custom"; got.Error() != want {
		t.Errorf("cancelErr(custom).Error() = %q; want %q", got.Error(), want)
	}
}

func TestCancelledSleepReleasesItsTimer(t *testing.T) {
	s := NewScheduler(SchedulerConfig{})
	f := s.Spawn("sleeper", func(f *Fiber) error { return f.Sleep(time.Hour) })
	if s.timers != 1 {
		t.Fatalf("timers while sleeping = %d; want 1", s.timers)
	}
	f.Cancel(nil)
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	if s.timers != 0 {
		t.Errorf("timers after the sleep was cancelled = %d; want 0", s.timers)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
}

// A posted function that panics (a misuse panic such as RunReady called
// from a posted function, or a bug in the owner's code) propagates out of
// RunReady. The inbox must survive it: later posts all run, once each, in
// order.
func TestInboxSurvivesPanickingPostedFunction(t *testing.T) {
	s := NewScheduler(SchedulerConfig{})
	var got []string
	post := func(name string, then ...func()) {
		s.Post(func() {
			got = append(got, name)
			for _, fn := range then {
				fn()
			}
		})
	}
	// Give the inbox a spare buffer with room for several functions.
	for range 4 {
		post("warm-up")
	}
	if err := s.RunReady(); err != nil {
		t.Fatalf("RunReady() = %v; want nil", err)
	}
	s.Post(func() { panic("posted") })
	func() {
		defer func() {
			if v := recover(); v != "posted" {
				t.Fatalf("RunReady() panicked with %v; want %q", v, "posted")
			}
		}()
		s.RunReady()
	}()

	got = nil
	post("x", func() { post("y") }, func() { post("z") })
	post("w")
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("RunReady() panicked with %v; want no panic", v)
			}
		}()
		if err := s.RunReady(); err != nil {
			t.Errorf("RunReady() = %v; want nil", err)
		}
	}()
	if want := []string{"x", "w", "y", "z"}; !slices.Equal(got, want) {
		t.Errorf("posted functions ran as %v; want %v", got, want)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("Close = %v; want nil", err)
	}
}

// A posted function that panics does not take the functions posted after it
// down with it: they run in the next RunReady.
func TestPanickingPostKeepsLaterPosts(t *testing.T) {
	s := NewScheduler(SchedulerConfig{})
	ran := 0
	s.Post(func() { panic("boom") })
	s.Post(func() { ran++ })
	s.Post(func() { ran++ })
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("RunReady panicked with %v; want boom", r)
			}
		}()
		s.RunReady()
	}()
	if err := s.RunReady(); err != nil {
		t.Fatal(err)
	}
	if ran != 2 {
		t.Errorf("%d later posts ran; want 2", ran)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}
