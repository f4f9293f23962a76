package bridge

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/weft-go/weft/fiber"
)

// Loader batches the loads that an actor's fibers make: the keys asked for
// while the actor's fibers run are collected, and once every fiber of the
// actor is suspended the loader issues one call to its batch function with
// the distinct keys, on another goroutine, then resumes each waiting fiber
// with its value. The number of batch calls for a computation therefore
// equals the height of its data-dependency graph, not the number of loads
// (the DataLoader pattern, Asana's fiber batching).
//
// A key already in flight (asked for, batch not yet answered) is not asked
// for again: its loaders share the answer. Nothing is cached beyond that.
//
// Create a Loader with [NewLoader]; the zero value is not usable and a
// Loader must not be copied. It belongs to one actor: use it only from that
// actor's turns.
type Loader[K comparable, V any] struct {
	h        *Host
	name     string
	batch    func(ctx context.Context, keys []K) (map[K]V, error)
	queued   map[K]*loadCall[V] // asked for, not yet sent
	keys     []K                // queued keys, in the order first asked
	inflight map[K]*loadCall[V] // sent, not yet answered
	calls    int
}

// loadCall is one key's load, shared by the fibers that asked for it.
type loadCall[V any] struct {
	waiters []fiber.Waker
	v       V
	err     error
	panic   *fiber.PanicError // the batch function's panic, re-raised in each waiter
}

// NewLoader returns a loader for the actor of h. batch is called with the
// distinct keys of one batch, on a goroutine of its own, with a context that
// is cancelled when the actor stops; it returns a value for each key, or an
// error that every load of the batch returns. If batch panics, the panic is
// re-raised, as a [*fiber.PanicError] carrying batch's stack, in every fiber
// waiting for a key of the batch (as [fiber.Await] does). name labels the
// batch calls in panics.
func NewLoader[K comparable, V any](h *Host, name string, batch func(ctx context.Context, keys []K) (map[K]V, error)) *Loader[K, V] {
	return &Loader[K, V]{
		h: h, name: name, batch: batch,
		queued:   make(map[K]*loadCall[V]),
		inflight: make(map[K]*loadCall[V]),
	}
}

// Load suspends f until the value for key has been fetched as part of a
// batch, and returns it. It returns the batch's error if the batch failed,
// an error wrapping [ErrNoValue] if the batch returned no value for key, and
// the cancellation error if f is cancelled first (at once, asking for
// nothing, if f is already cancelled).
//
// Load is a suspension point: it must be called by f itself, and f must
// live in the loader's actor.
func (l *Loader[K, V]) Load(f *fiber.Fiber, key K) (V, error) {
	if HostOf(f) != l.h {
		panic("bridge: Loader.Load from a fiber of another actor")
	}
	if f.Cancelled() {
		var zero V
		return zero, l.h.scheduler().Suspend(f, "load "+l.name) // fails at once: ask for nothing
	}
	w := l.h.scheduler().Waker(f) // first: inside fiber.Critical it panics before anything is queued
	c := l.inflight[key]
	if c == nil {
		c = l.queued[key]
	}
	if c == nil {
		c = &loadCall[V]{}
		if len(l.queued) == 0 {
			hc := l.h.more()
			hc.pendingLoads = append(hc.pendingLoads, l)
		}
		l.queued[key] = c
		l.keys = append(l.keys, key)
	}
	c.waiters = append(c.waiters, w)
	if err := l.h.scheduler().Suspend(f, "load "+l.name); err != nil {
		var zero V
		return zero, err
	}
	if c.panic != nil {
		panic(c.panic)
	}
	return c.v, c.err
}

// Batches returns the number of batch calls the loader has issued.
func (l *Loader[K, V]) Batches() int { return l.calls }

// dispatch sends the queued keys as one batch. The host calls it when
// every fiber is suspended.
func (l *Loader[K, V]) dispatch() {
	keys, calls := l.keys, l.queued
	l.keys, l.queued = nil, make(map[K]*loadCall[V])
	for k, c := range calls {
		l.inflight[k] = c
	}
	l.calls++
	l.h.scheduler().Offload(l.name, func(ctx context.Context) func() {
		values, err, pe := l.call(ctx, keys)
		return func() {
			for _, k := range keys {
				c := calls[k]
				delete(l.inflight, k)
				v, ok := values[k]
				switch {
				case pe != nil:
					c.panic = pe
				case err != nil:
					c.err = err
				case !ok:
					c.err = fmt.Errorf("%w: %v", ErrNoValue, k)
				default:
					c.v = v
				}
				for _, w := range c.waiters {
					w.Wake(nil)
				}
			}
		}
	})
}

// call calls the batch function, turning a panic into a *fiber.PanicError.
func (l *Loader[K, V]) call(ctx context.Context, keys []K) (values map[K]V, err error, pe *fiber.PanicError) {
	defer func() {
		if r := recover(); r != nil {
			pe = &fiber.PanicError{Fiber: "loader " + l.name + " (batch)", Value: r, Stack: debug.Stack()}
		}
	}()
	values, err = l.batch(ctx, keys)
	return values, err, nil
}
