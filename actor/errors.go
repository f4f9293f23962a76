package actor

import (
	"errors"
	"strconv"

	"github.com/weft-go/weft/bridge"
)

// ErrShutdown is returned by [Spawn] once the system is shutting down.
var ErrShutdown = errors.New("actor: system is shut down")

// ErrStopTimeout is returned (wrapped) by [System.Shutdown] when an actor
// did not finish stopping in time.
var ErrStopTimeout = errors.New("actor: actor did not stop in time")

// ErrStalled is matched (under [errors.Is]) by the [*StallError] with which
// the slice watchdog fails an actor (see [Watchdog.Fail]).
var ErrStalled = errors.New("actor: slice ran too long without suspending")

// ErrTimeout is matched by the error of a wait ([Ask], [Receive]) whose
// [Within] deadline passed first.
var ErrTimeout = bridge.ErrTimeout

// ErrDeadTarget is matched by the error of an [Ask] or [Call] whose target
// does not exist or stopped before it answered, and by the
// [Terminated.Err] of a watched actor that did not exist.
var ErrDeadTarget = bridge.ErrDeadLetter

// ErrDeadlock is matched by the error of the requests of a wait cycle
// between actors (a [*bridge.DeadlockError], which names every fiber of
// the cycle; see [WithDeadlockDetection]).
var ErrDeadlock = bridge.ErrDeadlock

// ErrStopped is the cause with which an actor's fibers are cancelled when
// the actor stops: their suspension points return an error wrapping it
// (and [context.Canceled]).
var ErrStopped = errors.New("actor: actor stopped")

// ErrRestarted is the cause with which an actor's fibers are cancelled
// when its supervisor restarts it, and is matched by the error of an [Ask]
// or [Call] whose target restarted before it answered (the request was
// lost with the failed incarnation).
var ErrRestarted = errors.New("actor: actor restarted")

// ErrAnswered is returned by [Reply.Send] and [Reply.Fail] for a request
// that was already answered (or failed because its actor stopped).
var ErrAnswered = errors.New("actor: request already answered")

// ErrNoAsker is returned by [Reply.Send] and [Reply.Fail] for a request
// that was sent with [Ref.Send] rather than [Ask] or [Call]: nobody waits
// for its reply.
var ErrNoAsker = errors.New("actor: request was not sent with Ask or Call: nobody waits for the reply")

// ErrUnexpectedReply is matched by the error of an [Ask] or [Call] whose
// reply is not of the request's reply type, which only a responder
// outside Weft can send (a raw protoactor actor behind a [RefOf] Ref).
var ErrUnexpectedReply = bridge.ErrUnexpectedReply

// ErrUnreachable is matched by the [Terminated.Err] of a watched actor on
// a node that became unreachable.
var ErrUnreachable = errors.New("actor: actor's node is unreachable")

// ErrInboxClosed is returned by [Inbox.Take] once the inbox was closed
// with [Inbox.Close] (or by its actor's stop) and everything queued before
// has been taken.
var ErrInboxClosed = errors.New("actor: inbox closed")

// ErrInboxFull is returned by [Inbox.Take] once a push overflowed the
// inbox: it closed, and what it held was dropped.
var ErrInboxFull = errors.New("actor: inbox full")

// FiberError is the error of a fiber of [Self.Go] that returned an error
// (other than its cancellation): it is logged, and with
// [EscalateFiberErrors] it fails the actor, whose supervisor receives it.
// It is a plain value.
type FiberError struct {
	// Actor is the actor's name, as "address/id".
	Actor string
	// Fiber is the fiber's name.
	Fiber string
	// Err is what the fiber returned.
	Err error
}

// Error describes the failure.
func (e *FiberError) Error() string {
	return "actor " + e.Actor + ": fiber " + strconv.Quote(e.Fiber) + " failed: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *FiberError) Unwrap() error { return e.Err }
