package fiber

// Mutex is a mutual-exclusion lock for fibers, for critical sections that
// span suspension points (between two suspension points a fiber already has
// its scheduler to itself). Waiting fibers get the lock in FIFO order: Unlock
// hands it to the longest waiter.
//
// The zero value is an unlocked mutex. A Mutex must not be copied after
// first use. It must be used only by the owner of the fibers that lock it.
type Mutex struct {
	owner *Fiber
	q     waitq[struct{}]
}

// Lock locks m for f, suspending f until m is free. It returns nil once f
// holds the lock, or the cancellation error if f is cancelled first (f then
// does not hold the lock). A free mutex is taken without suspending, even by
// a cancelled fiber.
//
// Lock is a suspension point: it must be called by f itself. Locking a
// mutex f already holds panics.
func (m *Mutex) Lock(f *Fiber) error {
	switch m.owner {
	case nil:
		m.owner = f
		return nil
	case f:
		misuse("Mutex.Lock: fiber " + f.Name() + " already holds the mutex")
	}
	w := &waiter[struct{}]{f: f}
	m.q.push(w)
	f.waitFor = m
	return f.suspend("mutex", w)
}

// TryLock locks m for f if it is free and reports whether it did. It does
// not suspend.
func (m *Mutex) TryLock(f *Fiber) bool {
	if m.owner != nil {
		return false
	}
	m.owner = f
	return true
}

// Unlock unlocks m, handing it to the longest-waiting fiber if there is
// one. It does not suspend, and may be called by another fiber than the
// holder, or by the owner. Unlocking an unlocked mutex panics.
func (m *Mutex) Unlock() {
	if m.owner == nil {
		misuse("Mutex.Unlock of an unlocked mutex")
	}
	w := m.q.pop()
	if w == nil {
		m.owner = nil
		return
	}
	m.owner = w.f
	w.f.s.wake(w.f, nil)
}

// Holder returns the fiber holding m, or nil if m is unlocked.
func (m *Mutex) Holder() *Fiber { return m.owner }
