package actor

import (
	"context"
	"fmt"
	"sync/atomic"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/internal/pids"
)

// Target is any actor reference, whatever its protocol: every [Ref]
// implements it. [Self.Watch] and [Self.Unwatch] take one.
type Target interface {
	// String returns the actor's name, as "address/id".
	String() string
	targetPID() *pa.PID
}

// Terminated describes the end of a watched actor (see [Self.Watch]). It
// is a plain value.
type Terminated struct {
	// Actor is the actor's name, as "address/id" (what its Ref's String
	// returns).
	Actor string
	// Err is nil if the actor stopped; it wraps [ErrDeadTarget] if the
	// actor did not exist when the watch was made, and [ErrUnreachable] if
	// its node became unreachable.
	Err error
}

func terminatedOf(t *pa.Terminated) Terminated {
	n := Terminated{Actor: pids.String(t.Who)}
	switch t.Why {
	case pa.TerminatedReason_NotFound:
		n.Err = fmt.Errorf("%w: %s not found", ErrDeadTarget, n.Actor)
	case pa.TerminatedReason_AddressTerminated:
		n.Err = fmt.Errorf("%w: %s", ErrUnreachable, n.Actor)
	}
	return n
}

// stopWaiter is the one-shot process through which Ref.Stop watches the
// actor it stops.
type stopWaiter struct {
	done atomic.Bool
	ch   chan struct{} // closed at the actor's Terminated
}

func (w *stopWaiter) SendUserMessage(*pa.PID, any) {}

func (w *stopWaiter) SendSystemMessage(_ *pa.PID, message any) {
	if _, ok := message.(*pa.Terminated); ok && w.done.CompareAndSwap(false, true) {
		close(w.ch)
	}
}

func (w *stopWaiter) Stop(*pa.PID) {}

// Stop stops the actor and waits until it has stopped: its fibers
// cancelled (with [ErrStopped]), their cleanups run, its lifecycle hooks
// and its children stopped. Messages still in its mailbox are dropped;
// requests among them fail their askers with [ErrDeadTarget]. Stop returns
// nil once the actor has stopped, at once if it had stopped before (even
// with a done ctx), and [context.Cause] of ctx if ctx is done first (the
// actor still stops). For a Ref made with [RefOf], Stop learns of the stop
// from protoactor's Terminated, which may come just before the actor's
// Stopped hook has run.
// It is safe to call more than once and concurrently.
//
// Stop blocks the calling goroutine: call it from outside actors. An actor
// stops itself with [Self.Stop]; a fiber that stops another actor calls
// Stop inside [fiber.Await], which suspends only the fiber:
//
//	_, err := fiber.Await(f, func(ctx context.Context) (struct{}, error) {
//		return struct{}{}, worker.Stop(ctx)
//	})
func (r Ref[M]) Stop(ctx context.Context) error {
	pid := r.pidOrPanic("Stop")
	if r.cell != nil {
		// An actor of this system: its Stopped closes the cell's channel.
		if r.cell.isStopped() {
			return nil
		}
		r.sys.ps.Root.Stop(pid)
		select {
		case <-r.cell.stopped():
			return nil
		case <-ctx.Done():
			return fmt.Errorf("actor: stopping %s: %w", r, context.Cause(ctx))
		}
	}
	// A Ref made with RefOf: watch the actor for its Terminated.
	w := &stopWaiter{ch: make(chan struct{})}
	reg := r.sys.ps.ProcessRegistry
	wpid, _ := reg.Add(w, "weft-stop"+reg.NextId())
	defer reg.Remove(wpid)
	proc, _ := reg.Get(pid) // dead letters if it is gone: the watch is answered at once
	proc.SendSystemMessage(pid, &pa.Watch{Watcher: wpid})
	r.sys.ps.Root.Stop(pid)
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		proc.SendSystemMessage(pid, &pa.Unwatch{Watcher: wpid})
		return fmt.Errorf("actor: stopping %s: %w", r, context.Cause(ctx))
	}
}
