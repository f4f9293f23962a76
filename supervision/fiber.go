package supervision

import (
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/supervise"
)

// Fiber runs fn as a supervised child fiber of f, named name, and restarts
// it when it ends, the way a [Strategy] restarts a child actor: inside one
// actor, a parent fiber supervises its own children. The child is spawned
// with [fiber.Supervised], so its panic does not fail the actor; it
// becomes the [*fiber.PanicError] that Fiber hands to the decider. Each
// incarnation is a new fiber: the previous one has finished, its children
// included, and its deferred cleanups have run, before the next starts.
//
// When the child ends, its restart kind (see [WithRestart]; [Transient]
// unless told otherwise) decides: a [Temporary] child is never restarted, a
// [Transient] one only after an error or a panic, a [Permanent] one also
// after returning nil. A failure goes to the [Decider] (see
// [WithDecider]): [Restart] and [Resume] restart the child, [Stop] and
// [Escalate] end the supervision with the child's error. Restarts are
// bounded by the intensity ([WithIntensity]) and spaced by the [Backoff]
// ([WithBackoff]), which f waits out with [fiber.Fiber.Sleep], so that an
// actor keeps serving its mailbox meanwhile. [WithObserver] sees every
// decision. [WithExceeded] and [WithRestartFunc] do not apply.
//
// Fiber returns nil when the child ends normally and is not to be
// restarted, the child's error when it is not to be restarted after a
// failure, an [*ExceededError] (matching [ErrIntensityExceeded]) when the
// intensity is exceeded, and the cancellation error if f is cancelled (the
// child, cancelled with f, then finishes before f does).
//
// Fiber is a suspension point: it must be called by f itself.
func Fiber(f *fiber.Fiber, name string, fn func(*fiber.Fiber) error, opts ...Option) error {
	cfg := newConfig(PolicyOneForOne, opts)
	kind := Transient
	if cfg.KindSet {
		kind = cfg.Kind
	}
	var h supervise.History
	for {
		child := f.Spawn(name, fn, fiber.Supervised())
		err := f.Join(child)
		if f.Cancelled() {
			// Join failed with the cancellation error, or the child ended
			// because of it: either way f is done supervising. Yield
			// returns f's cancellation error at once.
			return f.Yield()
		}
		if kind == Temporary || (kind == Transient && err == nil) {
			return err
		}
		ev := supervise.Event{Name: name, Directive: Restart}
		if err != nil {
			ev.Reason = err
			ev.Directive = cfg.Decider(err)
		}
		switch ev.Directive {
		case Stop, Escalate:
			cfg.Observe(ev)
			return err
		case Resume:
			ev.Directive = Restart // a finished fiber cannot resume
		}
		now := f.Now()
		n, ok := h.Admit(now, cfg.Max, cfg.Window)
		ev.Failures = n
		if !ok {
			ex := &ExceededError{Name: name, Max: cfg.Max, Window: cfg.Window}
			if err != nil {
				ex.Reason = err
			}
			ev.Directive, ev.Err = Stop, ex
			cfg.Observe(ev)
			return ex
		}
		ev.Delay = h.NextDelay(now, &cfg)
		cfg.Observe(ev)
		if ev.Delay > 0 {
			if err := f.Sleep(ev.Delay); err != nil {
				return err
			}
		}
		h.Restarted(f.Now())
	}
}
