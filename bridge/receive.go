package bridge

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/fiber"
	"time"
)

// receiveWait is a fiber waiting for a matching message.
type receiveWait struct {
	waker  fiber.Waker
	match  func(any) bool
	msg    any
	sender *actor.PID
}

// deliver hands msg to the longest-waiting fiber whose Receive matches it,
// and reports whether one took it.
func (h *Host) deliver(msg any, sender *actor.PID) bool {
	for i, r := range h.receivers {
		if !r.match(msg) {
			continue
		}
		r.msg, r.sender = msg, sender
		if !r.waker.Wake(nil) {
			continue // that wait is over (cancelled or timed out): its fiber removes it
		}
		h.tagServer(r.waker.Fiber(), sender)
		h.receivers = append(h.receivers[:i], h.receivers[i+1:]...)
		return true
	}
	return false
}

// Offer hands msg to the longest-waiting fiber whose [Receive] (or
// [ReceiveFunc]) matches it, as a turn does with the message it delivers,
// and reports whether one took it; sender is what [ReceiveFrom] returns.
// An actor that turns a message into another (such as package actor,
// which delivers a watched actor's termination as a message of the
// watcher's protocol) offers the new one with it before handling it
// itself. Call it from the actor's turns; the fiber runs when the turn
// runs its ready fibers.
func (h *Host) Offer(msg any, sender *actor.PID) bool {
	return len(h.receivers) > 0 && h.deliver(msg, sender)
}

// remove drops r from the receivers if it is still there.
func (h *Host) removeReceiver(r *receiveWait) {
	for i, o := range h.receivers {
		if o == r {
			h.receivers = append(h.receivers[:i], h.receivers[i+1:]...)
			return
		}
	}
}

// Receive suspends f until its actor receives a message of type T, and
// returns it. The message goes to this fiber instead of the actor's
// handler; messages of other types keep reaching the handler (or other
// waiting fibers) meanwhile. When several fibers wait for matching
// messages, the one that has waited longest gets the next. Only messages
// that arrive after the call are considered: nothing is stashed.
//
// Receive is a suspension point: it returns the cancellation error if f is
// cancelled, and [ErrTimeout] after a [Within] deadline. It must be called
// by f itself, and f must live in an actor ([Host]).
func Receive[T any](f *fiber.Fiber, opts ...WaitOption) (T, error) {
	msg, _, err := receive(f, func(m any) bool { _, ok := m.(T); return ok }, opts)
	if err != nil {
		var zero T
		return zero, err
	}
	return msg.(T), nil
}

// ReceiveFunc is like [Receive], but only takes messages of type T for
// which match reports true.
func ReceiveFunc[T any](f *fiber.Fiber, match func(T) bool, opts ...WaitOption) (T, error) {
	msg, _, err := receive(f, func(m any) bool { t, ok := m.(T); return ok && match(t) }, opts)
	if err != nil {
		var zero T
		return zero, err
	}
	return msg.(T), nil
}

// ReceiveFrom is like [Receive], and also returns the message's sender
// (nil if it has none), so that the fiber can reply to a request.
func ReceiveFrom[T any](f *fiber.Fiber, opts ...WaitOption) (T, *actor.PID, error) {
	msg, sender, err := receive(f, func(m any) bool { _, ok := m.(T); return ok }, opts)
	if err != nil {
		var zero T
		return zero, nil, err
	}
	return msg.(T), sender, nil
}

func receive(f *fiber.Fiber, match func(any) bool, opts []WaitOption) (any, *actor.PID, error) {
	h, r, timeout := fileReceiver(f, match, opts)
	if r == nil {
		return nil, nil, h.scheduler().Suspend(f, "receive") // fails at once with the cancellation error
	}
	var err error
	if timeout <= 0 {
		err = h.scheduler().Suspend(f, "receive")
	} else {
		err = suspendBounded(f, h, r.waker, "receive", timeout)
	}
	if err != nil {
		h.removeReceiver(r)
		return nil, nil, err
	}
	return r.msg, r.sender, nil
}

// fileReceiver files a receive wait of f for the messages match takes; it
// returns a nil wait if f is cancelled. It is receive's preparation, in a
// frame of its own that is gone while f waits: a parked fiber's frames
// decide whether its goroutine fits the smallest stack.
//
//go:noinline
func fileReceiver(f *fiber.Fiber, match func(any) bool, opts []WaitOption) (*Host, *receiveWait, time.Duration) {
	h := HostOf(f)
	cfg := waitOptions(opts)
	if f.Cancelled() {
		return h, nil, 0
	}
	r := &receiveWait{waker: h.scheduler().Waker(f), match: match}
	h.receivers = append(h.receivers, r)
	return h, r, cfg.timeout
}
