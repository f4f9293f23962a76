package actor

import (
	"errors"
	"fmt"

	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
)

// This file holds the sends that know about bounded mailboxes (package
// mailbox). They reach the target's mailbox through the Ref, which records
// it when the actor is spawned with a mailbox of package mailbox ([Spawn],
// [SpawnChild] and [Self.Ref] carry it). A Ref made with [RefOf], to a
// remote actor, or to an actor with another kind of mailbox has none: the
// sends below then fall back to [Ref.Send]. So does a send to an actor that
// has been told to stop: the message goes to dead letters, as with
// [Ref.Send].

// TrySend sends msg to the actor without waiting, unless its mailbox is a
// full bounded one: then it returns an error wrapping [mailbox.ErrFull]
// and msg is not sent, whatever the mailbox's overflow policy (but
// [mailbox.DropOldest], which always makes room by dropping its oldest
// message). The refusal is counted in the mailbox's metrics as rejected;
// unlike [Ref.Send], nothing is sent to dead letters, since the caller
// keeps msg. Without a mailbox of package mailbox, TrySend is [Ref.Send]
// and returns nil.
//
// TrySend is safe for concurrent use and costs what a send costs.
func TrySend[M any](to Ref[M], msg M) error {
	mb := to.mailbox()
	if mb == nil {
		to.Send(msg)
		return nil
	}
	if err := mb.Offer(msg); errors.Is(err, mailbox.ErrClosed) {
		to.Send(msg) // stopped: to dead letters, like Ref.Send
		return nil
	} else if err != nil {
		return fmt.Errorf("actor: TrySend to %v: %w", to, err)
	}
	return nil
}

// SendWait sends msg to the actor, suspending f while the actor's mailbox
// is a full [mailbox.Suspend] one: msg is parked in the mailbox, which
// queues it (ahead of later posts, in the order fibers parked) as soon as
// the actor takes a message, and f is woken through its scheduler
// ([fiber.Scheduler.Post]). Messages a fiber sends one after another with
// SendWait therefore arrive in order. Other bounded mailboxes that are
// full answer as with [TrySend]: an error wrapping [mailbox.ErrFull]. If
// the actor stops while f waits, SendWait returns an error wrapping
// [mailbox.ErrClosed] and msg is not sent. Without a mailbox of package
// mailbox, SendWait is [Ref.Send] and returns nil.
//
// If f is cancelled while it waits, SendWait withdraws msg and returns the
// cancellation error: msg is not sent. If msg was queued just before the
// cancellation took effect, SendWait returns nil: it was sent. A fiber
// already cancelled fails at once, without sending.
//
// SendWait is a suspension point: it must be called by f itself. f may
// live in an actor or under [fiber.Run]; under Run, give Run a context
// that can be cancelled, since Run's deadlock detection cannot see that
// the mailbox will wake the fiber.
func SendWait[M any](f *fiber.Fiber, to Ref[M], msg M) error {
	if f.Cancelled() {
		return f.Scheduler().Suspend(f, "send") // fails at once with the cancellation error
	}
	mb := to.mailbox()
	if mb == nil {
		to.Send(msg)
		return nil
	}
	p, err := mb.PostOrPark(msg)
	if errors.Is(err, mailbox.ErrClosed) {
		to.Send(msg) // stopped: to dead letters, like Ref.Send
		return nil
	}
	if err != nil {
		return fmt.Errorf("actor: SendWait to %v: %w", to, err)
	}
	if p == nil {
		return nil
	}
	// The notification may come from any goroutine: it posts the wake-up
	// to f's scheduler, where w (owned by f's owner) is read.
	s := f.Scheduler()
	w := s.Waker(f)
	p.Notify(func() { s.Post(func() { w.Wake(nil) }) })
	what := "send to full mailbox of " + to.String()
	for {
		werr := s.Suspend(f, what)
		if done, err := p.Result(); done {
			if err != nil {
				return fmt.Errorf("actor: SendWait to %v: %w", to, err)
			}
			return nil
		}
		if werr != nil && p.Cancel() {
			return werr
		}
		// The fate was decided between Result and Cancel, or f was woken
		// by something else: wait for the notification (a cancelled f
		// does not suspend, so this loop ends).
		w = s.Waker(f)
	}
}
