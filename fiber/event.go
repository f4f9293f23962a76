package fiber

// Event is a flag that fibers can wait for: [Event.Set] wakes every fiber
// waiting in [Event.Wait], and later waits return at once until
// [Event.Reset].
//
// The zero value is an unset event, ready to use. An Event must not be
// copied after first use. Like every fiber primitive, it must be used only
// by the owner of the fibers that wait on it (their fibers, or the code
// driving their scheduler).
type Event struct {
	set bool
	q   waitq[struct{}]
}

// Set sets the event and wakes every waiting fiber. Setting a set event
// does nothing. Set does not suspend.
func (e *Event) Set() {
	e.set = true
	for w := e.q.pop(); w != nil; w = e.q.pop() {
		w.f.s.wake(w.f, nil)
	}
}

// Reset clears the event, so that later waits suspend again. Fibers woken
// by an earlier [Event.Set] stay woken.
func (e *Event) Reset() { e.set = false }

// IsSet reports whether the event is set.
func (e *Event) IsSet() bool { return e.set }

// Wait suspends f until the event is set; it returns at once if it is. It
// returns nil, or the cancellation error if f is cancelled first.
//
// Wait is a suspension point: it must be called by f itself.
func (e *Event) Wait(f *Fiber) error {
	if e.set {
		return nil
	}
	w := &waiter[struct{}]{f: f}
	e.q.push(w)
	return f.suspend("event", w)
}
