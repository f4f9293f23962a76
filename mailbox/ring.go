package mailbox

// entry is one queued message and, with WithQueueTime, when it was queued
// (nanoseconds since the mailbox's base time).
type entry struct {
	msg any
	at  int64
}

// ring is a FIFO queue of entries in a chain of chunks: a queue that
// grows adds a chunk (twice the last one's size, up to maxChunk entries)
// instead of copying its entries into a buffer twice as large, which a
// flooded actor's mailbox would do under its lock, megabytes at a time,
// while the sender and the turn wait on the lock. A drained chunk is
// dropped, but the last one, kept if small for the next messages. The
// zero value is an empty queue. It is not safe for concurrent use: a
// Mailbox guards its queues with its lock.
type ring struct {
	head, tail *chunk // head: the chunk popped from; tail: pushed to
	hi         int32  // index of the next pop in head
	n          int32  // entries queued
}

// chunk is a link of a ring: w of its entries written so far.
type chunk struct {
	next *chunk
	w    int32
	buf  []entry
}

const (
	firstChunk = 2   // most actors see a few messages at a time
	maxChunk   = 256 // 6 KiB of entries
	keepChunk  = 64  // the largest chunk an emptied queue keeps
)

func (r *ring) push(e entry) {
	t := r.tail
	switch {
	case t == nil:
		t = &chunk{buf: make([]entry, firstChunk)}
		r.head, r.tail = t, t
	case int(t.w) == len(t.buf):
		c := &chunk{buf: make([]entry, min(2*len(t.buf), maxChunk))}
		t.next, r.tail = c, c
		t = c
	}
	t.buf[t.w] = e
	t.w++
	r.n++
}

// pop removes and returns the oldest entry; the ring must not be empty.
func (r *ring) pop() entry {
	h := r.head
	e := h.buf[r.hi]
	h.buf[r.hi] = entry{}
	r.hi++
	r.n--
	if r.hi == h.w {
		r.hi = 0
		switch {
		case h.next != nil:
			r.head, h.next = h.next, nil
		case len(h.buf) <= keepChunk:
			h.w = 0 // empty: the next push starts over in it
		default:
			r.head, r.tail = nil, nil
		}
	}
	return e
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
