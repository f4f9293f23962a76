package bridge

import "errors"

// ErrTimeout is returned by a wait whose [Within] deadline passed first.
var ErrTimeout = errors.New("bridge: timed out")

// ErrDeadLetter is returned by [Request] when the request could not be
// delivered: the target does not exist (or no longer does).
var ErrDeadLetter = errors.New("bridge: request target is dead (dead letter)")

// ErrUnexpectedReply is returned (wrapped, with the types involved) by
// [Request] when the reply is not of the requested type.
var ErrUnexpectedReply = errors.New("bridge: unexpected reply type")

// ErrNotHosted is the panic value's prefix when a bridge wait is called on a
// fiber that does not live in an actor (see [Host]).
var ErrNotHosted = errors.New("bridge: fiber is not hosted by an actor")

// ErrNoValue is returned (wrapped, with the key) by [Loader.Load] when the
// batch function returned no value and no error for the key.
var ErrNoValue = errors.New("bridge: batch returned no value for the key")

// ErrNotRunning is returned by [Request] from a fiber whose actor has not
// started or has stopped.
var ErrNotRunning = errors.New("bridge: actor is not running")

// ErrDeadlock is matched (under [errors.Is]) by the [*DeadlockError] that
// fails the requests of a wait cycle.
var ErrDeadlock = errors.New("bridge: deadlock: wait cycle")
