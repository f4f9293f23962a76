package actor

import (
	"context"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
)

// Ref is a typed reference to an actor whose protocol is M: [Ref.Send]
// accepts only values of type M, so sending a message outside the protocol
// is a compile error. M is usually an interface that the protocol's message
// types implement (a closed set, with an unexported marker method), or a
// single message type.
//
// The zero value refers to no actor. A Ref is a small value: copy it freely.
// Its methods are safe for concurrent use.
type Ref[M any] struct {
	pid *pa.PID
	sys *pa.ActorSystem
	mb  *mailbox.Mailbox // the actor's mailbox if it is one of package mailbox's, recorded at spawn
}

// RefOf returns a typed reference to the actor pid of sys. Nothing checks
// that the actor speaks M: use it for PIDs that come from elsewhere (a
// remote node, a registry), with the protocol agreed out of band. Such a
// Ref does not know the actor's mailbox: [TrySend] and [SendWait] treat it
// as unbounded.
func RefOf[M any](sys *System, pid *pa.PID) Ref[M] {
	return Ref[M]{pid: pid, sys: sys.ps}
}

// Send sends msg to the actor without waiting. Delivery is asynchronous;
// a message to a stopped actor goes to dead letters. Send never blocks on a
// Weft mailbox (see package mailbox for bounded ones and their overflow
// policies).
func (r Ref[M]) Send(msg M) {
	if r.pid == nil {
		panic("actor: Send on a zero Ref")
	}
	r.sys.Root.Send(r.pid, msg)
}

// PID returns the protoactor PID of the actor.
func (r Ref[M]) PID() *pa.PID { return r.pid }

// IsZero reports whether r refers to no actor.
func (r Ref[M]) IsZero() bool { return r.pid == nil }

// String returns the actor's address and ID.
func (r Ref[M]) String() string {
	if r.pid == nil {
		return "<nil>"
	}
	return r.pid.String()
}

// Ask sends msg to the actor with a one-shot reply address, suspends f until
// the actor responds, and returns the reply as an R. It is [bridge.Request]
// with a typed target: see there for errors and options (such as
// [bridge.Within]).
//
// Ask is a suspension point: it must be called by f itself, and f must live
// in an actor.
func Ask[R, M any](f *fiber.Fiber, to Ref[M], msg M, opts ...bridge.WaitOption) (R, error) {
	return bridge.Request[R](f, to.pid, msg, opts...)
}

// Call sends msg to the actor and blocks the calling goroutine until the
// actor responds, ctx is done, or the request fails; it returns the reply as
// an R. It is for code outside actors (main, tests, HTTP handlers); inside
// a fiber use [Ask], which does not block the actor. See [bridge.Call].
func Call[R, M any](ctx context.Context, to Ref[M], msg M) (R, error) {
	return bridge.Call[R](ctx, to.sys, to.pid, msg)
}
