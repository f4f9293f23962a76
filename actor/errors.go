package actor

import "errors"

// ErrShutdown is returned by [Spawn] once the system is shutting down.
var ErrShutdown = errors.New("actor: system is shut down")

// ErrStopTimeout is returned (wrapped) by [System.Shutdown] when an actor
// did not finish stopping in time.
var ErrStopTimeout = errors.New("actor: actor did not stop in time")

// ErrStalled is matched (under [errors.Is]) by the [*StallError] with which
// the slice watchdog fails an actor (see [Watchdog.Fail]).
var ErrStalled = errors.New("actor: slice ran too long without suspending")
