package actor

import (
	"sync"
	"sync/atomic"

	"github.com/weft-go/weft/mailbox"
)

// actorCell is what an actor's Refs share with it across its
// incarnations. Its dispatcher knows the actor's mailbox of package
// mailbox, if it has one (see mailbox): it learns it while protoactor
// spawns the actor, which synchronizes before the Ref is returned and
// before the actor's first turn. The cell
// is marked stopped once the actor has handled Stopped (its fibers gone,
// its hooks run, its unanswered requests failed), for Ref.Stop, Call and
// Shutdown. The channel that says so is made only when someone waits for
// it, so that an idle actor does not carry one.
type actorCell struct {
	sched  cellDispatcher // the actor's dispatcher; unused (nil pool) with PropsOf and WithSerialTurns
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

// cellDispatcher is the dispatcher of one actor, in front of the system's
// worker pool: it lets a turn that posts to the actor and is about to end
// say so (soon), so that the pool queues the actor's run for the worker
// that runs that turn instead of waking another (see dispatcher). The mark
// is taken by the actor's next Schedule, whoever calls it; a mark left by
// a post that found the actor already scheduled is cleared by its poster,
// and at worst makes one run wait for the sentry.
type cellDispatcher struct {
	pool   *dispatcher
	mb     *mailbox.Mailbox // see actorCell.mailbox
	soon   atomic.Bool
	inTurn atomic.Bool // the actor is running a turn (see Reply.answer)
}

// AttachMailbox implements [mailbox.Attacher]: the actor's mailbox tells
// its dispatcher who it is when protoactor spawns the actor.
func (c *cellDispatcher) AttachMailbox(m *mailbox.Mailbox) { c.mb = m }

// mailbox returns the actor's mailbox if it is one of package mailbox's
// (the default is), nil otherwise.
func (c *actorCell) mailbox() *mailbox.Mailbox { return c.sched.mb }

// Schedule implements protoactor's Dispatcher.
func (c *cellDispatcher) Schedule(fn func()) {
	if c.soon.Load() && c.soon.Swap(false) {
		c.pool.scheduleSoon(fn)
	} else {
		c.pool.Schedule(fn)
	}
}

// Throughput implements protoactor's Dispatcher.
func (c *cellDispatcher) Throughput() int { return throughput }

// markSoon marks the next run of the actor of c as scheduled by a turn
// about to end on a worker of pool; it reports whether it did (c is one of
// pool's).
func (c *actorCell) markSoon(pool *dispatcher) bool {
	if c == nil || c.sched.pool == nil || c.sched.pool != pool {
		return false
	}
	c.sched.soon.Store(true)
	return true
}

// clearSoon clears a mark that markSoon set and no Schedule took.
func (c *actorCell) clearSoon() {
	if c.sched.soon.Load() {
		c.sched.soon.Store(false)
	}
}
