package mailbox

//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=Policy

// Policy is what a [Bounded] mailbox does with a user message that arrives
// when it is full. The zero value is not a policy: [Bounded] panics on it.
type Policy uint8

// The overflow policies. In every case the outcome is counted (see
// [Metrics]): no message is lost silently.
const (
	// DropNewest drops the message that arrives; the queued ones stay.
	DropNewest Policy = iota + 1
	// DropOldest makes room by dropping the oldest queued message (of the
	// ordinary lane first, see [ControlMessage]) and queues the new one.
	DropOldest
	// Reject refuses the message that arrives: the mailbox answers its
	// sender, if it has one, with a [*Rejected] and publishes the message
	// as a dead letter on the actor system's event stream.
	Reject
	// Suspend makes fiber senders wait for room: [Mailbox.PostOrPark]
	// (actor.SendWait) parks the message and wakes the sender when it has
	// been queued. Goroutine senders are never blocked: a plain post to a
	// full Suspend mailbox is refused as with [Reject].
	Suspend
)

// valid reports whether p is one of the policies above.
func (p Policy) valid() bool { return p >= DropNewest && p <= Suspend }
