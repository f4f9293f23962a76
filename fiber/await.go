package fiber

import (
	"context"
	"runtime/debug"
)

// Await runs fn on a new goroutine and suspends f until it returns, then
// returns fn's results. It is how a fiber makes a blocking call (a syscall,
// network or database I/O) without blocking its scheduler's owner: the
// other fibers, and the owner, keep running meanwhile.
//
// fn receives f's context ([Fiber.Context]), which is cancelled when f is.
// If f is cancelled while fn runs, Await returns the cancellation error at
// once and fn's results are discarded when it returns; the scheduler still
// owns the goroutine ([Scheduler.Close] and [Run] wait for it), so fn should
// honour ctx. If fn panics, the panic is re-raised in f as a [*PanicError]
// carrying fn's stack; if f no longer waits, it fails the scheduler's owner.
//
// Await is a suspension point: it must be called by f itself.
func Await[T any](f *Fiber, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	s := f.s
	if s.current != f {
		misuse("Await called from outside the fiber")
	}
	if f.cancelled != nil {
		return zero, f.cancelled
	}
	ctx, name := f.Context(), f.Name()
	w := f.Waker()
	var (
		res T
		err error
		pe  *PanicError
	)
	s.awaitStarted()
	go func() {
		defer s.awaitFinished()
		r, e, p := callBlocking(name, ctx, fn)
		s.Post(func() {
			res, err, pe = r, e, p
			if !w.Wake(nil) && p != nil {
				// Nobody waits: the panic must not vanish.
				if s.failure == nil {
					s.failure = p
				}
				s.failNew = true
			}
		})
	}()
	if werr := f.suspend("await", "", nil); werr != nil {
		return zero, werr
	}
	if pe != nil {
		panic(pe)
	}
	return res, err
}

// callBlocking calls fn, turning a panic into a *PanicError.
func callBlocking[T any](name string, ctx context.Context, fn func(context.Context) (T, error)) (res T, err error, pe *PanicError) {
	defer func() {
		if r := recover(); r != nil {
			pe = &PanicError{Fiber: name + " (Await)", Value: r, Stack: debug.Stack()}
		}
	}()
	res, err = fn(ctx)
	return res, err, nil
}
