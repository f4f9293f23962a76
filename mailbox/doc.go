// Package mailbox provides protoactor-go mailboxes for Weft actors:
// bounded mailboxes with an explicit overflow [Policy], priority lanes and
// per-mailbox [Metrics]. [Unbounded] without options is every Weft
// actor's default; another producer, [Unbounded] or [Bounded], is chosen
// per actor, with Weft's actor.WithMailbox or protoactor's WithMailbox
// props option:
//
//	m := mailbox.NewMetrics()
//	ref, err := actor.Spawn(sys, "sink", newSink,
//		actor.WithMailbox(mailbox.Bounded(1000, mailbox.Reject, mailbox.WithMetrics(m))))
//	…
//	fmt.Println(m.Snapshot().Rejected)
//
// # Lanes
//
// A mailbox hands its actor one message at a time: system messages first
// (protoactor's lifecycle and supervision messages), then, with
// [WithPriority], user messages that implement [ControlMessage], then
// ordinary user messages; each lane is FIFO. System messages are never
// limited, dropped or held back: while the mailbox is suspended (after a
// failure, until the supervisor resumes or restarts the actor) user
// messages wait but system messages are still handled.
//
// # Overflow
//
// A [Bounded] mailbox holds at most its capacity of user messages (control
// and ordinary together). When a user message arrives at a full mailbox,
// the policy decides: [DropNewest] drops it, [DropOldest] drops the oldest
// queued message to make room, [Reject] refuses it (its sender, if it has
// one, gets a [*Rejected] reply wrapping [ErrFull], and the message is
// published as a protoactor DeadLetterEvent on the system's event stream), and
// [Suspend] parks fiber senders until there is room. Goroutine senders are
// never blocked by any policy: a plain post to a full Suspend mailbox is
// refused as with Reject. Every outcome is counted, so that nothing is
// lost silently: see [Metrics].
//
// Bridge wake-ups (how package bridge tells an actor that its fibers have
// events) are user messages too and obey the policy; dropping one is
// harmless, since a full mailbox guarantees another turn, which runs the
// actor's ready fibers. protoactor's PoisonPill is also a user message: to
// stop an actor whose bounded mailbox may be full, use Stop (a system
// message).
//
// # Fiber-aware sending
//
// Package actor's TrySend and SendWait reach an actor's mailbox through its
// Ref (package actor records the mailbox when it spawns an actor with one of
// this package's mailboxes) and use [Mailbox.Offer] (which reports [ErrFull]
// instead of dropping or replying) and [Mailbox.PostOrPark] (which parks the
// message in a full Suspend mailbox and notifies the sender once it has been
// queued, so that SendWait suspends only the sending fiber). Both refuse
// with [ErrClosed] once the actor has been told to stop. The package keeps
// no global state.
//
// # Integration with protoactor
//
// A [Mailbox] runs its actor's turns through the actor's dispatcher: a
// post that finds the mailbox idle marks it running and schedules a turn;
// a turn hands messages to the actor until none is left, yielding the
// processor (runtime.Gosched) every Throughput messages as protoactor's
// own mailbox does. It handles protoactor's SuspendMailbox and
// ResumeMailbox itself. [MailboxMiddleware] hooks are supported
// ([WithMiddleware]). A dispatcher that implements [Attacher] learns the
// mailboxes it runs. Queues are chains of chunks: a flooded mailbox grows
// without copying what it holds, and an idle one holds a few words.
//
// # Panics
//
// A panic while the actor handles a message is recovered by the mailbox and
// escalated to the actor's supervisor (protoactor's EscalateFailure) with
// the raw panic value as the reason and the message; the supervisor's
// decision then arrives as system messages, which the mailbox keeps
// handling. The panic's stack is not kept: actors hosted by package bridge
// turn fiber panics into a *fiber.PanicError that carries it. Misuse
// ([Bounded] with a capacity below 1 or an invalid policy) panics with a
// message that starts with "mailbox: ".
//
// # Concurrency
//
// Posting (user and system messages, [Mailbox.Offer],
// [Mailbox.PostOrPark]) is safe from any goroutine and never blocks beyond
// a short critical section. A post synchronizes before the actor handles
// the message it queued, and each turn synchronizes before the next, so
// an actor's state needs no locks. [Metrics] are read with atomic loads and
// may be read from any goroutine while the mailboxes run.
//
// [MailboxMiddleware]: https://pkg.go.dev/github.com/asynkron/protoactor-go/actor#MailboxMiddleware
package mailbox
