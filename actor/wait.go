package actor

import (
	"context"

	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// Receive suspends the fiber f until its actor receives a message of type
// T (selective receive), and returns it: that message goes to f instead of
// the behavior, while messages of other types keep reaching the behavior
// (or other waiting fibers). When several fibers wait for matching
// messages, the one that has waited longest gets the next. Only messages
// that arrive after the call are considered: nothing is stashed. T is
// usually one message type of the actor's protocol, such as the notice of
// a [Self.Watch]; a request received this way is answered through
// [ReplyTo] as in the behavior.
//
// Receive is a suspension point: it fails with an error wrapping
// [ErrTimeout] past a [Within] deadline and with f's cancellation error.
// It must be called by f itself, and f must live in an actor.
func Receive[T any](f *fiber.Fiber, opts ...WaitOption) (T, error) {
	var buf [1]bridge.WaitOption
	return bridge.Receive[T](f, bridgeOpts(waitBound(opts), &buf)...)
}

// ReceiveFunc is [Receive] for the messages of type T for which match
// reports true, such as the reply to one particular exchange; match runs
// in the actor's turn and must not suspend.
func ReceiveFunc[T any](f *fiber.Fiber, match func(T) bool, opts ...WaitOption) (T, error) {
	var buf [1]bridge.WaitOption
	return bridge.ReceiveFunc(f, match, bridgeOpts(waitBound(opts), &buf)...)
}

// Loader batches the loads of an actor's fibers (DataLoader's idea): the
// keys its fibers ask for during a turn are collected, and once every
// fiber of the actor is suspended, one call of the batch function gets
// them all, deduplicated. See [bridge.Loader] for its methods.
type Loader[K comparable, V any] = bridge.Loader[K, V]

// NewLoader returns a loader for self's actor. batch is called with the
// distinct keys of one batch, on a goroutine of its own, with a context
// that is cancelled when the actor stops; it returns a value for each key,
// or an error that every load of the batch returns. name labels the batch
// calls in panics and in [System.Top]. Make it in the actor's Started (or
// its produce function's behavior), and use it from the actor's fibers.
func NewLoader[K comparable, V, M any](self *Self[M], name string, batch func(ctx context.Context, keys []K) (map[K]V, error)) *Loader[K, V] {
	return bridge.NewLoader(self.host, name, batch)
}
