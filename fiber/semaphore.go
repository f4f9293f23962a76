package fiber

import "strconv"

// Semaphore is a weighted semaphore for fibers, like
// [golang.org/x/sync/semaphore] but suspending fibers instead of blocking
// goroutines. Waiters are served in FIFO order: a large request at the head
// of the queue holds back smaller ones behind it, so none starves.
//
// Create one with [NewSemaphore]; the zero value has size 0 and is of no
// use. A Semaphore must not be copied after first use. It must be used only
// by the owner of the fibers that acquire it.
type Semaphore struct {
	size, cur int64
	q         waitq[int64]
}

// semWaiter is a semaphore waiter; when it is cancelled, the waiters behind
// it may be able to proceed.
type semWaiter struct {
	waiter[int64]
	s *Semaphore
}

func (w *semWaiter) unlink() {
	if w.q != nil {
		w.q.remove(&w.waiter)
		w.s.notify()
	}
}

// NewSemaphore returns a semaphore of the given size (the total weight that
// may be held at once).
func NewSemaphore(size int64) *Semaphore {
	if size < 0 {
		misuse("NewSemaphore with a negative size")
	}
	return &Semaphore{size: size}
}

// Acquire acquires a weight of n for f, suspending f until it is
// available. It returns nil once the weight is held, or the cancellation
// error if f is cancelled first (the semaphore is then unchanged). Available
// weight is taken without suspending, even by a cancelled fiber.
//
// Acquire is a suspension point: it must be called by f itself. Asking for
// more than the semaphore's size, or a negative weight, panics.
func (s *Semaphore) Acquire(f *Fiber, n int64) error {
	if n < 0 || n > s.size {
		misuse("Semaphore.Acquire(" + strconv.FormatInt(n, 10) + ") with size " + strconv.FormatInt(s.size, 10))
	}
	if s.q.n == 0 && s.size-s.cur >= n {
		s.cur += n
		return nil
	}
	w := &semWaiter{waiter: waiter[int64]{f: f, v: n}, s: s}
	s.q.push(&w.waiter)
	f.waitN = n
	return f.suspend("semaphore", w)
}

// TryAcquire acquires a weight of n if it is available without waiting,
// and reports whether it did. It does not suspend.
func (s *Semaphore) TryAcquire(n int64) bool {
	if n < 0 || s.q.n > 0 || s.size-s.cur < n {
		return false
	}
	s.cur += n
	return true
}

// Release releases a weight of n and wakes the waiters that can now
// proceed. It does not suspend. Releasing more than is held panics.
func (s *Semaphore) Release(n int64) {
	if n < 0 || n > s.cur {
		misuse("Semaphore.Release(" + strconv.FormatInt(n, 10) + ") with " + strconv.FormatInt(s.cur, 10) + " held")
	}
	s.cur -= n
	s.notify()
}

// notify hands weight to waiters at the head of the queue while it lasts.
func (s *Semaphore) notify() {
	for w := s.q.head; w != nil && s.size-s.cur >= w.v; w = s.q.head {
		s.q.remove(w)
		s.cur += w.v
		w.f.s.wake(w.f, nil)
	}
}

// Held returns the weight currently held.
func (s *Semaphore) Held() int64 { return s.cur }
