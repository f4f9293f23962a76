package bridge

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/pids"
)

// replyProcess is the protoactor process that replies to a host's
// requests are sent to: one per host, registered while the actor runs. Each
// request carries a PID of its own, with the host's reply ID and a
// RequestId that identifies the waiting request (RequestId travels with the
// PID, remote included). It may be called from any goroutine, also after
// the host stopped (a *PID caches its process): the scheduler then refuses
// the post and the reply is dropped.
type replyProcess struct{ h *Host }

// SendUserMessage queues the reply in the host's scheduler; the wake-up
// message this posts through the actor's mailbox makes a turn deliver it.
func (p replyProcess) SendUserMessage(pid *actor.PID, message any) {
	id, msg := pid.RequestId, actor.UnwrapEnvelopeMessage(message)
	h := p.h
	h.post(func() {
		if r := h.requests[id]; r != nil {
			delete(h.requests, id)
			r.reply = msg
			r.waker.Wake(nil)
		}
	})
}

// SendSystemMessage ignores system messages.
func (replyProcess) SendSystemMessage(*actor.PID, any) {}

// Stop does nothing: the host removes the process when it stops.
func (replyProcess) Stop(*actor.PID) {}

// pendingRequest is a fiber waiting for a reply. A request with an
// [Addressee] keeps it in the addressee's [RequestSlot], and it is then
// also the process its reply is handed to, which posts it to the asker's
// scheduler: a local reply costs no allocation of the bridge's.
type pendingRequest struct {
	waker  fiber.Waker
	reply  any
	target pidKey
	to     Addressee // RequestRaw's; nil for Request
	gen    uint64    // the host's probe tick when the request was made (deadlock.go)
	owner  *Host     // the asker's; set before the request is sent, then read-only
	id     uint32    // its key in owner.requests
}

// SendUserMessage takes the reply, from any goroutine, and posts r to the
// asker's scheduler, whose turn hands it to the fiber (see Run). The
// addressee's answered flag makes it run at most once.
func (r *pendingRequest) SendUserMessage(_ *actor.PID, message any) {
	r.reply = actor.UnwrapEnvelopeMessage(message)
	r.owner.postTask(r)
}

// SendSystemMessage ignores system messages.
func (*pendingRequest) SendSystemMessage(*actor.PID, any) {}

// Stop does nothing.
func (*pendingRequest) Stop(*actor.PID) {}

// Run implements [fiber.Task]: in the asker's turn, it wakes the fiber if
// the request still waits (it did not time out, nor fail with its target).
// It drops the asker's host: the slot stays in its responder's set of
// held requests until that set's next sweep, and must not keep the asker
// reachable.
func (r *pendingRequest) Run() {
	h := r.owner
	r.owner = nil // read by SendUserMessage before it posted r
	if h.requests[r.id] == r {
		delete(h.requests, r.id)
		r.waker.Wake(nil)
	}
}

// RequestSlot is the room an [Addressee] keeps for the asker's side of its
// request, so that the request allocates nothing for it. The zero value
// is ready; a slot serves one request.
type RequestSlot struct{ p pendingRequest }

// pidKey identifies an actor whatever *PID value names it.
type pidKey struct{ addr, id string }

// maxWatched bounds the request targets a host keeps watching once their
// requests are answered; beyond it, idle watches are dropped.
const maxWatched = 64

// watchTarget makes sure the actor watches target while a request to it is
// pending, so that its termination fails the request instead of leaving it
// waiting (protoactor drops the messages queued in a stopping actor). A
// watch outlives its requests (up to maxWatched targets), so that a
// sequence of requests to one target costs one watch.
//
// It returns the target's count of pending requests, which the request
// decrements when it ends (a count dropped by targetDown is decremented in
// vain), so that a request looks its target up once.
func (h *Host) watchTarget(target *actor.PID, key pidKey) *watchCount {
	c := h.watchOf(key)
	if c == nil {
		if len(h.watched) >= maxWatched {
			kept := h.watched[:0]
			for _, o := range h.watched {
				if o.n == 0 && !h.userWatched[o.key] {
					h.unwatch(actor.NewPID(o.key.addr, o.key.id))
				} else {
					kept = append(kept, o)
				}
			}
			clear(h.watched[len(kept):])
			h.watched = kept
		}
		if !h.userWatched[key] {
			h.watch(target)
		}
		c = &watchCount{key: key}
		h.watched = append(h.watched, c)
	}
	c.n++
	return c
}

// watchOf returns the watch of the request target key; nil if there is
// none. A host watches a few targets (at most maxWatched): a slice
// searched in order costs a fraction of a map's memory, which every
// connection of a server that asks its registry would carry.
func (h *Host) watchOf(key pidKey) *watchCount {
	for _, c := range h.watched {
		if c.key == key {
			return c
		}
	}
	return nil
}

// dropWatch forgets the watch of the request target key, if any, and
// reports whether there was one.
func (h *Host) dropWatch(key pidKey) bool {
	for i, c := range h.watched {
		if c.key == key {
			last := len(h.watched) - 1
			h.watched[i] = h.watched[last]
			h.watched[last] = nil
			h.watched = h.watched[:last]
			return true
		}
	}
	return false
}

// watch and unwatch send target the Watch and Unwatch system messages
// that protoactor's Context.Watch and Unwatch send, but with the host's
// watcher PID: a PID of the actor of its own, which carries no cached
// process. protoactor's PIDSet keeps a removed PID in its vacated slot;
// the actor's own PID would keep the stopped actor's process, mailbox and
// state reachable through its cache, this one keeps a few strings.
func (h *Host) watch(target *actor.PID) {
	c := h.more()
	if c.watcherPID == nil {
		c.watcherPID = &actor.PID{Address: h.self.Address, Id: h.self.Id}
	}
	proc, _ := h.sys.ProcessRegistry.Get(target)
	proc.SendSystemMessage(target, &actor.Watch{Watcher: c.watcherPID})
}

func (h *Host) unwatch(target *actor.PID) {
	if h.cold == nil || h.cold.watcherPID == nil {
		return // watched nothing
	}
	proc, _ := h.sys.ProcessRegistry.Get(target)
	proc.SendSystemMessage(target, &actor.Unwatch{Watcher: h.cold.watcherPID})
}

// watchCount counts the pending requests to a watched request target.
type watchCount struct {
	key pidKey
	n   int
}

// Watch makes the host's actor watch pid, as protoactor's Context.Watch
// does: the actor receives an *actor.Terminated when pid stops. Use it
// instead of Context.Watch on a host's actor, since the host watches its
// request targets too and unwatches them when idle: a watch made here
// stays until [Host.Unwatch] or the Terminated. Call it from the actor's
// turns.
func (h *Host) Watch(pid *actor.PID) {
	key := pidKey{pid.Address, pid.Id}
	if h.userWatched[key] {
		return
	}
	if h.userWatched == nil {
		h.userWatched = make(map[pidKey]bool)
	}
	h.userWatched[key] = true
	if h.watchOf(key) == nil {
		h.watch(pid)
	}
}

// Unwatch undoes [Host.Watch]; pending requests to pid keep their own
// watch. Call it from the actor's turns.
func (h *Host) Unwatch(pid *actor.PID) {
	key := pidKey{pid.Address, pid.Id}
	if !h.userWatched[key] {
		return
	}
	delete(h.userWatched, key)
	if h.watchOf(key) == nil {
		h.unwatch(pid)
	}
}

// targetDown fails the pending requests to an actor that terminated, in
// the order they were made.
//
// It fails them through the scheduler's queue, behind the replies already
// posted there: protoactor hands the Terminated to the actor as a system
// message, ahead of the user messages in its mailbox, so a target that
// answered and then stopped (a channel that closes on its last PART)
// would otherwise fail a request whose reply is on its way. A request
// that fails here was not answered; a caller may safely retry it.
func (h *Host) targetDown(t *actor.Terminated) {
	key := pidKey{t.Who.GetAddress(), t.Who.GetId()}
	delete(h.userWatched, key)
	if !h.dropWatch(key) {
		return
	}
	var ids []uint32
	for id, r := range h.requests {
		if r.target == key && !handedOn(r.to) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids)
	err := fmt.Errorf("%w: %s terminated (%v)", ErrDeadLetter, pids.String(t.Who), t.Why)
	fail := func() {
		for _, id := range ids {
			if r := h.requests[id]; r != nil { // not answered meanwhile
				delete(h.requests, id)
				r.waker.Wake(err)
			}
		}
	}
	if !h.post(fail) {
		fail() // the host is gone: nothing will run its queue
	}
}

// unwatchAll drops the host's watches; the host calls it when it stops.
func (h *Host) unwatchAll() {
	for _, c := range h.watched {
		if !h.userWatched[c.key] {
			h.unwatch(actor.NewPID(c.key.addr, c.key.id))
		}
	}
	for k := range h.userWatched {
		h.unwatch(actor.NewPID(k.addr, k.id))
	}
	clear(h.watched)
	h.watched = h.watched[:0]
	clear(h.userWatched)
}

// Request sends msg to target with a one-shot reply address as the sender,
// suspends f until the target responds (with protoactor's Respond, from any
// actor, local or remote), and returns the reply as an R.
//
// The actor keeps handling its mailbox while f waits. Request fails with
// [ErrDeadLetter] if target does not exist or terminates before it answers
// (the actor watches its request targets for this; the handler still sees
// the *actor.Terminated), with the reply itself (wrapped)
// if it is an error and not an R (such as a bounded mailbox's rejection),
// with an error wrapping [ErrUnexpectedReply] if the reply is something
// else, with [ErrTimeout] after a
// [Within] deadline, with a [*DeadlockError] if the request closes a wait
// cycle (the actors' hosts share a [Directory]), and with the
// cancellation error if f is cancelled.
//
// Request is a suspension point: it must be called by f itself, and f must
// live in an actor ([Host]).
func Request[R any](f *fiber.Fiber, target *actor.PID, msg any, opts ...WaitOption) (R, error) {
	reply, err := request(f, target, msg, nil, opts)
	if err != nil {
		var zero R
		return zero, err
	}
	return decodeReply[R](reply, target)
}

// Addressee is told the reply address of a request before the request is
// sent: see [RequestRaw] and [CallRaw].
type Addressee interface {
	// ReplyPID returns the PID in which the request's reply address is
	// kept: the bridge sets its Address, Id and RequestId once, on the
	// requesting goroutine, before the request is sent, and sends the
	// request with it as the sender. Keeping it in the addressee saves an
	// allocation per request.
	ReplyPID() *actor.PID
	// SetReplyProcess is called once, with ReplyPID, with the process
	// that takes the reply: a responder in this process may hand the
	// reply to it directly (its SendUserMessage may be called from any
	// goroutine), rather than through protoactor's registry.
	SetReplyProcess(p actor.Process)
	// RequestSlot returns the room the bridge keeps the asker's side of
	// the request in, once per request: embed a [RequestSlot] in the
	// addressee.
	RequestSlot() *RequestSlot
	// Bare reports whether the request goes without protoactor's
	// envelope: the target reads the reply address from the message (it
	// is a Weft actor of this process, whose mailbox refuses nothing), so
	// that the bridge sends msg as it is, which saves an allocation. Its
	// host learns the reply address from the addressee ([Host.Serving]).
	Bare() bool
	// HandedOn reports whether the target has handed the request on to
	// another actor, which answers it instead. The end of the target then
	// no longer fails the request (the target is watched for that): the
	// actor that holds it answers, or fails it when it stops. It may be
	// called from any goroutine.
	HandedOn() bool
}

// sendRequest sends a request of Request or Call from sc: with sender as
// its envelope's, or as it is if its addressee says so (see
// Addressee.Bare).
func sendRequest(sc actor.SenderContext, target *actor.PID, msg any, sender *actor.PID, to Addressee) {
	if to != nil && to.Bare() {
		sc.Send(target, msg)
	} else {
		sc.RequestWithCustomSender(target, msg, sender)
	}
}

// handedOn reports whether a request's addressee says it was handed on.
func handedOn(to Addressee) bool { return to != nil && to.HandedOn() }

// RequestRaw is like [Request], but returns the reply as sent, whatever
// its type (a [*actor.DeadLetterResponse] becomes [ErrDeadLetter]), for
// callers that decode replies themselves; and if to is not nil, it is told
// the request's reply address before msg is sent. Package actor's typed
// requests use it: they carry their reply address inside the message, so
// that a responder can answer long after the turn that delivered it.
func RequestRaw(f *fiber.Fiber, target *actor.PID, msg any, to Addressee, opts ...WaitOption) (any, error) {
	reply, err := request(f, target, msg, to, opts)
	if err != nil {
		return nil, err
	}
	if _, dead := reply.(*actor.DeadLetterResponse); dead {
		return nil, fmt.Errorf("%w: %s", ErrDeadLetter, pids.String(target))
	}
	return reply, nil
}

// request is the body of Request and RequestRaw: it sends msg to target,
// telling to (if not nil) the reply address first, and returns the raw
// reply.
func request(f *fiber.Fiber, target *actor.PID, msg any, to Addressee, opts []WaitOption) (any, error) {
	h := HostOf(f)
	cfg := waitOptions(opts)
	if f.Cancelled() {
		return nil, h.scheduler().Suspend(f, "request") // fails at once with the cancellation error
	}
	if !h.running {
		return nil, ErrNotRunning
	}
	reply := h.replyAddr()
	w := h.scheduler().Waker(f) // first: inside fiber.Critical it panics before anything is sent
	h.lastRequest++
	if h.lastRequest == 0 { // 0 means "no request": skip it when wrapping
		h.lastRequest++
	}
	id := h.lastRequest
	key := pidKey{target.Address, target.Id}
	var (
		sender *actor.PID
		r      *pendingRequest
	)
	if to != nil {
		r = &to.RequestSlot().p
		sender = to.ReplyPID()
		sender.Address, sender.Id, sender.RequestId = reply.Address, reply.Id, id
		to.SetReplyProcess(r)
	} else {
		r = &pendingRequest{}
		sender = &actor.PID{Address: reply.Address, Id: reply.Id, RequestId: id}
	}
	r.waker, r.target, r.to, r.owner, r.id = w, key, to, h, id
	watch := h.watchTarget(target, key)
	if h.requests == nil {
		h.requests = make(map[uint32]*pendingRequest)
	}
	h.requests[id] = r
	if h.detect() > 0 {
		r.gen = h.more().probe.gen
		h.armProbes()
	}
	sendRequest(h.turn, target, msg, sender, to)
	err := suspendWithin(f, h, r.waker, "request", cfg.timeout)
	delete(h.requests, id)
	watch.n--
	r.waker = fiber.Waker{} // the slot may outlive the request in its responder's open set
	if err != nil {
		return nil, err
	}
	rep := r.reply
	r.reply = nil
	return rep, nil
}

// decodeReply turns a reply into an R or the error it stands for.
func decodeReply[R any](reply any, target *actor.PID) (R, error) {
	var zero R
	if _, dead := reply.(*actor.DeadLetterResponse); dead {
		return zero, fmt.Errorf("%w: %s", ErrDeadLetter, pids.String(target))
	}
	r, ok := reply.(R)
	if !ok {
		if err, isErr := reply.(error); isErr {
			// A failure answered in place of the reply, such as a bounded
			// mailbox's rejection: it is the request's error.
			return zero, fmt.Errorf("bridge: request to %s: %w", pids.String(target), err)
		}
		return zero, fmt.Errorf("%w: got %T, want %v", ErrUnexpectedReply, reply, reflect.TypeFor[R]())
	}
	return r, nil
}

// callProcess is the one-shot reply process of Call: it takes the first
// reply, or the target's termination (Call watches the target).
type callProcess struct {
	done  atomic.Bool
	reply chan any  // buffered: one reply
	to    Addressee // CallRaw's; nil for Call
}

func (p *callProcess) SendUserMessage(_ *actor.PID, message any) {
	if p.done.CompareAndSwap(false, true) {
		p.reply <- actor.UnwrapEnvelopeMessage(message)
	}
}

func (p *callProcess) SendSystemMessage(_ *actor.PID, message any) {
	if t, ok := message.(*actor.Terminated); ok && !handedOn(p.to) && p.done.CompareAndSwap(false, true) {
		p.reply <- t
	}
}

func (p *callProcess) Stop(*actor.PID) { p.done.Store(true) }

// Call sends msg to target with a one-shot reply address as the sender and
// blocks the calling goroutine until the target responds or ctx is done. It
// returns the reply as an R, or the same errors as [Request], or
// [context.Cause] of ctx. It is for code outside actors; inside a fiber use
// [Request], which suspends only the fiber.
func Call[R any](ctx context.Context, sys *actor.ActorSystem, target *actor.PID, msg any) (R, error) {
	reply, err := call(ctx, sys, target, msg, nil, nil, 0)
	if err != nil {
		var zero R
		return zero, err
	}
	return decodeReply[R](reply, target)
}

// CallRaw is to [Call] what [RequestRaw] is to [Request]: to (if not nil)
// is told the reply address before msg is sent, and the reply is returned
// as sent (a dead letter becomes [ErrDeadLetter]).
func CallRaw(ctx context.Context, sys *actor.ActorSystem, target *actor.PID, msg any, to Addressee) (any, error) {
	return CallRawUntil(ctx, sys, target, msg, to, nil)
}

// CallRawUntil is [CallRaw] for a caller that knows when target stops:
// stopped, if not nil, is closed once target has stopped and will answer
// no more (a Weft actor's end). The call then fails with [ErrDeadLetter]
// when stopped closes (unless to says the request was handed on), instead
// of watching target, which costs two system messages through target's
// mailbox per call. A [Within] option bounds the call as ctx's deadline
// would, failing it with [ErrTimeout], on a timer of the system's that
// calls reuse: it adds less than half of what a context.WithTimeout per
// call adds.
func CallRawUntil(ctx context.Context, sys *actor.ActorSystem, target *actor.PID, msg any, to Addressee, stopped <-chan struct{}, opts ...WaitOption) (any, error) {
	reply, err := call(ctx, sys, target, msg, to, stopped, waitOptions(opts).timeout)
	if err != nil {
		return nil, err
	}
	if _, dead := reply.(*actor.DeadLetterResponse); dead {
		return nil, fmt.Errorf("%w: %s", ErrDeadLetter, pids.String(target))
	}
	return reply, nil
}

// call is the body of Call and CallRaw. Unless stopped tells it when the
// target stops, it watches target for the time of the call, so that a
// target that stops before it answers (protoactor drops the messages still
// queued in a stopping actor) fails the call with ErrDeadLetter instead of
// leaving it to ctx.
//
// A positive within bounds the call (see CallRawUntil).
func call(ctx context.Context, sys *actor.ActorSystem, target *actor.PID, msg any, to Addressee, stopped <-chan struct{}, within time.Duration) (any, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	p := &callProcess{reply: make(chan any, 1), to: to}
	reg := sys.ProcessRegistry
	var (
		pid  *actor.PID
		proc actor.Process // target's, when watched
		t    *callTable    // looked up once: a lookup costs a hash of its name
	)
	if stopped == nil {
		// A process of its own, which watches target.
		pid, _ = reg.Add(p, "weft-call"+reg.NextId())
		proc, _ = reg.Get(target) // dead letters if target does not exist: it answers the watch with a Terminated
		proc.SendSystemMessage(target, &actor.Watch{Watcher: pid})
		defer func() {
			p.done.Store(true)
			reg.Remove(pid)
		}()
	} else {
		// No watch: the system's call table takes the reply, by RequestId.
		t = callTableOf(reg)
		id := t.add(p)
		defer func() {
			p.done.Store(true)
			t.remove(id)
		}()
		if to != nil {
			pid = to.ReplyPID() // saves an allocation
		} else {
			pid = &actor.PID{}
		}
		pid.Address, pid.Id, pid.RequestId = reg.Address, callTableID, id
	}
	sender := pid
	if to != nil {
		sender = to.ReplyPID()
		if sender != pid {
			sender.Address, sender.Id = pid.Address, pid.Id
		}
		to.SetReplyProcess(p)
	}
	if within > 0 {
		if t == nil {
			t = callTableOf(reg)
		}
		defer t.putDeadline(t.deadline(p, within))
	}
	sendRequest(sys.Root, target, msg, sender, to)
	for {
		select {
		case reply := <-p.reply:
			if t, ok := reply.(*actor.Terminated); ok {
				return nil, fmt.Errorf("%w: %s terminated (%v)", ErrDeadLetter, pids.String(t.Who), t.Why)
			}
			if proc != nil {
				proc.SendSystemMessage(target, &actor.Unwatch{Watcher: pid})
			}
			if _, late := reply.(callTimeout); late {
				return nil, fmt.Errorf("%w: no reply within %v", ErrTimeout, within)
			}
			return reply, nil
		case <-stopped:
			if handedOn(to) {
				stopped = nil // another actor answers
				continue
			}
			if p.done.CompareAndSwap(false, true) {
				return nil, fmt.Errorf("%w: %s terminated (%v)", ErrDeadLetter, pids.String(target), actor.TerminatedReason_Stopped)
			}
			// A reply won the race and is on its way (the channel is
			// buffered): it is the answer.
			return <-p.reply, nil
		case <-ctx.Done():
			if proc != nil {
				proc.SendSystemMessage(target, &actor.Unwatch{Watcher: pid})
			}
			return nil, context.Cause(ctx)
		}
	}
}
