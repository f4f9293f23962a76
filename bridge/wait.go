package bridge

import (
	"time"

	"github.com/weft-go/weft/fiber"
)

// WaitOption configures a bridge wait ([Receive], [ReceiveFunc],
// [Request]).
type WaitOption func(*waitConfig)

type waitConfig struct {
	timeout time.Duration
}

// Within bounds a wait: if it has not completed after d (measured by the
// scheduler's clock), it fails with [ErrTimeout]. A d of zero or less sets
// no bound. Without it a wait lasts until it completes or the fiber is
// cancelled.
func Within(d time.Duration) WaitOption {
	return func(c *waitConfig) { c.timeout = d }
}

func waitOptions(opts []WaitOption) waitConfig {
	var c waitConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// suspendWithin suspends f (whose Waker w was filed where the awaited event
// will find it) until it is woken, failing it with ErrTimeout after
// timeout if that is positive.
func suspendWithin(f *fiber.Fiber, h *Host, w fiber.Waker, what string, timeout time.Duration) error {
	if timeout <= 0 {
		return h.sched.Suspend(f, what)
	}
	c := &deadline{s: h.sched, w: w}
	t := h.sched.Clock().AfterFunc(timeout, c.expire)
	err := h.sched.Suspend(f, what)
	if t.Stop() {
		*c = deadline{} // the stopped timer never calls expire
	}
	return err
}

// deadline is what a bounded wait's timer holds: Go's runtime keeps a
// stopped timer (and its function) until the time it was set for, so the
// timer reaches the scheduler, and through it the host and its actor,
// only through the deadline, which a wait that ended first clears.
type deadline struct {
	s *fiber.Scheduler
	w fiber.Waker
}

func (c *deadline) expire() {
	w := c.w
	c.s.Post(func() { w.Wake(ErrTimeout) })
}
