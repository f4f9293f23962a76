package mailbox

import (
	"errors"
	"fmt"
	"github.com/weft-go/weft/internal/pids"

	pa "github.com/asynkron/protoactor-go/actor"
)

// ErrFull is the reason a full [Bounded] mailbox refuses a message: the
// [Rejected.Reason] of a refused post, and what [Mailbox.Offer] and
// [Mailbox.PostOrPark] return (wrapped with %w by the actor package).
var ErrFull = errors.New("mailbox: full")

// ErrClosed is the outcome of a message parked by [Mailbox.PostOrPark]
// when the mailbox's actor stops before there is room for it: the message
// is not queued. A full mailbox whose actor is stopping refuses to park
// further messages with ErrClosed too.
var ErrClosed = errors.New("mailbox: actor stopped")

// Rejected is the reply a full mailbox sends the sender of a message it
// refuses (policies [Reject] and [Suspend], for posts that carry a sender,
// such as protoactor's Request and RequestFuture): it is an error whose
// [Rejected.Unwrap] is the reason, [ErrFull], so errors.Is(r, ErrFull)
// holds. The refused message itself is also published as a protoactor
// DeadLetterEvent (with no Sender: it has been answered).
//
// A Rejected is a plain value, not modified once sent; it may be read from
// any goroutine.
type Rejected struct {
	// Target is the actor whose mailbox refused the message (nil for a
	// mailbox not attached to an actor).
	Target *pa.PID
	// Message is the refused message, taken out of its envelope.
	Message any
	// Reason is why: [ErrFull].
	Reason error
}

// Error describes the refusal.
func (r *Rejected) Error() string {
	return fmt.Sprintf("mailbox: %T to %s rejected: %v", r.Message, pids.String(r.Target), r.Reason)
}

// Unwrap returns the reason, so that errors.Is(r, [ErrFull]) holds.
func (r *Rejected) Unwrap() error { return r.Reason }
