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
	w := f.waker()
	s.timers++
	t := s.clock.AfterFunc(d, func() {
		s.Post(func() {
			s.timers--
			w.Wake(nil)
		})
	})
	err := f.suspend("sleep", d.String(), nil)
	if err != nil && t.Stop() {
		s.timers--
	}
	return err
}

// SleepUntil suspends f until the scheduler's clock ([Fiber.Now]) reads t
// or later, as [Fiber.Sleep] does.
func (f *Fiber) SleepUntil(t time.Time) error {
	return f.Sleep(t.Sub(f.s.clock.Now()))
}
