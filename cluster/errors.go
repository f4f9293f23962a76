package cluster

import (
	"errors"
	"fmt"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/proto/clusterpb"
)

// ErrUnavailable is matched by the error of a request ([Ask], [Call],
// [Tell], [Ref.Send]) that found no member to host its virtual actor: no
// member of the cluster hosts the kind, the member that should host it
// does not answer, or it kept failing the activation until the deadline.
// The error also matches the last failure seen, such as
// [actor.ErrDeadTarget] for a member that went away.
var ErrUnavailable = errors.New("cluster: virtual actor unavailable")

// ErrShutdown is returned by the requests of a [Member] that is shutting
// down or shut down.
var ErrShutdown = errors.New("cluster: member is shut down")

// The errors of Ask and Call match these sentinels of package actor too:
// [actor.ErrTimeout] past the deadline (with the default request timeout
// of [Config] too), [actor.ErrDeadTarget] when the virtual actor stopped
// before it answered, [actor.ErrRestarted], and [actor.ErrDeadlock] for
// a wait cycle found on the responder's member.

// RemoteError is the error with which a virtual actor failed a request
// ([actor.Reply.Fail]) with an error of the application's: only its text
// crosses the wire, so errors.Is cannot match the original error on the
// asker's member. Match it with errors.As.
type RemoteError struct {
	// Message is the error's text on the responder's member.
	Message string
}

// Error returns the remote error's text.
func (e *RemoteError) Error() string { return e.Message }

// failureOf encodes err, the error a virtual actor answered with, for the
// wire.
func failureOf(err error) *clusterpb.Failure {
	code := clusterpb.Failure_CODE_UNSPECIFIED
	switch {
	case errors.Is(err, actor.ErrDeadlock):
		code = clusterpb.Failure_CODE_DEADLOCK
	case errors.Is(err, actor.ErrRestarted):
		code = clusterpb.Failure_CODE_RESTARTED
	case errors.Is(err, actor.ErrDeadTarget):
		code = clusterpb.Failure_CODE_DEAD_TARGET
	case errors.Is(err, actor.ErrTimeout):
		code = clusterpb.Failure_CODE_TIMEOUT
	case errors.Is(err, ErrUnavailable):
		code = clusterpb.Failure_CODE_UNAVAILABLE
	}
	return &clusterpb.Failure{Code: code, Message: err.Error()}
}

// errorOf decodes a failure that came over the wire into an error that
// matches the sentinel its code names.
func errorOf(f *clusterpb.Failure) error {
	var sentinel error
	switch f.GetCode() {
	case clusterpb.Failure_CODE_DEAD_TARGET:
		sentinel = actor.ErrDeadTarget
	case clusterpb.Failure_CODE_RESTARTED:
		sentinel = actor.ErrRestarted
	case clusterpb.Failure_CODE_TIMEOUT:
		sentinel = actor.ErrTimeout
	case clusterpb.Failure_CODE_DEADLOCK:
		sentinel = actor.ErrDeadlock
	case clusterpb.Failure_CODE_UNAVAILABLE:
		sentinel = ErrUnavailable
	default:
		return &RemoteError{Message: f.GetMessage()}
	}
	return fmt.Errorf("%w (on the responder: %s)", sentinel, f.GetMessage())
}
