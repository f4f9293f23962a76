package supervision

import (
	"errors"
	"fmt"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
)

// ErrIntensityExceeded is wrapped by the [*ExceededError] a supervisor
// reports when a child (or a group) failed more often than its restart
// intensity allows.
var ErrIntensityExceeded = errors.New("supervision: restart intensity exceeded")

// ErrEscalated is wrapped by the error a [Service] ends with (see
// [Service.Err]) when its strategy's decider escalated a child's failure:
// a tree has no supervisor to escalate to, so it stops.
var ErrEscalated = errors.New("supervision: failure escalated")

// ErrStartFailed is wrapped by the error [Tree.Start] returns when a child
// could not be started: its start function failed or panicked, it failed
// while handling Started, or it did not answer within the start timeout.
var ErrStartFailed = errors.New("supervision: child failed to start")

// ErrStopTimeout is wrapped by the error [Service.Stop] returns for a child
// that had not stopped even after it was stopped by force.
var ErrStopTimeout = errors.New("supervision: child did not stop in time")

// ErrStopped is the cancellation cause of a [Tree] start or restart that a
// [Service.Stop] (or the end of the service) interrupted.
var ErrStopped = errors.New("supervision: service stopped")

// ExceededError reports that a child, or a group of children, failed more
// often than the restart intensity allows: more than Max restarts within
// Window. It matches [ErrIntensityExceeded] under [errors.Is], and so does
// the last failure's reason when that is an error.
type ExceededError struct {
	// Child is the child whose failure exceeded the intensity; nil for a
	// fiber (see [Fiber]).
	Child *pa.PID
	// Name is the child's name: its PID's ID, or the fiber's name.
	Name string
	// Max and Window are the intensity that was exceeded.
	Max    int
	Window time.Duration
	// Reason is the last failure's reason: a panic value, an error, or a
	// [*github.com/weft-go/weft/fiber.PanicError]; nil if the last end was
	// normal (a [Permanent] child that returned or stopped).
	Reason any
}

// Error describes the child, the intensity and the last reason.
func (e *ExceededError) Error() string {
	within := "ever"
	if e.Window > 0 {
		within = "within " + e.Window.String()
	}
	return fmt.Sprintf("supervision: restart intensity exceeded: %q needed more than %d restart(s) %s; last reason: %v",
		e.Name, e.Max, within, e.Reason)
}

// Unwrap returns [ErrIntensityExceeded] and, if the reason is an error,
// the reason.
func (e *ExceededError) Unwrap() []error {
	if err, ok := e.Reason.(error); ok {
		return []error{ErrIntensityExceeded, err}
	}
	return []error{ErrIntensityExceeded}
}
