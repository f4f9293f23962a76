package fiber

import (
	"context"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
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
	if f.critical > 0 {
		criticalMisuse(f, "await")
	}
	if f.cancelled != nil {
		return zero, f.cancelled
	}
	ctx, name := f.Context(), f.Name()
	if s.labels != nil && s.mon == nil && f.runs == 1 {
		// In its first run, f carries only its scheduler's labels (see
		// Scheduler.spawn): give it, and so the goroutine started here,
		// its name and ID now.
		pprof.SetGoroutineLabels(pprof.WithLabels(s.labels, pprof.Labels(
			"weft.fiber", name, "weft.fiber.id", strconv.FormatUint(f.id, 10))))
	}
	w := f.waker()
	var (
		res T
		err error
		pe  *PanicError
	)
	s.offload(ctx, func(ctx context.Context) (func(), *PanicError) {
		r, e, p := callBlocking(name, ctx, fn)
		return func() {
			res, err, pe = r, e, p
			if !w.Wake(nil) && p != nil {
				s.fail(p) // nobody waits: the panic must not vanish
			}
		}, p
	})
	if werr := f.suspend("await", nil); werr != nil {
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

// Offload runs fn on a new goroutine owned by the scheduler and then runs
// the function fn returns, if not nil, on the owner, inside
// [Scheduler.RunReady]: it is how owner-level machinery (such as a batch
// loader) makes a blocking call and hands the result back to its fibers.
// fn receives a context that is cancelled when the scheduler is closed.
// [Scheduler.Close] and [Run] wait for fn to return. A panic in fn fails the
// owner with a [*PanicError] named name.
//
// Offload does not block. It must be called by the owner (from a fiber or
// from the code driving the scheduler), not after Close.
func (s *Scheduler) Offload(name string, fn func(ctx context.Context) (then func())) {
	if s.closing {
		misuse("Offload on a closed scheduler")
	}
	s.offload(s.lifeContext(), func(ctx context.Context) (func(), *PanicError) {
		then, _, pe := callBlocking(name, ctx, func(ctx context.Context) (func(), error) { return fn(ctx), nil })
		if pe != nil {
			return func() { s.fail(pe) }, pe
		}
		return then, nil
	})
}

// offload runs fn on a goroutine counted by the scheduler and posts the
// function it returns. fn also returns the panic, if any, that function
// reports: if the scheduler is closed and refuses the post, the panic is
// kept for [Scheduler.Close] to return instead of vanishing.
func (s *Scheduler) offload(ctx context.Context, fn func(context.Context) (then func(), pe *PanicError)) {
	s.awaitStarted()
	go func() {
		defer s.awaitFinished()
		if then, pe := fn(ctx); then != nil && !s.Post(then) && pe != nil {
			s.mu.Lock()
			if s.lost == nil {
				s.lost = pe
			}
			s.mu.Unlock()
		}
	}()
}
