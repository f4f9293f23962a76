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

// newExceeded returns the [*ExceededError] of a strategy's child.
func newExceeded(child *pa.PID, name string, maxRestarts int, window time.Duration, reason any) error {
	return &ExceededError{Child: child, Name: name, Max: maxRestarts, Window: window, Reason: reason}
}
