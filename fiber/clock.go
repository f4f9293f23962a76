package fiber

import "time"

// Clock is the source of time for [Fiber.Sleep]. The default is the real
// clock (package time), which is also virtual inside a [testing/synctest]
// bubble; [WithClock] (for [Run]) and [SchedulerConfig.Clock] install
// another, such as a manual clock in tests. [Fiber.Now] reads it.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls fn in its own goroutine once d has elapsed, unless the
	// returned Timer is stopped first.
	AfterFunc(d time.Duration, fn func()) Timer
}

// Timer is a pending call scheduled by [Clock.AfterFunc].
type Timer interface {
	// Stop prevents the call from happening. It reports false if the call
	// already happened or was already stopped.
	Stop() bool
}

// realClock is the Clock of package time.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, fn func()) Timer { return time.AfterFunc(d, fn) }

// Sleep suspends f for at least d, as measured by the scheduler's [Clock].
// It returns nil, or the cancellation error if f is cancelled first. A
// duration of zero or less yields instead (see [Fiber.Yield]).
//
// Sleep is a suspension point: it must be called by f itself.
func (f *Fiber) Sleep(d time.Duration) error {
	if d <= 0 {
		return f.Yield()
	}
	s := f.s
	if s.current != f {
		misuse("Fiber.Sleep called from outside the fiber")
	}
	if f.critical > 0 {
		criticalMisuse(f, "sleep")
	}
	if f.cancelled != nil {
		return f.cancelled
	}
	c := &alarm{s: s, w: f.waker()}
	s.timers++
	t := s.clock.AfterFunc(d, c.ring)
	f.waitN = int64(d)
	err := f.suspend("sleep", nil)
	if err != nil && t.Stop() {
		s.timers--
		*c = alarm{} // the stopped timer never calls ring
	}
	return err
}

// alarm is what a sleep's timer holds. Go's runtime keeps a stopped timer,
// and so its function, in its timer heap until the time it was set for:
// the function must reach the scheduler (and through it the fibers and
// their actor) only through the alarm, which a stopped sleep clears, so
// that a cancelled long sleep does not keep its scheduler reachable.
type alarm struct {
	s *Scheduler
	w Waker
}

func (c *alarm) ring() {
	s, w := c.s, c.w
	s.Post(func() {
		s.timers--
		w.Wake(nil)
	})
}

// SleepUntil suspends f until the scheduler's clock ([Fiber.Now]) reads t
// or later, as [Fiber.Sleep] does.
func (f *Fiber) SleepUntil(t time.Time) error {
	return f.Sleep(t.Sub(f.s.clock.Now()))
}
