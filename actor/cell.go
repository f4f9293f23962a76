package actor

import (
	"sync"

	"github.com/weft-go/weft/mailbox"
)

// actorCell is what an actor's Refs share with it across its
// incarnations. mb is the actor's mailbox of package mailbox, if it has
// one: it is written while protoactor spawns the actor, which synchronizes
// before the Ref is returned and before the actor's first turn. The cell
// is marked stopped once the actor has handled Stopped (its fibers gone,
// its hooks run, its unanswered requests failed), for Ref.Stop, Call and
// Shutdown. The channel that says so is made only when someone waits for
// it, so that an idle actor does not carry one.
type actorCell struct {
	mb     *mailbox.Mailbox
	mu     sync.Mutex
	done   bool          // the actor has stopped
	doneCh chan struct{} // closed once done; nil until stopped asks for it
}

// stopped returns a channel closed once the actor has stopped.
func (c *actorCell) stopped() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.doneCh == nil {
		c.doneCh = make(chan struct{})
		if c.done {
			close(c.doneCh)
		}
	}
	return c.doneCh
}

// isStopped reports whether the actor has stopped.
func (c *actorCell) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// markStopped records that the actor has stopped, closing the channel of
// stopped if it was made. It is called once, by the actor's Stopped turn.
func (c *actorCell) markStopped() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	if c.doneCh != nil {
		close(c.doneCh)
	}
}
