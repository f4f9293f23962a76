package server

import (
	"sync"

	"github.com/weft-go/weft/fiber"
)

// outbox is where the lines for one channel member or user go. Here it is
// the member's connection queue ([outq]); when channels span nodes, a relay
// to the peer node implements it too. TryPush copies line (the caller may
// reuse it) and reports false if the line was not queued.
type outbox interface {
	TryPush(line []byte) bool
}

// outq is a connection's bounded outbound queue: what has been queued for
// the client and not yet written. Any actor (the connection itself, a
// channel, the registry) pushes complete lines with TryPush; the
// connection's writer fiber takes everything queued at once and writes it
// in one call, so lines pushed while a write is in flight are batched.
//
// A push that would take the queue beyond its size closes it: what was
// queued is dropped and the connection is told, through its scheduler, to
// disconnect the client as a slow consumer ("SendQ exceeded").
//
// Create one with newOutq; the zero value is not usable and an outq must
// not be copied. TryPush is safe for concurrent use; take, closeWith and
// ready belong to the owning connection's turns.
type outq struct {
	max        int
	post       func(func()) bool // the owner scheduler's Post
	wakeFn     func()            // runs on the owner: wakes the writer
	overflowFn func()            // runs on the owner: disconnects the client

	ready fiber.Event // set when lines are queued; owned by the connection's turns

	mu       sync.Mutex // guards the fields below
	buf      []byte     // queued lines
	notified bool       // a wake-up was posted since the last take
	closed   bool       // no more pushes
	final    bool       // the closing line was queued
}

// newOutq returns a queue of size bytes whose owner is sched; overflow runs
// on the owner when the queue overflows.
func newOutq(size int, sched *fiber.Scheduler, overflow func()) *outq {
	q := &outq{max: size, post: sched.Post, overflowFn: overflow}
	q.wakeFn = q.ready.Set
	return q
}

// TryPush queues a copy of line, which must be one or more complete lines
// (CR LF terminated). It reports false, and queues nothing, if the queue
// is closed or line does not fit; in the second case the queue closes
// (slow consumer). The first push after a take wakes the writer. TryPush
// never blocks on I/O; its cost is one mutex and a copy (plus a scheduler
// post when the writer needs waking).
func (q *outq) TryPush(line []byte) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	if len(q.buf)+len(line) > q.max {
		q.closed = true
		q.buf = q.buf[:0]
		q.mu.Unlock()
		q.post(q.overflowFn)
		return false
	}
	q.buf = append(q.buf, line...)
	wake := !q.notified
	q.notified = true
	q.mu.Unlock()
	if wake {
		q.post(q.wakeFn)
	}
	return true
}

// closeWith closes the queue to further pushes and queues final (the
// closing ERROR line) after what is queued, beyond the size limit. Only the
// first call queues its line.
func (q *outq) closeWith(final []byte) {
	q.mu.Lock()
	if q.final {
		q.mu.Unlock()
		return
	}
	q.closed, q.final = true, true
	q.buf = append(q.buf, final...)
	q.mu.Unlock()
	q.ready.Set()
}

// take returns everything queued, leaving spare (emptied) as the new
// buffer, and reports whether the queue is closed: if it is and take
// returned nothing, nothing more will come.
func (q *outq) take(spare []byte) (data []byte, closed bool) {
	q.mu.Lock()
	data, q.buf = q.buf, spare[:0]
	q.notified = false
	closed = q.closed
	q.mu.Unlock()
	return data, closed
}
