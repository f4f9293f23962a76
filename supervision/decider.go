package supervision

import (
	"errors"
	"reflect"

	"github.com/weft-go/weft/fiber"
)

// Decider maps the reason of a failure to a [Directive]. The reason is what
// protoactor-go recovered: the panic value of the actor's handler, or the
// [*fiber.PanicError] of a fiber of a Weft actor (which keeps the fiber's
// name, panic value and stack); for [Fiber] it is the error the child
// returned (a [*fiber.PanicError] if it panicked). [PanicValue] digs out
// the panic value.
//
// A Decider is called on the supervisor's goroutine (or fiber) while it
// handles the failure: it must not block and must be safe for concurrent
// use if the strategy supervises several actors.
type Decider func(reason any) Directive

// DefaultDecider is the decider strategies use unless told otherwise: it
// restarts, whatever the reason.
func DefaultDecider(any) Directive { return Restart }

// Always returns a decider that decides d, whatever the reason.
func Always(d Directive) Decider {
	return func(any) Directive { return d }
}

// OnError returns a decider that decides d for reasons that match target
// under [errors.Is] (a [*fiber.PanicError] matches what its panic value
// matches), and leaves the others to otherwise ([DefaultDecider] if nil).
func OnError(target error, d Directive, otherwise Decider) Decider {
	if otherwise == nil {
		otherwise = DefaultDecider
	}
	return func(reason any) Directive {
		if err, ok := reason.(error); ok && errors.Is(err, target) {
			return d
		}
		return otherwise(reason)
	}
}

// OnType returns a decider that decides d for reasons whose panic value
// (see [PanicValue]) is a T, or which are errors that hold a T under
// [errors.As], and leaves the others to otherwise ([DefaultDecider] if
// nil).
func OnType[T any](d Directive, otherwise Decider) Decider {
	if otherwise == nil {
		otherwise = DefaultDecider
	}
	// errors.As accepts only targets that are interfaces or errors.
	rt := reflect.TypeFor[T]()
	asErr := rt.Kind() == reflect.Interface || rt.Implements(reflect.TypeFor[error]())
	return func(reason any) Directive {
		if _, ok := PanicValue(reason).(T); ok {
			return d
		}
		if err, ok := reason.(error); ok && asErr {
			var t T
			if errors.As(err, &t) {
				return d
			}
		}
		return otherwise(reason)
	}
}

// PanicValue returns the value passed to panic when reason is a
// [*fiber.PanicError] (possibly wrapped), and reason itself otherwise.
func PanicValue(reason any) any {
	if err, ok := reason.(error); ok {
		var pe *fiber.PanicError
		if errors.As(err, &pe) {
			return pe.Value
		}
	}
	return reason
}
