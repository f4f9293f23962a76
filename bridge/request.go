package bridge

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/fiber"
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
	h.sched.Post(func() {
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

// pendingRequest is a fiber waiting for a reply.
type pendingRequest struct {
	waker  fiber.Waker
	reply  any
	target pidKey
	gen    uint64 // the host's probe tick when the request was made (deadlock.go)
}

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
func (h *Host) watchTarget(target *actor.PID, key pidKey) {
	if _, ok := h.watched[key]; !ok {
		if len(h.watched) >= maxWatched {
			for k, n := range h.watched {
				if n == 0 {
					h.turn.Unwatch(actor.NewPID(k.addr, k.id))
					delete(h.watched, k)
				}
			}
		}
		h.turn.Watch(target)
	}
	h.watched[key]++
}

// targetDown fails the pending requests to an actor that terminated, in
// the order they were made.
func (h *Host) targetDown(t *actor.Terminated) {
	key := pidKey{t.Who.GetAddress(), t.Who.GetId()}
	if _, ok := h.watched[key]; !ok {
		return
	}
	delete(h.watched, key)
	var ids []uint32
	for id, r := range h.requests {
		if r.target == key {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := h.requests[id]
		delete(h.requests, id)
		r.waker.Wake(fmt.Errorf("%w: %v terminated (%v)", ErrDeadLetter, t.Who, t.Why))
	}
}

// unwatchAll drops the host's watches; the host calls it when it stops.
func (h *Host) unwatchAll() {
	for k := range h.watched {
		h.turn.Unwatch(actor.NewPID(k.addr, k.id))
	}
	clear(h.watched)
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
	var zero R
	h := HostOf(f)
	cfg := waitOptions(opts)
	if f.Cancelled() {
		return zero, h.sched.Suspend(f, "request") // fails at once with the cancellation error
	}
	if h.replyPID == nil {
		return zero, ErrNotRunning
	}
	w := h.sched.Waker(f) // first: inside fiber.Critical it panics before anything is sent
	h.lastRequest++
	if h.lastRequest == 0 { // 0 means "no request": skip it when wrapping
		h.lastRequest++
	}
	id := h.lastRequest
	key := pidKey{target.Address, target.Id}
	h.watchTarget(target, key)
	r := &pendingRequest{waker: w, target: key}
	h.requests[id] = r
	if h.detect > 0 {
		r.gen = h.probe.gen
		h.armProbes()
	}
	sender := &actor.PID{Address: h.replyPID.Address, Id: h.replyPID.Id, RequestId: id}
	h.turn.RequestWithCustomSender(target, msg, sender)
	err := suspendWithin(f, h, r.waker, "request", cfg.timeout)
	delete(h.requests, id)
	if _, ok := h.watched[key]; ok {
		h.watched[key]--
	}
	if err != nil {
		return zero, err
	}
	return decodeReply[R](r.reply, target)
}

// decodeReply turns a reply into an R or the error it stands for.
func decodeReply[R any](reply any, target *actor.PID) (R, error) {
	var zero R
	if _, dead := reply.(*actor.DeadLetterResponse); dead {
		return zero, fmt.Errorf("%w: %v", ErrDeadLetter, target)
	}
	r, ok := reply.(R)
	if !ok {
		if err, isErr := reply.(error); isErr {
			// A failure answered in place of the reply, such as a bounded
			// mailbox's rejection: it is the request's error.
			return zero, fmt.Errorf("bridge: request to %v: %w", target, err)
		}
		return zero, fmt.Errorf("%w: got %T, want %v", ErrUnexpectedReply, reply, reflect.TypeFor[R]())
	}
	return r, nil
}

// callProcess is the one-shot reply process of Call.
type callProcess struct {
	done  atomic.Bool
	reply chan any // buffered: one reply
}

func (p *callProcess) SendUserMessage(_ *actor.PID, message any) {
	if p.done.CompareAndSwap(false, true) {
		p.reply <- actor.UnwrapEnvelopeMessage(message)
	}
}

func (p *callProcess) SendSystemMessage(*actor.PID, any) {}

func (p *callProcess) Stop(*actor.PID) { p.done.Store(true) }

// Call sends msg to target with a one-shot reply address as the sender and
// blocks the calling goroutine until the target responds or ctx is done. It
// returns the reply as an R, or the same errors as [Request], or
// [context.Cause] of ctx. It is for code outside actors; inside a fiber use
// [Request], which suspends only the fiber.
func Call[R any](ctx context.Context, sys *actor.ActorSystem, target *actor.PID, msg any) (R, error) {
	p := &callProcess{reply: make(chan any, 1)}
	reg := sys.ProcessRegistry
	pid, _ := reg.Add(p, "weft-call"+reg.NextId())
	defer func() {
		p.done.Store(true)
		reg.Remove(pid)
	}()
	sys.Root.RequestWithCustomSender(target, msg, pid)
	select {
	case reply := <-p.reply:
		return decodeReply[R](reply, target)
	case <-ctx.Done():
		var zero R
		return zero, context.Cause(ctx)
	}
}
