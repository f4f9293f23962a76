// Package bridge runs fibers inside protoactor-go actors, turning every wait
// a fiber makes into a suspension of the fiber while its actor keeps
// serving its mailbox.
//
// An actor's [Host] owns a [fiber.Scheduler] and runs it from the actor's
// turns: a turn delivers one message (to a fiber waiting for it, or to the
// actor's handler), then runs every ready fiber until each suspends. Fibers
// therefore touch the actor's state only inside its turns, one at a time,
// and need no locks.
//
// Inside a fiber, these calls suspend the fiber, never the actor:
//
//   - [Request] sends a request to any protoactor PID, local or remote, and
//     returns its typed reply (the responder just calls Respond);
//   - [Receive], [ReceiveFunc] and [ReceiveFrom] wait for the next message of
//     a type (and predicate) that reaches the actor; other messages keep
//     reaching the handler;
//   - [fiber.Fiber.Sleep] waits on a timer, [fiber.Await] runs a blocking
//     call on another goroutine, and the sync primitives of package fiber
//     wait on each other;
//   - [Loader.Load] batches the keys that the actor's fibers ask for in one
//     turn into one call.
//
// Everything that completes a wait on another goroutine (a reply, a timer,
// an Await result) is queued in the host's scheduler and announced to the
// actor with a wake-up message, so it is handled in a turn, through the
// mailbox.
//
// # Failure and lifetime
//
// A fiber's unsupervised panic fails its actor: after the turn, the host
// panics with the [*fiber.PanicError] (fiber name, value and stack), and
// protoactor's supervisor decides. Stopping or restarting the actor cancels
// its fibers and runs their cleanups before the Stopping or Restarting
// message has been handled.
//
// # Introspection and deadlock detection
//
// Hosts that share a [Directory] know of each other once they have made a
// [Request] (only those can be part of a wait cycle). [Directory.Hosts]
// lists them and [Host.Inspect] (or [InspectAll]) has each describe
// itself from inside one of its turns: turns run, pending requests, and
// every fiber with what it waits on. A [Request] between two hosts of a
// directory that stays pending is followed through the wait-for graph (the
// fiber serving the request in the target, the joins and mutexes it waits
// on, the requests those make); if the walk comes back to the waiting
// fiber, every request of the cycle fails with a [*DeadlockError] that
// names each fiber, its wait and its stack, instead of waiting for ever.
//
// [WithMonitor] makes a host publish what it runs to a [fiber.Monitor], for
// a slice watchdog (package actor has one), and [Host.Abort] lets such a
// watchdog fail the actor.
//
// # Concurrency
//
// A Host, like the state of its actor, belongs to the actor's turns: its
// methods and the waits of this package must be called from them (from the
// actor's handler or its fibers), except [Host.Inspect] and [Host.Abort],
// which are safe for concurrent use. A [Directory] is safe for concurrent
// use. Replies and timers may arrive on any
// goroutine; the host hands them over through [fiber.Scheduler.Post].
package bridge
