package service

import "errors"

// ErrStartFailed is wrapped by the error [Tree.Start] returns when a child
// could not be started: its start function failed or panicked, it failed
// while handling Started, or it did not answer within the start timeout.
var ErrStartFailed = errors.New("service: child failed to start")

// ErrStopTimeout is wrapped by the error [Supervisor.Stop] returns for a
// child that had not stopped even after it was stopped by force.
var ErrStopTimeout = errors.New("service: child did not stop in time")

// ErrStopped is the cancellation cause of a [Tree] start or restart that a
// [Supervisor.Stop] (or the end of the service) interrupted.
var ErrStopped = errors.New("service: service stopped")

// ErrEscalated is wrapped by the error a service ends with (see
// [Supervisor.Err]) when its strategy's decider escalated a child's
// failure: a tree has no supervisor to escalate to, so it stops.
var ErrEscalated = errors.New("service: failure escalated")

// ErrTreeFailed is wrapped by the error a service ends with (see
// [Supervisor.Err]) when the tree's own actor failed, such as when a
// decider or observer of its strategy panicked; the error wraps the
// failure's reason too, when that is an error. The tree then stops, and
// its children with it, all at once.
var ErrTreeFailed = errors.New("service: the tree's actor failed")
