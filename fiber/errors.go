package fiber

import (
	"context"
	"errors"
	"fmt"
)

// ErrStopped is the cancellation cause given to every fiber still alive when
// its [Scheduler] is closed with [Scheduler.Close].
var ErrStopped = errors.New("fiber: scheduler stopped")

// ErrClosed is returned by [Chan] operations on a closed channel: by
// [Chan.Send] at once, and by [Chan.Recv] once the buffer is drained.
var ErrClosed = errors.New("fiber: chan closed")

// ErrDeadlock is the cancellation cause [Run] uses when every fiber is
// suspended and nothing (no timer, no [Await] call, no cancellation of the
// context) can ever wake one of them. The error [Run] returns wraps it and
// lists what each fiber was waiting on.
var ErrDeadlock = errors.New("fiber: deadlock: all fibers are suspended and nothing can wake them")

// PanicError is the error a panicking fiber leaves behind. It keeps the
// panic value, the fiber's name and the stack of the panicking fiber at the
// point of the panic.
//
// An unsupervised panic fails the fiber's owner: [Scheduler.RunReady]
// returns it and [Run] returns it. A fiber spawned with [Supervised] hands it
// to whoever joins it instead. A PanicError is a plain value, never
// modified once built: it may be copied and read from any goroutine.
type PanicError struct {
	// Fiber is the name of the fiber that panicked.
	Fiber string
	// Value is the value passed to panic.
	Value any
	// Stack is the panicking fiber's stack, as formatted by runtime/debug.Stack.
	Stack []byte
}

// Error reports the fiber, the panic value and the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("fiber: panic in fiber %q: %v\n\n%s", e.Fiber, e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error, so that [errors.Is] and
// [errors.As] see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// canceledError is what suspension points return once a fiber is cancelled
// with a cause other than context.Canceled or context.DeadlineExceeded: it
// matches both context.Canceled and the cause under errors.Is.
type canceledError struct{ cause error }

func (e *canceledError) Error() string   { return "fiber: canceled: " + e.cause.Error() }
func (e *canceledError) Unwrap() []error { return []error{context.Canceled, e.cause} }

// cancelErr builds the error suspension points return after a cancellation
// with the given cause.
func cancelErr(cause error) error {
	switch {
	case cause == nil:
		return context.Canceled
	case errors.Is(cause, context.Canceled), errors.Is(cause, context.DeadlineExceeded):
		return cause
	default:
		return &canceledError{cause: cause}
	}
}

// causeOf returns the cause of a cancellation from the error cancelErr
// built for it.
func causeOf(cancelled error) error {
	if ce, ok := cancelled.(*canceledError); ok {
		return ce.cause
	}
	return cancelled
}
