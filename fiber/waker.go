package fiber

// This file holds the owner's means to park and wake fibers from waits
// built outside the package, and to annotate fibers.

// Waker wakes one suspension of a fiber: its next suspension after
// [Scheduler.Waker] returned the Waker, which owners make with
// [Scheduler.Suspend] right after filing the Waker. It is owner
// machinery: users never need it. The zero value wakes nothing. A Waker is
// a small value and may be copied; it must be used by the scheduler's owner
// (to wake a fiber from another goroutine, post the call with
// [Scheduler.Post]).
type Waker struct {
	f   *Fiber
	seq uint64
}

// Waker returns a [Waker] for the next suspension of f, which must belong
// to s. Owners that deliver wake-ups themselves (such as the actor bridge)
// take a Waker, file it where the event will find it, then call
// [Scheduler.Suspend]. It costs no allocation.
//
// Inside [Critical], Waker panics as a suspension point does: owners take a
// Waker before they file anything, so a wait that must not happen leaves
// nothing behind. Waker does not suspend; it must be called by the owner.
func (s *Scheduler) Waker(f *Fiber) Waker {
	if f.s != s {
		misuse("Scheduler.Waker: the fiber belongs to another scheduler")
	}
	if f.critical > 0 {
		criticalMisuse(f, "waker")
	}
	return Waker{f: f, seq: f.seq}
}

// Suspend suspends f, which must be the running fiber of s, until a
// [Waker] taken for f before the call wakes it, and returns the error given
// to [Waker.Wake]. what describes the wait for introspection
// ([Info.WaitingOn]). If f is cancelled, Suspend returns the cancellation
// error (at once if f was already cancelled). It is the building block of
// waits that owners implement themselves, such as the bridge's Receive and
// Request; under [Run], a fiber suspended this way counts as waiting on
// nothing for deadlock detection unless a timer or an [Await] call is
// pending.
//
// Suspend is a suspension point: it must be called from inside f, on f's
// own scheduler.
func (s *Scheduler) Suspend(f *Fiber, what string) error {
	if f.s != s {
		misuse("Scheduler.Suspend: the fiber belongs to another scheduler")
	}
	return f.suspend(what, nil)
}

// Wake makes the fiber ready again, so that its pending [Scheduler.Suspend]
// returns err. It reports false, and does nothing, if that suspension is
// over (the fiber was already woken, was cancelled, or has not suspended).
// It must be called by the scheduler's owner.
func (w Waker) Wake(err error) bool {
	if w.f == nil || w.f.seq != w.seq || w.f.shielded {
		return false
	}
	return w.f.s.wake(w.f, err)
}

// Fiber returns the fiber w wakes, or nil for the zero Waker.
func (w Waker) Fiber() *Fiber { return w.f }

// SetTag records v with f, which must belong to s, for the owner, who
// gives it a meaning: package bridge records there which request a fiber
// serves. The fiber runtime never reads it. [Scheduler.SpawnTagged] sets it
// before the fiber's first run. It must be called by the owner.
func (s *Scheduler) SetTag(f *Fiber, v any) {
	if f.s != s {
		misuse("Scheduler.SetTag: the fiber belongs to another scheduler")
	}
	f.tag = v
}

// Tag returns the value recorded with [Scheduler.SetTag] (or
// [Scheduler.SpawnTagged]) for f, which must belong to s, or nil. It must
// be called by the owner.
func (s *Scheduler) Tag(f *Fiber) any {
	if f.s != s {
		misuse("Scheduler.Tag: the fiber belongs to another scheduler")
	}
	return f.tag
}

// waker returns a Waker for f's next suspension, for waits of this package
// that have already checked for Critical.
func (f *Fiber) waker() Waker { return Waker{f: f, seq: f.seq} }
