package bridge

import (
	"time"

	"github.com/weft-go/weft/fiber"
)

// WaitOption configures a bridge wait ([Receive], [ReceiveFunc],
// [Request], [CallRawUntil]). It is a small value: making one allocates
// nothing.
type WaitOption struct {
	timeout time.Duration
}

type waitConfig struct {
	timeout time.Duration
}

// Within bounds a wait: if it has not completed after d (measured by the
// scheduler's clock; by the real one for [CallRawUntil]), it fails with
// [ErrTimeout]. A d of zero or less sets no bound. Without it a wait lasts
// until it completes or the fiber is cancelled.
func Within(d time.Duration) WaitOption { return WaitOption{timeout: d} }

// waitOptions applies opts (the last bound given counts).
func waitOptions(opts []WaitOption) waitConfig {
	var c waitConfig
	for _, o := range opts {
		c.timeout = o.timeout
	}
	return c
}

// suspendWithin suspends f (whose Waker w was filed where the awaited event
// will find it) until it is woken, failing it with ErrTimeout after
// timeout if that is positive.
func suspendWithin(f *fiber.Fiber, h *Host, w fiber.Waker, what string, timeout time.Duration) error {
	if timeout <= 0 {
		return h.scheduler().Suspend(f, what)
	}
	return suspendBounded(f, h, w, what, timeout)
}

// suspendBounded is suspendWithin with a deadline. It is a function of its
// own, never inlined, so that an unbounded wait's frames stay small (a
// parked fiber's goroutine stack shrinks back to its smallest size only if
// its frames use under a quarter of it).
//
//go:noinline
func suspendBounded(f *fiber.Fiber, h *Host, w fiber.Waker, what string, timeout time.Duration) error {
	cold := h.more()
	c := cold.spareDeadline
	cold.spareDeadline = nil
	if c == nil {
		c = &deadline{}
	}
	c.s, c.w = h.scheduler(), w
	if c.t == nil {
		c.t = h.scheduler().Clock().AfterFunc(timeout, c.expire)
	} else {
		// A spare's timer was stopped before it fired: Reset schedules
		// expire again (and reports false, as for any inactive timer).
		c.t.(resetter).Reset(timeout)
	}
	err := h.scheduler().Suspend(f, what)
	if c.t.Stop() {
		// The stopped timer never calls expire: the deadline (and its
		// timer, if it can be reset) serves the next bounded wait.
		c.s, c.w = nil, fiber.Waker{}
		if _, ok := c.t.(resetter); ok && !h.stopped {
			cold.spareDeadline = c
		}
	}
	return err
}

// deadline is what a bounded wait's timer holds: Go's runtime keeps a
// stopped timer (and its function) until the time it was set for, so the
// timer reaches the scheduler, and through it the host and its actor,
// only through the deadline, which a wait that ended first clears. A
// host keeps one spare deadline whose stopped timer it resets for its next
// bounded wait, instead of a new timer per wait.
type deadline struct {
	s *fiber.Scheduler
	w fiber.Waker
	t fiber.Timer
}

// resetter is a Timer that can be set again once stopped (the real
// clock's *time.Timer is one).
type resetter interface{ Reset(time.Duration) bool }

func (c *deadline) expire() {
	w := c.w
	c.s.Post(func() { w.Wake(ErrTimeout) })
}
