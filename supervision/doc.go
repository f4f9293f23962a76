// Package supervision provides supervision for Weft actors and fibers:
// restart strategies (one-for-one, all-for-one, rest-for-one) with a
// restart intensity and true exponential backoff, restart kinds
// (permanent, transient, temporary), supervision trees that start and stop
// a service's actors in order, and supervision of child fibers inside one
// actor.
//
// # Strategies
//
// A [Strategy] is a protoactor-go actor.SupervisorStrategy: give it to a
// supervisor with actor.WithSupervisor (or actor.WithGuardian for a
// top-level actor's own failures):
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
// new incarnation, keeping its PID.
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
// [WithRestart]). A strategy sees only failures; a [Tree] also sees its
// children stop on their own, and starts a Permanent child anew.
//
// # Trees
//
// A [Tree] declares a service: ordered [ChildSpec]s, each with a start
// function ([StartActor] for a Weft behavior), a restart kind and a stop
// timeout. [Tree.Start] starts the children one at a time, in order, each
// once the previous has handled its Started message; if one fails to
// start, the others stop in reverse order and Start returns the error.
// [Service.Stop] stops them in reverse order, gracefully (a poison pill)
// and by force after each child's timeout. A tree restarts the children
// of a group one at a time too, so the order of their hooks is exact.
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
// The package sits beside package mailbox, under package actor in Weft's
// layering, and imports: protoactor-go, whose SupervisorStrategy and
// Supervisor interfaces the strategies implement; package fiber, for
// [Fiber] and to recognize [*fiber.PanicError] reasons; package actor, for
// trees, whose supervisor actor is a Weft actor (actor.Spawn, so that
// System.Shutdown stops it) and whose children are spawned with
// actor.SpawnChild; and package bridge, for the tree's waits (a child's
// start handshake, its Terminated message) inside that actor's fibers.
// Package actor does not import this package.
//
// # Failures and panics
//
// Failures of supervised children are values, never re-panicked: a
// strategy hands them to its decider and, when it escalates, to the
// supervisor's own supervisor with the reason kept. A panicking start
// function of a tree fails that child's start. Misuse (a Backoff factor
// below 1, a child spec without a name or start function, duplicate
// names, an invalid exceeded directive) panics with a message that starts
// with "supervision: ".
//
// # Concurrency
//
// A [Strategy]'s HandleFailure and Stop are safe for concurrent use: one
// strategy may supervise several actors, which protoactor runs on
// different goroutines; its state is guarded by one mutex, and deciders,
// restart-kind functions and observers are called on the supervisor's
// goroutine. A [Service]'s methods are safe for concurrent use; the tree's
// state belongs to its actor. [Fiber] belongs to its fiber, like every
// fiber call. [Backoff], [Tree] and [ChildSpec] are plain values.
package supervision
