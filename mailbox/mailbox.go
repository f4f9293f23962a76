package mailbox

import (
	"runtime"
	"sync"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
)

// ControlMessage is implemented by user messages that take the control
// lane of a mailbox made [WithPriority]: they are handed to the actor after
// system messages and before every ordinary user message, in the order
// they arrived. A message in a [*pa.MessageEnvelope] (a request) counts
// when the enveloped message implements ControlMessage. Without
// WithPriority, control messages are ordinary.
type ControlMessage interface {
	ControlMessage()
}

// Option configures the mailboxes a producer ([Unbounded], [Bounded])
// makes.
type Option func(*config)

type config struct {
	metrics   *Metrics
	queueTime bool
	priority  bool
	mw        []pa.MailboxMiddleware
}

// WithMetrics makes the mailboxes count what happens in them in m (see
// [Metrics]). Counting costs two atomic adds per message, about 10 ns.
func WithMetrics(m *Metrics) Option { return func(c *config) { c.metrics = m } }

// WithQueueTime makes the mailboxes measure how long each user message
// waits in the queue, into the [Metrics] given with [WithMetrics] (without
// metrics it does nothing). It reads the clock when a message is queued
// and when it is handed to the actor: about 50 ns per message, five times
// what the counters of [WithMetrics] cost, which is why it is off by
// default.
func WithQueueTime() Option { return func(c *config) { c.queueTime = true } }

// WithPriority gives the mailboxes a control lane: user messages that
// implement [ControlMessage] are handed to the actor before ordinary ones.
// It costs one type check per posted message. System messages always come
// first, with or without it.
func WithPriority() Option { return func(c *config) { c.priority = true } }

// WithMiddleware installs protoactor mailbox middlewares. Each mailbox
// calls MailboxStarted when the actor starts, MessagePosted for every
// system message and for every user message it queues (not for those it
// drops or refuses), MessageReceived after the actor handled a message,
// and MailboxEmpty when a turn ends with no user message queued and the
// mailbox not suspended. As in protoactor, MailboxEmpty runs after the turn
// has ended, so it may run concurrently with the next turn. Every mailbox
// of a producer shares the middlewares.
func WithMiddleware(mw ...pa.MailboxMiddleware) Option {
	return func(c *config) { c.mw = append(c.mw, mw...) }
}

// Unbounded returns a producer of unbounded mailboxes: the fast path, with
// no overflow policy. Use it with protoactor's WithMailbox props option or
// Weft's actor.WithMailbox.
func Unbounded(opts ...Option) pa.MailboxProducer {
	st := newSettings(newConfig(opts), 0, 0)
	return func() pa.Mailbox { return newMailbox(st) }
}

// Bounded returns a producer of mailboxes that hold at most capacity user
// messages (ordinary and control together; system messages are never
// limited) and apply policy to a message that arrives when they are full.
// It panics if capacity is less than 1 or policy is not one of the
// [Policy] constants.
func Bounded(capacity int, policy Policy, opts ...Option) pa.MailboxProducer {
	if capacity < 1 {
		panic("mailbox: Bounded capacity must be at least 1")
	}
	if !policy.valid() {
		panic("mailbox: invalid overflow policy " + policy.String())
	}
	st := newSettings(newConfig(opts), capacity, policy)
	return func() pa.Mailbox { return newMailbox(st) }
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.metrics == nil {
		c.queueTime = false
	}
	return c
}

// Mailbox is a protoactor mailbox, made by [Unbounded] or [Bounded]. It
// keeps three FIFO lanes: system messages, control messages
// ([WithPriority]) and ordinary user messages, and hands the actor a
// message of the first lane that has one. Capacity, if any, bounds the
// control and ordinary lanes together.
//
// protoactor drives a Mailbox through the [pa.Mailbox] methods; the actor
// package's TrySend and SendWait use [Mailbox.Offer] and
// [Mailbox.PostOrPark] (package actor's TrySend and SendWait use them).
//
// The zero value is not usable and a Mailbox must not be copied. All its
// methods are safe for concurrent use. A post synchronizes before the
// actor handles the message it queued.
type Mailbox struct {
	*settings        // the producer's, shared by its mailboxes; read-only
	processFn func() // m.process, bound once

	// Set once by RegisterHandlers, under mu, before the first turn is
	// scheduled; read under mu by posters and without it by turns (every
	// turn is scheduled in a critical section that follows
	// RegisterHandlers').
	invoker    pa.MessageInvoker
	dispatcher pa.Dispatcher

	mu        sync.Mutex // guards the fields below
	running   bool       // a turn is scheduled or running
	suspended bool       // user messages are held (SuspendMailbox … ResumeMailbox)
	closed    bool       // the actor has been told to stop
	highWater int32      // longest queue so far (kept with metrics only)
	sysq      sysQueue   // system messages
	ctrlq     ring       // control messages (WithPriority)
	userq     ring       // ordinary user messages
	parked    parkList   // fiber senders waiting for room (Suspend)
}

// settings is what the mailboxes of one producer share: an idle actor's
// mailbox is the few words of its own state.
type settings struct {
	capacity int // 0: unbounded
	policy   Policy
	priority bool
	timed    bool
	met      *Metrics // nil: no metrics
	base     time.Time
	mw       []pa.MailboxMiddleware
}

func newSettings(c config, capacity int, policy Policy) *settings {
	st := &settings{capacity: capacity, policy: policy, priority: c.priority, timed: c.queueTime, met: c.metrics, mw: c.mw}
	if st.timed {
		st.base = time.Now()
	}
	return st
}

var _ pa.Mailbox = (*Mailbox)(nil)

func newMailbox(st *settings) *Mailbox {
	m := &Mailbox{settings: st}
	m.processFn = m.process
	return m
}

// stamp returns the time for queue-time measurement, or 0 without it.
func (m *Mailbox) stamp() int64 {
	if !m.timed {
		return 0
	}
	return int64(time.Since(m.base))
}

// isControl reports whether msg, or the message in its envelope, is a
// control message.
func isControl(msg any) bool {
	if _, ok := msg.(ControlMessage); ok {
		return true
	}
	if env, ok := msg.(*pa.MessageEnvelope); ok {
		_, ok = env.Message.(ControlMessage)
		return ok
	}
	return false
}

// batchOf returns msg, or the message in its envelope, as a protoactor
// message batch, or nil.
func batchOf(msg any) pa.MessageBatch {
	if b, ok := msg.(pa.MessageBatch); ok {
		return b
	}
	if env, ok := msg.(*pa.MessageEnvelope); ok {
		b, _ := env.Message.(pa.MessageBatch)
		return b
	}
	return nil
}

// PostUserMessage queues a user message, applying the overflow policy if
// the mailbox is full: [DropNewest] and [DropOldest] drop (and count);
// [Reject] and [Suspend] refuse (count, answer the sender if the message
// carries one with a [*Rejected], and publish a [pa.DeadLetterEvent]). It
// never blocks. As in protoactor, a [pa.MessageBatch] is posted as its
// messages, one by one, followed by the batch itself.
func (m *Mailbox) PostUserMessage(msg any) {
	if b := batchOf(msg); b != nil {
		for _, x := range b.GetMessages() {
			m.PostUserMessage(x)
		}
	}
	m.send(msg, modePost)
}

// Offer queues a user message if there is room and returns nil; if the
// mailbox is full it returns [ErrFull] (counted as rejected) and the
// message is not queued, whatever the policy, except [DropOldest], which
// makes room as for any post. Unlike [Mailbox.PostUserMessage] it neither
// replies to the message's sender nor publishes a dead letter: the caller
// has the message back. Once the actor has been told to stop, Offer
// returns [ErrClosed] and queues nothing. It never blocks. A
// [pa.MessageBatch] is posted as by PostUserMessage.
func (m *Mailbox) Offer(msg any) error {
	if batchOf(msg) != nil {
		m.PostUserMessage(msg)
		return nil
	}
	_, err := m.send(msg, modeOffer)
	return err
}

// PostOrPark is the fiber-aware post: it queues msg if there is room and
// returns (nil, nil). If a [Suspend] mailbox is full, it parks msg and
// returns a [*Pending]: the mailbox queues msg, ahead of any later post,
// as soon as a queued message leaves; the sender waits for that through
// [Pending.Notify] (actor.SendWait suspends its fiber). Other full
// mailboxes answer as [Mailbox.Offer] does; once the actor has been told to
// stop, PostOrPark refuses with [ErrClosed]. It never blocks.
func (m *Mailbox) PostOrPark(msg any) (*Pending, error) {
	if batchOf(msg) != nil {
		m.PostUserMessage(msg)
		return nil, nil
	}
	return m.send(msg, modePark)
}

// sendMode says who posts a user message, which decides what happens when
// the mailbox is full.
type sendMode uint8

const (
	modePost  sendMode = iota // PostUserMessage: apply the policy
	modeOffer                 // Offer: report ErrFull
	modePark                  // PostOrPark: park for Suspend, else as Offer
)

// send queues a user message, or deals with a full mailbox.
func (m *Mailbox) send(msg any, mode sendMode) (*Pending, error) {
	e := entry{msg: msg, at: m.stamp()}
	ctrl := m.priority && isControl(msg)
	m.mu.Lock()
	if m.closed && mode != modePost {
		// The actor is stopping: a caller that keeps the message (Offer,
		// PostOrPark) gets it back rather than seeing it vanish.
		m.mu.Unlock()
		return nil, ErrClosed
	}
	if m.capacity > 0 && int(m.ctrlq.n+m.userq.n) >= m.capacity {
		return m.overflow(e, ctrl, mode) // unlocks
	}
	if ctrl {
		m.ctrlq.push(e)
	} else {
		m.userq.push(e)
	}
	if m.met != nil {
		m.queuedLocked()
	}
	// The idle→running transition that protoactor's mailbox makes with a
	// CAS is made under mu, which the post holds anyway: a turn that finds
	// nothing to do marks the mailbox idle in the same critical section,
	// so a message is never left without a turn.
	run := !m.running && !m.suspended && m.dispatcher != nil
	m.running = m.running || run
	m.mu.Unlock()
	m.posted(msg, run)
	return nil, nil
}

// posted runs after a message was queued and m.mu released: it tells the
// middleware, and schedules a turn if the post made the mailbox running.
func (m *Mailbox) posted(msg any, run bool) {
	for _, h := range m.mw {
		h.MessagePosted(msg)
	}
	if run {
		m.dispatcher.Schedule(m.processFn)
	}
}

// queuedLocked counts a user message just queued, with m.mu held: a
// message must count as posted before a turn can count it as processed.
func (m *Mailbox) queuedLocked() {
	m.met.posted.Add(1)
	if n := m.ctrlq.n + m.userq.n; n > m.highWater {
		m.highWater = n
		m.met.raise(int64(n))
	}
}

// overflow deals with a user message that finds the mailbox full. It is
// called with m.mu held and releases it.
func (m *Mailbox) overflow(e entry, ctrl bool, mode sendMode) (*Pending, error) {
	met := m.met
	switch {
	case m.policy == DropOldest:
		if m.evictLocked(ctrl) {
			if ctrl {
				m.ctrlq.push(e)
			} else {
				m.userq.push(e)
			}
			if met != nil {
				met.posted.Add(1)
				met.droppedOldest.Add(1)
			}
			m.mu.Unlock()
			for _, h := range m.mw {
				h.MessagePosted(e.msg)
			}
			return nil, nil
		}
		// Only control messages are queued and an ordinary one arrives: it
		// must not push one of them out.
		m.mu.Unlock()
		if mode == modePost {
			m.decided(droppedNewest)
			return nil, nil
		}
		m.decided(rejected)
		return nil, ErrFull

	case mode == modePark && m.policy == Suspend:
		if m.closed {
			m.mu.Unlock()
			m.decided(rejected)
			return nil, ErrClosed
		}
		p := &Pending{m: m, e: e, ctrl: ctrl}
		m.parked.push(p)
		m.mu.Unlock()
		if met != nil {
			met.waiting.Add(1)
		}
		return p, nil

	case mode == modePost && m.policy == DropNewest:
		m.mu.Unlock()
		m.decided(droppedNewest)
		return nil, nil

	case mode == modePost: // Reject, and Suspend for a goroutine sender
		sys, self := m.owner()
		m.mu.Unlock()
		m.decided(rejected)
		reject(sys, self, e.msg)
		return nil, nil

	default: // Offer, or PostOrPark under a policy other than Suspend
		m.mu.Unlock()
		m.decided(rejected)
		return nil, ErrFull
	}
}

// outcome is what became of a user message that was not queued.
type outcome uint8

const (
	droppedNewest outcome = iota
	rejected
)

// decided counts a user message that was dropped or refused on arrival.
func (m *Mailbox) decided(o outcome) {
	met := m.met
	if met == nil {
		return
	}
	met.posted.Add(1)
	if o == droppedNewest {
		met.droppedNewest.Add(1)
	} else {
		met.rejected.Add(1)
	}
}

// evictLocked drops the oldest queued message of the lowest lane that has
// one, provided an arriving message of lane ctrl may push it out: ordinary
// messages go first, and only a control message pushes out a control
// message. It reports whether it made room.
func (m *Mailbox) evictLocked(ctrl bool) bool {
	switch {
	case m.userq.n > 0:
		m.userq.pop()
	case ctrl && m.ctrlq.n > 0:
		m.ctrlq.pop()
	default:
		return false
	}
	return true
}

// reject answers the sender of a refused message, if it has one, and
// publishes the message as a dead letter, so that the refusal is seen.
// Without an actor system (a mailbox not attached to an actor) the
// refusal is only counted.
func reject(sys *pa.ActorSystem, self *pa.PID, msg any) {
	if sys == nil {
		return
	}
	_, inner, sender := pa.UnwrapEnvelope(msg)
	if sender != nil {
		sys.Root.Send(sender, &Rejected{Target: self, Message: inner, Reason: ErrFull})
	}
	// No Sender in the event: it has been answered, and protoactor's
	// dead-letter handler would answer it again with a DeadLetterResponse.
	sys.EventStream.Publish(&pa.DeadLetterEvent{PID: self, Message: inner})
}

// PostSystemMessage queues a system message. System messages are never
// limited or dropped, and are handed to the actor before any user message,
// also while the mailbox is suspended.
func (m *Mailbox) PostSystemMessage(msg any) {
	m.mu.Lock()
	m.sysq.push(msg)
	run := !m.running && m.dispatcher != nil
	m.running = m.running || run
	m.mu.Unlock()
	m.posted(msg, run)
}

// actorInfo is what a protoactor invoker (the actor's context) tells about
// its actor.
type actorInfo interface {
	Self() *pa.PID
	ActorSystem() *pa.ActorSystem
}

// RegisterHandlers attaches the mailbox to its actor: invoker handles the
// messages, in turns that dispatcher schedules. protoactor calls it once,
// when it spawns the actor. If the invoker is an actor context, the
// mailbox learns its actor's PID and system, to address [*Rejected]
// replies and dead letters.
func (m *Mailbox) RegisterHandlers(invoker pa.MessageInvoker, dispatcher pa.Dispatcher) {
	if a, ok := dispatcher.(Attacher); ok {
		a.AttachMailbox(m)
	}
	m.mu.Lock()
	m.invoker, m.dispatcher = invoker, dispatcher
	run := !m.running && (!m.sysq.empty() || !m.suspended && m.ctrlq.n+m.userq.n > 0)
	m.running = m.running || run
	m.mu.Unlock()
	if run {
		dispatcher.Schedule(m.processFn)
	}
}

// Attacher is implemented by a dispatcher that wants to know the
// mailboxes it runs turns for: [Mailbox.RegisterHandlers] calls
// AttachMailbox, before the mailbox's first turn. Package actor's
// per-actor dispatchers use it to learn an actor's mailbox (for its
// TrySend, SendWait and System.Top) without a producer per actor.
type Attacher interface {
	AttachMailbox(m *Mailbox)
}

// owner returns the system and PID of the mailbox's actor, if its invoker
// is an actor context; nil, nil otherwise. Call it with m.mu held.
func (m *Mailbox) owner() (*pa.ActorSystem, *pa.PID) {
	if c, ok := m.invoker.(actorInfo); ok {
		return c.ActorSystem(), c.Self()
	}
	return nil, nil
}

// Start tells the middlewares that the mailbox started.
func (m *Mailbox) Start() {
	for _, h := range m.mw {
		h.MailboxStarted()
	}
}

// UserMessageCount returns the number of queued user messages (ordinary
// and control).
func (m *Mailbox) UserMessageCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int(m.ctrlq.n + m.userq.n)
}

// Cap returns the mailbox's capacity, or 0 if it is unbounded.
func (m *Mailbox) Cap() int { return m.capacity }

// process is a turn: it hands queued messages to the actor until none is
// left (or only user messages while suspended).
func (m *Mailbox) process() {
	for {
		if done, empty := m.drain(); done {
			if empty {
				for _, h := range m.mw {
					h.MailboxEmpty()
				}
			}
			return
		}
	}
}

// drain hands messages to the invoker: every system message first, then,
// unless suspended, one user message at a time (control lane first),
// yielding the processor every Throughput messages. It reports done once
// nothing is left to run, and empty if no user message is queued and the
// mailbox is not suspended. A panic while a message is handled is
// recovered and escalated to the actor's supervisor with the raw panic
// value (protoactor's EscalateFailure, which suspends the mailbox); drain
// then returns not done, and process carries on.
func (m *Mailbox) drain() (done, empty bool) {
	var msg any
	defer func() {
		if !done { // a panic, or runtime.Goexit
			if r := recover(); r != nil {
				m.invoker.EscalateFailure(r, msg)
			}
		}
	}()
	inv, met, mw := m.invoker, m.met, m.mw
	throughput := m.dispatcher.Throughput()
	for i := 0; ; i++ {
		if i >= throughput {
			i = 0
			runtime.Gosched()
		}
		m.mu.Lock()
		if !m.sysq.empty() {
			msg = m.sysq.pop()
			invoke, closing := true, false
			var refused []parkedOutcome
			switch msg.(type) {
			case *pa.SuspendMailbox:
				m.suspended, invoke = true, false
			case *pa.ResumeMailbox:
				m.suspended, invoke = false, false
			case *pa.Stop:
				if !m.closed {
					m.closed, closing = true, true
					refused = m.refuseParkedLocked()
				}
			}
			m.mu.Unlock()
			if closing {
				m.refused(refused)
			}
			if invoke {
				inv.InvokeSystemMessage(msg)
			}
			for _, h := range mw {
				h.MessageReceived(msg)
			}
			continue
		}
		var e entry
		switch {
		case m.suspended:
			m.running = false
			m.mu.Unlock()
			return true, false
		case m.ctrlq.n > 0:
			e = m.ctrlq.pop()
		case m.userq.n > 0:
			e = m.userq.pop()
		default:
			m.running = false
			m.mu.Unlock()
			return true, true
		}
		var (
			handed *Pending
			notify func()
		)
		if m.parked.head != nil {
			handed, notify = m.handOverLocked()
		}
		m.mu.Unlock()
		if handed != nil {
			m.handedOver(handed, notify)
		}
		if met != nil {
			met.processed.Add(1)
			if m.timed {
				met.waited(m.stamp() - e.at)
			}
		}
		msg = e.msg
		inv.InvokeUserMessage(msg)
		for _, h := range mw {
			h.MessageReceived(msg)
		}
	}
}
