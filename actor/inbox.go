package actor

import (
	"slices"
	"sync"

	"github.com/weft-go/weft/fiber"
)

// Inbox is a bounded queue of values of type T that belongs to one actor:
// any actor or goroutine pushes values with [Inbox.TryPush], which never
// blocks, and a fiber of the owning actor takes everything queued at once
// with [Inbox.Take], which suspends the fiber until there is something to
// take. It is the primitive for fan-out into an actor that must not be
// held up by its senders, nor hold them up: a connection's outbound queue,
// a subscriber's feed. The values are handed over as they are: a value
// that points to memory (a []byte line) is shared with the taker, so the
// pusher must not modify that memory afterwards; one immutable line pushed
// into the inboxes of many actors is the intended use.
//
// The inbox is bounded by a limit on the number of values it holds or,
// with [InboxWeight], on their total weight (such as their length in
// bytes). A push that does not fit overflows the inbox: the value is
// refused, the inbox closes and drops what it holds, and its actor is told
// in one of its turns (see [NewInbox]), so that the actor can cut off a
// consumer that cannot keep up, where a blocking queue would stall every
// sender behind it.
//
// Create one with [NewInbox]; the zero value is not usable and an Inbox
// must not be copied. [Inbox.TryPush], [Inbox.Close] and [Inbox.Len] are
// safe for concurrent use, from any goroutine; [Inbox.Take] must be called
// by a fiber of the owning actor. A TryPush that queues a value
// synchronizes before the Take that returns it.
type Inbox[T any] struct {
	limit  int
	weight func(T) int      // nil: every value weighs 1
	kick   func()           // nil: no hand-off (see InboxHandOff)
	sched  *fiber.Scheduler // the owner's: wake-ups are posted to it
	wakeFn func()           // posted by the first push after a Take, and by Close
	fullFn func()           // posted by the overflowing push

	ready   fiber.Event // set when values are queued or the inbox closes; owned by the actor's turns
	overran bool        // fullFn has run; owned by the actor's turns

	mu       sync.Mutex // guards the fields below
	vals     []T
	load     int    // total weight of vals
	notified bool   // a wake-up was posted since the last Take took values
	waiting  bool   // a Take waits for values: its fiber handles none
	handed   bool   // the values are handed off, until Release (see InboxHandOff)
	parked   func() // run by the next wake-up instead of waking a Take (see Park)
	err      error  // nil while open; ErrInboxClosed or ErrInboxFull once closed
}

// InboxOption configures an [Inbox]; see [NewInbox].
type InboxOption[T any] func(*inboxConfig[T])

type inboxConfig[T any] struct {
	weight func(T) int
	kick   func()
}

// InboxWeight makes the limit of an inbox bound the total weight of the
// values it holds, weight(v) for each value v, instead of their number:
//
//	actor.InboxWeight(func(line []byte) int { return len(line) }) // a bound in bytes
//
// weight is called by [Inbox.TryPush], on the pushing goroutine, outside
// the inbox's lock: it must be safe for concurrent use and cheap. A value
// of weight 0 takes no room; a negative weight makes TryPush panic.
func InboxWeight[T any](weight func(T) int) InboxOption[T] {
	return func(c *inboxConfig[T]) { c.weight = weight }
}

// InboxHandOff lets a consumer that is not a fiber (a goroutine serving
// many inboxes) take the values while the inbox's fiber is idle: when
// [Inbox.TryPush] queues a value into an empty inbox whose taking fiber
// waits in [Inbox.Take], it calls kick on the pushing goroutine instead of
// waking the fiber. The inbox is then handed off: later pushes queue
// without waking the fiber, and Take waits, until the consumer called by
// kick takes the values with [Inbox.Drain], from any goroutine, and gives
// the inbox back with [Inbox.Release], with what it did not handle:
//
//	actor.InboxHandOff[[]byte](func() { flusher.add(conn) }) // its goroutine drains, writes, releases
//
// It is for a connection's outbound queue: a line pushed to an idle
// connection costs a shared writer goroutine a system call, and the
// connection's actor no turn. The order of the values is kept, as the
// limit is: values count until they are drained, and values given back
// count again. kick must not block nor push into the inbox; the inbox
// must have one taking fiber (with several, one may handle a batch while
// another value is handed off).
func InboxHandOff[T any](kick func()) InboxOption[T] {
	return func(c *inboxConfig[T]) { c.kick = kick }
}

// NewInbox returns an open inbox that belongs to the actor self: values
// are taken by self's fibers, and wake-ups go through self's mailbox. It
// holds at most limit values (with [InboxWeight]: values of at most limit
// total weight); limit must be positive.
//
// When a push overflows the inbox, overflow's message is delivered to the
// actor in one of its turns, as a message of its protocol: to a fiber
// waiting for it with [Receive], or else to the behavior; it comes before
// [Inbox.Take] reports the overflow. A nil overflow delivers nothing: the
// taking fiber still learns of it from Take. Nothing is delivered once the
// actor is stopping.
//
//	out := actor.NewInbox(self, 256<<10, func() ConnMsg { return SlowConsumer{} },
//		actor.InboxWeight(func(line []byte) int { return len(line) }))
//
// Call NewInbox from the actor's turns (its behavior, hooks or fibers),
// then hand the inbox to whoever pushes. An inbox belongs to one
// incarnation of its actor: it closes when that incarnation stops or
// restarts (after the behavior's Stopping hook, before its fibers are
// cancelled), so that later pushes fail at once. An inbox costs a few
// small allocations (about 220 bytes) and no goroutine.
func NewInbox[T, M any](self *Self[M], limit int, overflow func() M, opts ...InboxOption[T]) *Inbox[T] {
	if limit <= 0 {
		panic("actor: NewInbox with a limit that is not positive")
	}
	var c inboxConfig[T]
	for _, o := range opts {
		o(&c)
	}
	q := &Inbox[T]{limit: limit, weight: c.weight, kick: c.kick, sched: self.host.Scheduler()}
	self.inboxes = append(self.inboxes, q)
	q.wakeFn = q.wake
	q.fullFn = func() {
		if overflow != nil && !self.host.Stopped() {
			msg := overflow()
			if !self.host.Offer(msg, nil) {
				self.behavior.Receive(self, msg)
			}
		}
		q.overran = true
		q.wake()
	}
	return q
}

// wake runs on the owner for a push that needs a taker, a Release with a
// rest, a Close or an overflow: it runs the parked function, if any, or
// wakes the waiting Take.
func (q *Inbox[T]) wake() {
	q.mu.Lock()
	fn := q.parked
	if fn != nil {
		q.parked, q.waiting = nil, false
	}
	q.mu.Unlock()
	if fn != nil {
		fn()
		return
	}
	q.ready.Set()
}

// Park lets the taking fiber end while there is nothing to take, so that
// an idle inbox holds no fiber: if the inbox holds values, or has been
// closed or has overflowed, Park returns false (the fiber takes them, or
// the error, with [Inbox.Take]). Otherwise it returns true and keeps fn,
// and the inbox counts as having a waiting taker (so that a hand-off,
// see [InboxHandOff], may take its values); fn runs once, on the owner
// (outside any fiber, where the fibers' wake-ups run, so that it may
// spawn a fiber), instead of the wake-up of a Take: when a push or a
// Release leaves values for a taker, or the inbox closes or overflows.
// Then a Take finds them without waiting. The inbox's actor stopping
// drops fn.
//
//	for !out.Park(startWriter) { // startWriter spawns the next writer fiber
//		batch, err = out.Take(f, batch)
//		...
//	}
//
// Park must be called by the actor's turns (a fiber or a hook), while no
// fiber waits in Take and no other function is parked; it does not
// suspend.
func (q *Inbox[T]) Park(fn func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiting {
		panic("actor: Inbox.Park while a Take waits or a function is parked")
	}
	if (len(q.vals) > 0 && !q.handed) || q.err != nil {
		return false
	}
	q.waiting, q.parked = true, fn
	return true
}

// TryPush queues v and reports whether it did. It reports false, and
// queues nothing, if the inbox is closed (its actor's stop closes it, see
// [NewInbox]) or if v does not fit, which overflows the inbox. It never
// blocks.
//
// TryPush is safe for concurrent use. It costs one lock and an append,
// about 25 ns and no allocation (BenchmarkInbox); the first push after a
// Take also posts a wake-up to the owning actor, which costs one mailbox
// message if the actor is idle. With [InboxHandOff], a push into an empty
// inbox whose fiber waits calls the inbox's kick function instead.
func (q *Inbox[T]) TryPush(v T) bool {
	w := 1
	if q.weight != nil {
		if w = q.weight(v); w < 0 {
			panic("actor: Inbox weight of a value is negative")
		}
	}
	q.mu.Lock()
	if q.err != nil {
		q.mu.Unlock()
		return false
	}
	if q.load+w > q.limit {
		q.err = ErrInboxFull
		q.vals, q.load = nil, 0
		q.mu.Unlock()
		q.sched.Post(q.fullFn)
		return false
	}
	q.vals = append(q.vals, v)
	q.load += w
	if q.kick != nil && q.waiting && !q.handed && len(q.vals) == 1 {
		q.handed = true
		q.mu.Unlock()
		q.kick()
		return true
	}
	wake := !q.notified && !q.handed // Release wakes the fiber for values pushed while handed off
	q.notified = q.notified || wake
	q.mu.Unlock()
	if wake && !q.sched.Post(q.wakeFn) {
		// The owner has stopped: nothing will take the values.
		q.mu.Lock()
		q.err, q.vals, q.load = ErrInboxClosed, nil, 0
		q.mu.Unlock()
		return false
	}
	return true
}

// Drain returns the values queued, in the order they were pushed, and
// empties the inbox, as [Inbox.Take] does, without waiting; spare is as
// for Take. Only the consumer of a hand-off may call it (see
// [InboxHandOff]): after its kick function was called and before it calls
// [Inbox.Release]. It may be called from any goroutine. After the inbox
// was closed, Drain still returns what is queued.
func (q *Inbox[T]) Drain(spare []T) []T {
	clear(spare)
	q.mu.Lock()
	vals := q.vals
	q.vals, q.load = spare[:0], 0
	q.mu.Unlock()
	return vals
}

// Release ends a hand-off (see [InboxHandOff]): rest, values that Drain
// returned and the consumer did not handle (such as the part of a line
// the socket would not take), go back in front of the queue, and the
// taking fiber is woken if anything is queued or the inbox was closed.
// If rest is empty and values were pushed since the last Drain, the inbox
// stays handed off and Release reports true: the consumer drains it
// again, later (so that values pushed meanwhile are batched), and
// releases it again. Release may be called from any goroutine; rest is
// not retained.
func (q *Inbox[T]) Release(rest []T) (again bool) {
	q.mu.Lock()
	if len(rest) == 0 && len(q.vals) > 0 && q.err == nil {
		q.mu.Unlock()
		return true
	}
	q.handed = false
	if len(rest) > 0 && q.err != ErrInboxFull {
		q.vals = slices.Insert(q.vals, 0, rest...)
		for _, v := range rest {
			if q.weight != nil {
				q.load += q.weight(v)
			} else {
				q.load++
			}
		}
	}
	wake := (len(q.vals) > 0 || q.err != nil) && !q.notified
	q.notified = q.notified || wake
	q.mu.Unlock()
	if wake {
		q.sched.Post(q.wakeFn)
	}
	return false
}

// Take suspends f until the inbox holds values, then returns all of them,
// in the order they were pushed, and empties the inbox. Once the inbox has
// been closed with [Inbox.Close], Take returns what is still queued, then
// an empty slice and [ErrInboxClosed] without suspending. Once it has
// overflowed (which dropped what was queued), Take returns an empty slice
// and [ErrInboxFull], after the overflow notice has been delivered (see
// [NewInbox]). If f is cancelled while it waits, Take returns the
// cancellation error and the inbox keeps its values.
//
// spare is a slice Take may keep for the values pushed next, usually the
// batch the previous Take returned, once the caller is done with it:
//
//	var batch []T
//	for {
//		batch, err = inbox.Take(f, batch)
//		...
//	}
//
// Handing batches back so makes a steady stream of Takes allocate
// nothing; Take clears spare's elements first, so that the values it held
// are not kept alive. The caller must not use spare afterwards. A nil
// spare is fine.
//
// Take is a suspension point: it must be called by f itself, and f must
// be a fiber of the inbox's actor (it panics otherwise). Several fibers
// may wait in Take; each batch goes to one of them.
func (q *Inbox[T]) Take(f *fiber.Fiber, spare []T) ([]T, error) {
	if f.Scheduler() != q.sched {
		panic("actor: Inbox.Take by a fiber of another actor")
	}
	clear(spare)
	spare = spare[:0]
	for {
		q.mu.Lock()
		if len(q.vals) > 0 && !q.handed {
			vals := q.vals
			q.vals, q.load, q.notified, q.waiting = spare, 0, false, false
			q.mu.Unlock()
			return vals, nil
		}
		err := q.err
		if err != nil && !q.handed && (err != ErrInboxFull || q.overran) {
			q.waiting = false
			q.mu.Unlock()
			return spare, err
		}
		// Empty and open, or overflowed with the notice still to come,
		// or handed off (InboxHandOff) until Release, which may give
		// values back. A push from now on (or the Release) posts a
		// wake-up that runs after the Wait below has suspended f: posted
		// functions run only between the fibers' runs.
		q.waiting = true
		q.mu.Unlock()
		q.ready.Reset()
		if err := q.ready.Wait(f); err != nil {
			// The next push posts a wake-up again: if f was cancelled
			// because its actor stopped, that push finds it gone.
			q.mu.Lock()
			q.notified, q.waiting = false, false
			q.mu.Unlock()
			return spare, err
		}
	}
}

// Close closes the inbox: later pushes fail, and [Inbox.Take] returns what
// is queued, then [ErrInboxClosed]. It does not wait. Closing a closed
// inbox (or one that overflowed) does nothing. Close is safe for
// concurrent use.
func (q *Inbox[T]) Close() {
	q.mu.Lock()
	if q.err != nil {
		q.mu.Unlock()
		return
	}
	q.err = ErrInboxClosed
	q.mu.Unlock()
	q.sched.Post(q.wakeFn)
}

// ownerStopped closes the inbox when its actor stops or restarts; it runs
// in the actor's turn, after the Stopping (or Restarting) hook. A fiber
// waiting in Take is not woken: its cancellation, which follows, tells it
// why ([ErrStopped] or [ErrRestarted]).
func (q *Inbox[T]) ownerStopped() {
	q.mu.Lock()
	if q.err == nil {
		q.err = ErrInboxClosed
	}
	q.parked = nil
	q.mu.Unlock()
}

// Len returns the number of values queued. It is safe for concurrent use;
// the value may be stale by the time it is used.
func (q *Inbox[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.vals)
}
