package actortest

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/weft-go/weft/fiber"
)

// Clock is a manual virtual clock, a [fiber.Clock]: its time moves only
// when [Clock.Advance] moves it, and its timers fire inside Advance, in
// deadline order, timers due at the same instant in the order they were
// set. Give it to an actor system with [actor.WithClock] (or to
// [fiber.Run] with [fiber.WithClock]): fiber sleeps, [actor.Within]
// deadlines and deadlock probes then run on it.
//
// Create a Clock with [NewClock]; the zero value is not usable and a Clock
// must not be copied. Its methods are safe for concurrent use; a timer's
// function runs on the goroutine that called Advance, after the Advance
// call that reached its deadline began.
type Clock struct {
	mu      sync.Mutex // guards the fields below
	now     time.Time
	timers  timerHeap
	seq     uint64
	changed chan struct{} // closed when a timer is set; then replaced
}

// NewClock returns a clock that reads start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc sets a timer that calls fn once the clock has advanced by d
// (at once, in the next Advance, if d is zero or less).
func (c *Clock) AfterFunc(d time.Duration, fn func()) fiber.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &clockTimer{c: c, when: c.now.Add(max(d, 0)), seq: c.seq, fn: fn, index: -1}
	heap.Push(&c.timers, t)
	close(c.changed)
	c.changed = make(chan struct{})
	return t
}

// Advance moves the clock forward by d, firing every timer whose deadline
// it passes, in order; while a timer's function runs, Now reads that
// timer's deadline. Timers set by those functions fire too if they fall
// within d. A d of zero fires the timers due now.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(max(d, 0))
	for len(c.timers) > 0 && !c.timers[0].when.After(end) {
		t := heap.Pop(&c.timers).(*clockTimer)
		if t.when.After(c.now) {
			c.now = t.when
		}
		c.mu.Unlock()
		t.fn()
		c.mu.Lock()
	}
	if end.After(c.now) { // a concurrent Advance may have gone further
		c.now = end
	}
	c.mu.Unlock()
}

// Pending returns the number of timers set and not yet fired or stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// WaitForTimers blocks until at least n timers are pending, or ctx is
// done: a test calls it to know that the code under test has set the
// timers it is about to advance past. It returns nil or [context.Cause] of
// ctx.
func (c *Clock) WaitForTimers(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		pending, changed := len(c.timers), c.changed
		c.mu.Unlock()
		if pending >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// clockTimer is a timer of a Clock.
type clockTimer struct {
	c     *Clock
	when  time.Time
	seq   uint64
	fn    func()
	index int // in the heap; -1 once fired or stopped
}

// Stop removes the timer; it reports false if it already fired or was
// stopped.
func (t *clockTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.c.timers, t.index)
	return true
}

// timerHeap orders timers by deadline, then by the order they were set.
type timerHeap []*clockTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*clockTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
