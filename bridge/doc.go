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
// # Concurrency
//
// A Host, like the state of its actor, belongs to the actor's turns: its
// methods and the waits of this package must be called from them (from the
// actor's handler or its fibers). Replies and timers may arrive on any
// goroutine; the host hands them over through [fiber.Scheduler.Post].
package bridge
