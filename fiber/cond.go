package fiber

// Cond is a condition variable for fibers: fibers wait in [Cond.Wait] until
// another fiber, or the owner, calls [Cond.Signal] or [Cond.Broadcast].
// Unlike [sync.Cond] it needs no lock: fibers of one scheduler do not run
// concurrently, so a fiber that checks a condition and then waits cannot
// miss a wake-up. Check the condition in a loop:
//
//	for !ready() {
//		if err := c.Wait(f); err != nil {
//			return err
//		}
//	}
//
// The zero value is ready to use. A Cond must not be copied after first
// use. It must be used only by the owner of the fibers that wait on it.
type Cond struct {
	q waitq[struct{}]
}

// Wait suspends f until it is woken by [Cond.Signal] or [Cond.Broadcast].
// It returns nil, or the cancellation error if f is cancelled first.
//
// Wait is a suspension point: it must be called by f itself.
func (c *Cond) Wait(f *Fiber) error {
	w := &waiter[struct{}]{f: f}
	c.q.push(w)
	return f.suspend("cond", w)
}

// Signal wakes the fiber that has waited longest, if any, and reports
// whether there was one. It does not suspend.
func (c *Cond) Signal() bool {
	w := c.q.pop()
	if w == nil {
		return false
	}
	w.f.s.wake(w.f, nil)
	return true
}

// Broadcast wakes every waiting fiber, in the order they started waiting.
// It does not suspend.
func (c *Cond) Broadcast() {
	for w := c.q.pop(); w != nil; w = c.q.pop() {
		w.f.s.wake(w.f, nil)
	}
}

// Waiting returns the number of fibers waiting.
func (c *Cond) Waiting() int { return c.q.n }
