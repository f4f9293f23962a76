// Package supervision provides supervision for Weft actors and fibers:
// restart strategies (one-for-one, all-for-one, rest-for-one) with a
// restart intensity and true exponential backoff, deciders and
// directives, restart kinds (permanent, transient, temporary), and
// supervision of child fibers inside one actor. Package
// [github.com/weft-go/weft/service] builds service trees on these
// strategies.
//
// # Strategies
//
// A [Strategy] is given to an actor with
// [github.com/weft-go/weft/actor.WithSupervisor]: it supervises the
// actor's children and, for a top-level actor (which has no parent to
// decide for it), the actor itself:
//
//	strategy := supervision.RestForOne(
//		supervision.WithIntensity(5, time.Minute),
//		supervision.WithBackoff(supervision.Backoff{Base: 100 * time.Millisecond, Cap: 10 * time.Second,
//			Jitter: supervision.FullJitter, ResetAfter: time.Minute}),
//	)
//	ref, err := actor.Spawn(sys, "pipeline", newPipeline, actor.WithSupervisor(strategy))
//
// When a child fails (a panic in its handler, or an unsupervised panic in
// one of its fibers, reported as a [*fiber.PanicError]), the [Decider]
// picks a [Directive]. To restart, [OneForOne] takes the failed child,
// [AllForOne] every child, [RestForOne] the failed child and those started
// after it; the children are sent their restarts in start order. A
// restarted Weft actor goes through its Restarting hook, the cancellation
// of its fibers (their deferred cleanups run) and the Started hook of a
// new incarnation, keeping its PID. Every decision is an [Event], for
// observers ([WithObserver]).
//
// # Restart intensity and backoff
//
// At most N restarts within a window T ([WithIntensity]), counted per
// child under OneForOne and per supervisor under AllForOne and RestForOne;
// the failure that would need one more escalates (or stops, see
// [WithExceeded]) with an [*ExceededError] matching [ErrIntensityExceeded].
// A [Backoff] delays restarts exponentially, min(Cap, Base·Factor^n),
// with full or equal jitter from an injectable random source, and starts
// again from Base once the child has run for a quiet period. Delayed
// restarts wait on timers ([time.AfterFunc]) owned by the strategy,
// blocking no goroutine; the failed child's mailbox stays suspended
// meanwhile, so its messages wait. Time comes from package time, so tests
// run strategies in a [testing/synctest] bubble, on virtual time.
//
// # Restart kinds
//
// A [Permanent] child is always restarted, a [Transient] one only after a
// failure (not after a normal stop), a [Temporary] one never (see
// [WithRestart]). A strategy sees only failures; a service tree
// ([github.com/weft-go/weft/service.Tree]) also sees its children stop on
// their own, and starts a Permanent child anew.
//
// # Fibers
//
// [Fiber] supervises a child fiber from its parent fiber, inside one actor
// (or under fiber.Run): it restarts the child per its restart kind,
// decider, intensity and backoff, waiting out the backoff with
// [fiber.Fiber.Sleep] so that the actor keeps serving its mailbox.
//
// # Dependencies
//
// The package is a leaf under package actor in Weft's layering, beside
// package mailbox: package actor takes its strategies. It imports
// protoactor-go's actor package, whose SupervisorStrategy and Supervisor
// interfaces the strategies implement and drive; package fiber, for
// [Fiber] and to recognize [*fiber.PanicError] reasons; and the module's
// internal strategy engine, which also lets service trees take parts of a
// strategy's work over without that being part of this package's API.
//
// # Failures and panics
//
// Failures of supervised children are values, never re-panicked: a
// strategy hands them to its decider and, when it escalates, to the
// supervisor's own supervisor with the reason kept. Misuse (a Backoff
// factor below 1, an invalid exceeded directive) panics with a message
// that starts with "supervision: ".
//
// # Concurrency
//
// A [Strategy]'s HandleFailure and Stop are safe for concurrent use: one
// strategy may supervise several actors, which protoactor runs on
// different goroutines; its state is guarded by one mutex, and deciders,
// restart-kind functions and observers are called on the supervisor's
// goroutine. [Fiber] belongs to its fiber, like every fiber call.
// [Backoff] and [Event] are plain values.
package supervision
