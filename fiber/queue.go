package fiber

// runQueue is the FIFO of ready fibers: a power-of-two ring buffer that
// grows on demand and never shrinks. Owned by the scheduler's owner.
type runQueue struct {
	buf  []*Fiber
	head int32
	n    int32
}

func (q *runQueue) len() int { return int(q.n) }

func (q *runQueue) push(f *Fiber) {
	if int(q.n) == len(q.buf) {
		q.grow()
	}
	q.buf[(int(q.head)+int(q.n))&(len(q.buf)-1)] = f
	q.n++
}

func (q *runQueue) pop() *Fiber {
	if q.n == 0 {
		return nil
	}
	f := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = int32((int(q.head) + 1) & (len(q.buf) - 1))
	q.n--
	return f
}

func (q *runQueue) grow() {
	size := max(16, 2*len(q.buf))
	buf := make([]*Fiber, size)
	for i := range int(q.n) {
		buf[i] = q.buf[(int(q.head)+i)&(len(q.buf)-1)]
	}
	q.buf, q.head = buf, 0
}

// waiter is a fiber parked in a [waitq], with a slot for the value handed
// to it (a channel element, a semaphore weight) and whether it got one.
type waiter[T any] struct {
	f          *Fiber
	v          T
	ok         bool
	q          *waitq[T]
	prev, next *waiter[T]
}

// unlink removes w from its queue; the scheduler calls it when the waiting
// fiber is cancelled. It is a no-op once w has been dequeued.
func (w *waiter[T]) unlink() {
	if w.q != nil {
		w.q.remove(w)
	}
}

// waitq is an intrusive FIFO of waiters. The zero value is an empty queue.
// Owned by the scheduler's owner, like everything the waiters touch.
type waitq[T any] struct {
	head, tail *waiter[T]
	n          int
}

func (q *waitq[T]) push(w *waiter[T]) {
	w.q = q
	w.prev = q.tail
	if q.tail == nil {
		q.head = w
	} else {
		q.tail.next = w
	}
	q.tail = w
	q.n++
}

func (q *waitq[T]) pop() *waiter[T] {
	w := q.head
	if w != nil {
		q.remove(w)
	}
	return w
}

func (q *waitq[T]) remove(w *waiter[T]) {
	if w.prev == nil {
		q.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		q.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next, w.q = nil, nil, nil
	q.n--
}
