package mailbox

// entry is one queued message and, with WithQueueTime, when it was queued
// (nanoseconds since the mailbox's base time).
type entry struct {
	msg any
	at  int64
}

// ring is a FIFO queue of entries in a growable circular buffer whose
// length is a power of two. The zero value is an empty queue. It is not
// safe for concurrent use: a Mailbox guards its rings with its lock.
type ring struct {
	buf  []entry
	head int32
	n    int32
}

// shrinkAbove is the buffer length above which an emptied ring frees its
// buffer, so that a burst does not pin memory for the actor's lifetime.
const shrinkAbove = 1024

func (r *ring) push(e entry) {
	if int(r.n) == len(r.buf) {
		r.grow()
	}
	r.buf[int(r.head+r.n)&(len(r.buf)-1)] = e
	r.n++
}

// pop removes and returns the oldest entry; the ring must not be empty.
func (r *ring) pop() entry {
	e := r.buf[r.head]
	r.buf[r.head] = entry{}
	r.head = (r.head + 1) & int32(len(r.buf)-1)
	r.n--
	if r.n == 0 {
		r.head = 0
		if len(r.buf) > shrinkAbove {
			r.buf = nil
		}
	}
	return e
}

func (r *ring) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = 2 // most actors see a few messages at a time
	}
	buf := make([]entry, size)
	k := copy(buf, r.buf[r.head:])
	copy(buf[k:], r.buf[:r.head])
	r.buf, r.head = buf, 0
}

// sysQueue is the FIFO queue of system messages: the first waiting
// message has a slot of its own, so that the few system messages of an
// actor's life (Started, a watch, Stop), which seldom wait together,
// need no buffer. The zero value is an empty queue.
type sysQueue struct {
	first any  // the oldest message, if any; nil while rest is empty too
	rest  ring // the messages after first
}

func (q *sysQueue) empty() bool { return q.first == nil }

func (q *sysQueue) push(msg any) {
	if q.first == nil {
		q.first = msg
		return
	}
	q.rest.push(entry{msg: msg})
}

// pop removes and returns the oldest message; the queue must not be
// empty.
func (q *sysQueue) pop() any {
	msg := q.first
	q.first = nil
	if q.rest.n > 0 {
		q.first = q.rest.pop().msg
	}
	return msg
}
