// Package actor provides Weft's typed actors: isolated state behind a typed
// mailbox, with fibers inside that carry linear flows as plain sequential
// code, on top of protoactor-go.
//
// A [System] wraps a protoactor-go ActorSystem. [Spawn] starts an actor from
// a [Behavior] of protocol M and returns a [Ref] of M: sending a message
// outside the protocol is a compile error.
//
//	type CounterMsg interface{ counterMsg() }
//	type Add struct{ N int }
//	type Get struct{}
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
//				self.Respond(n)
//			}
//		})
//	})
//	ref.Send(Add{N: 2})
//	n, err := actor.Call[int, CounterMsg](ctx, ref, Get{})
//
// # Fibers inside actors
//
// A behavior spawns fibers with [Self.Go]. Fibers run only inside the
// actor's turns: a turn hands one message to a waiting fiber or to the
// behavior, then runs every ready fiber until each suspends. Every wait a
// fiber makes — [Ask] (a typed request to another actor), a selective
// receive ([bridge.Receive]), a timer ([fiber.Fiber.Sleep]), a blocking
// call ([fiber.Await]) — suspends the fiber, not the actor, which keeps
// serving its mailbox. The behavior and its fibers share the actor's state
// without locks.
//
// # Lifecycle and failure
//
// Behaviors may implement [Starter], [Stopper] and [Restarter]. Stopping or
// restarting an actor cancels its fibers and runs their cleanups before the
// Stopped (or the restart) completes. A panic in the behavior or in a
// fiber (an unsupervised one, see [fiber.Supervised]) fails the actor; the
// [*fiber.PanicError] of a fiber keeps its name and stack, and the actor's
// supervisor decides what happens next: the strategy of package
// [github.com/weft-go/weft/supervision] given to its parent with
// [WithSupervisor], or, for a top-level actor, given to the actor itself.
//
// [System.Shutdown] stops every actor, waits for them and their fibers, and
// leaves no goroutine behind.
//
// # Introspection, watchdog and deadlocks
//
// [System.Top] describes every running actor and its fibers (name, state,
// what each waits on and since when, age, runs), each as seen from one of
// its own turns; [TopHandler] serves that table over HTTP as text or JSON,
// as net/http/pprof serves profiles, and fibers carry pprof labels
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
// a [*bridge.DeadlockError] naming every fiber of the cycle and its stack.
//
// Package actortest runs tests of actors in virtual time, reproducibly.
//
// # Concurrency
//
// [System] (Top included), [Ref], [Spawn], [Call] and [TopHandler] are
// safe for concurrent use. A [Self]
// and everything reached through it belong to the actor's turns: use them
// only from the behavior and the actor's fibers. Actors run their turns on
// a pool of worker goroutines owned by the system.
package actor
