// Package actor provides Weft's typed actors: isolated state behind a typed
// mailbox, with fibers inside that carry linear flows as plain sequential
// code, on top of protoactor-go.
//
// A [System] wraps a protoactor-go ActorSystem. [Spawn] starts an actor from
// a [Behavior] of protocol M and returns a [Ref] of M: sending a message
// outside the protocol is a compile error. A request names its reply type
// by embedding [Request], so that [Ask] (from a fiber) and [Call] (from
// outside actors) infer the reply, and the responder answers through a
// typed [Reply] taken with [ReplyTo]:
//
//	type CounterMsg interface{ counterMsg() }
//	type Add struct{ N int }
//	type Get struct{ actor.Request[CounterMsg, int] } // answered with an int
//	func (Add) counterMsg() {}
//	func (Get) counterMsg() {}
//
//	ref, err := actor.Spawn(sys, "counter", func() actor.Behavior[CounterMsg] {
//		n := 0
//		return actor.BehaviorFunc[CounterMsg](func(self *actor.Self[CounterMsg], msg CounterMsg) {
//			switch m := msg.(type) {
//			case Add:
//				n += m.N
//			case Get:
//				actor.ReplyTo(self, m).Send(n)
//			}
//		})
//	})
//	ref.Send(Add{N: 2})
//	n, err := actor.Call(ctx, ref, Get{}) // n is an int
//
// # One way per act
//
//   - Start an actor: [Spawn] (top level) or [SpawnChild] (from a parent's
//     turns). Stop it: [Ref.Stop] from outside (waits), [Self.Stop] from
//     itself.
//   - Send: [Ref.Send]; [TrySend] to learn that a bounded mailbox is full,
//     [SendWait] to wait (suspending the fiber) while it is.
//   - Request: [Ask] from a fiber, [Call] from outside actors; answer with
//     [ReplyTo] and [Reply.Send] or [Reply.Fail]; hand a request on to
//     another actor with [Forward].
//   - Start a fiber: [Self.Go] in the behavior, [fiber.Fiber.Spawn] inside
//     a fiber; wait for a message: [Receive] (by type) or [ReceiveFunc] (by
//     predicate); bound a wait: [Within]; a blocking call: [fiber.Await];
//     batch loads: [NewLoader].
//   - Learn that another actor ended: [Self.Watch], which delivers a
//     [Terminated] notice as a message of the watcher's protocol.
//   - Match a failure: [ErrTimeout], [ErrDeadTarget], [ErrDeadlock],
//     [ErrStopped], [ErrRestarted] under [errors.Is].
//   - Reach protoactor-go for what Weft does not wrap (remote, cluster,
//     event stream): the Raw methods ([System.Raw], [Self.Raw]) with
//     [Ref.PID] and [RefOf] are the one escape hatch.
//
// # Fibers inside actors
//
// A behavior spawns fibers with [Self.Go]. Fibers run only inside the
// actor's turns: a turn hands one message to a waiting fiber or to the
// behavior, then runs every ready fiber until each suspends. Every wait a
// fiber makes — [Ask] (a typed request to another actor), a selective
// receive ([Receive]), a timer ([fiber.Fiber.Sleep]), a blocking
// call ([fiber.Await]) — suspends the fiber, not the actor, which keeps
// serving its mailbox. The behavior and its fibers share the actor's state
// without locks.
//
// # Lifecycle and failure
//
// Behaviors may implement [Starter], [Stopper] and [Restarter]. Stopping or
// restarting an actor cancels its fibers (with [ErrStopped] or
// [ErrRestarted]) and runs their cleanups before the Stopped (or the
// restart) completes; the requests it holds unanswered then fail their
// askers. A panic in the behavior or in a fiber (an unsupervised one, see
// [fiber.Supervised]) fails the actor; the [*fiber.PanicError] of a fiber
// keeps its name and stack, and the actor's supervisor decides what
// happens next: the strategy of package
// [github.com/weft-go/weft/supervision] given to its parent with
// [WithSupervisor], or, for a top-level actor, given to the actor itself.
// An error a fiber returns is logged, and fails the actor with
// [EscalateFiberErrors].
//
// # Logging
//
// A system logs to [slog.Default] unless given another logger
// ([WithLogger]): what behaviors log through [Self.Logger] (with the
// actor's name), fibers' errors, stop problems and watchdog reports, and
// protoactor-go's own warnings and errors. Actors are named "address/id"
// everywhere, as [Ref.String] writes them.
//
// [System.Shutdown] stops every actor, waits for them and their fibers, and
// leaves no goroutine behind.
//
// # Introspection, watchdog and deadlocks
//
// [System.Top] describes every running actor and its fibers (name, state,
// what each waits on and since when, age, runs), each as seen from one of
// its own turns; package top serves that table over HTTP as text or
// JSON, as net/http/pprof serves profiles, and fibers carry pprof labels
// ("weft.actor", "weft.fiber", "weft.fiber.id") so that CPU profiles name
// them.
//
// [WithWatchdog] bounds how long an actor's code may run without
// suspending (Tarantool's fiber slice): a slice past the warning limit is
// reported with its stack, one past the failure limit fails the actor
// with a [*StallError] once it ends.
//
// Requests between the system's actors that stay pending are checked for
// wait cycles ([WithDeadlockDetection]): the requests of a cycle fail with
// an error matching [ErrDeadlock] (a [*bridge.DeadlockError] naming every
// fiber of the cycle and its stack).
//
// Package actortest runs tests of actors in virtual time, reproducibly.
//
// # Concurrency
//
// [System] (Top included), [Ref], [Spawn], [Call] and [Reply] are safe
// for concurrent use. A [Self] and everything reached through it belong to
// the actor's turns: use them only from the behavior and the actor's
// fibers. Actors run their turns on
// a pool of worker goroutines owned by the system.
package actor
