package fiber

// Chan is a bounded FIFO queue of values of type T between fibers, with
// close: a fiber channel. [Chan.Send] suspends while the queue is full and
// [Chan.Recv] while it is empty. A capacity of 0 makes every send wait for a
// receiver (a rendezvous), as with an unbuffered Go channel.
//
// Values are never lost silently: a send either delivers its value (into the
// buffer or to a receiver) and returns nil, or returns an error and the
// value was not delivered. Closing the channel fails pending and later sends
// with [ErrClosed]; receivers drain what is buffered, then get [ErrClosed].
//
// Create one with [NewChan]; the zero value is an open channel of capacity
// 0, ready to use. A Chan must not be copied after first use. Like every fiber primitive it must be used only by the owner of
// the fibers that use it; the Try methods and Close do not suspend, so the
// owner's own code (an actor's message handler) may call them to feed or
// drain fibers.
type Chan[T any] struct {
	buf    []T
	head   int
	n      int
	closed bool
	recvq  waitq[T] // receivers waiting for a value; handed one in v with ok set
	sendq  waitq[T] // senders waiting for room, their value in v
}

// NewChan returns an open channel that buffers up to capacity values.
func NewChan[T any](capacity int) *Chan[T] {
	if capacity < 0 {
		misuse("NewChan with a negative capacity")
	}
	return &Chan[T]{buf: make([]T, capacity)}
}

func (c *Chan[T]) put(v T) {
	c.buf[(c.head+c.n)%len(c.buf)] = v
	c.n++
}

func (c *Chan[T]) take() T {
	var zero T
	v := c.buf[c.head]
	c.buf[c.head] = zero
	c.head = (c.head + 1) % len(c.buf)
	c.n--
	return v
}

// TrySend delivers v without suspending if a receiver is waiting or the
// buffer has room, and reports whether it did. It reports false on a closed
// channel.
func (c *Chan[T]) TrySend(v T) bool {
	if c.closed {
		return false
	}
	if w := c.recvq.pop(); w != nil {
		w.v, w.ok = v, true
		w.f.s.wake(w.f, nil)
		return true
	}
	if c.n < len(c.buf) {
		c.put(v)
		return true
	}
	return false
}

// Send delivers v, suspending f while the channel is full. It returns nil
// once v is delivered, [ErrClosed] if the channel is or gets closed first,
// or the cancellation error if f is cancelled first; in both error cases v
// was not delivered.
//
// Send is a suspension point: it must be called by f itself.
func (c *Chan[T]) Send(f *Fiber, v T) error {
	if c.closed {
		return ErrClosed
	}
	if c.TrySend(v) {
		return nil
	}
	w := &waiter[T]{f: f, v: v}
	c.sendq.push(w)
	if err := f.suspend("chan send", w); err != nil {
		return err
	}
	if !w.ok {
		return ErrClosed
	}
	return nil
}

// TryRecv takes the next value without suspending, if there is one, and
// reports whether it did.
func (c *Chan[T]) TryRecv() (T, bool) {
	if c.n > 0 {
		v := c.take()
		if w := c.sendq.pop(); w != nil {
			c.put(w.v)
			w.ok = true
			w.f.s.wake(w.f, nil)
		}
		return v, true
	}
	if w := c.sendq.pop(); w != nil {
		w.ok = true
		w.f.s.wake(w.f, nil)
		return w.v, true
	}
	var zero T
	return zero, false
}

// Recv takes the next value, suspending f while the channel is empty. It
// returns the value and nil, or the zero value and [ErrClosed] once the
// channel is closed and drained, or the cancellation error if f is
// cancelled first (no value is then taken).
//
// Recv is a suspension point: it must be called by f itself.
func (c *Chan[T]) Recv(f *Fiber) (T, error) {
	if v, ok := c.TryRecv(); ok {
		return v, nil
	}
	var zero T
	if c.closed {
		return zero, ErrClosed
	}
	w := &waiter[T]{f: f}
	c.recvq.push(w)
	if err := f.suspend("chan recv", w); err != nil {
		return zero, err
	}
	if !w.ok {
		return zero, ErrClosed
	}
	return w.v, nil
}

// Close closes the channel: waiting receivers get [ErrClosed], waiting
// senders get [ErrClosed] and their values are not delivered, later sends
// fail, and later receives drain the buffer before they fail. Close does not
// suspend and closing a closed channel does nothing.
func (c *Chan[T]) Close() {
	if c.closed {
		return
	}
	c.closed = true
	for w := c.recvq.pop(); w != nil; w = c.recvq.pop() {
		w.f.s.wake(w.f, nil)
	}
	for w := c.sendq.pop(); w != nil; w = c.sendq.pop() {
		w.f.s.wake(w.f, nil)
	}
}

// Closed reports whether the channel has been closed.
func (c *Chan[T]) Closed() bool { return c.closed }

// Len returns the number of buffered values.
func (c *Chan[T]) Len() int { return c.n }

// Cap returns the channel's capacity.
func (c *Chan[T]) Cap() int { return len(c.buf) }
