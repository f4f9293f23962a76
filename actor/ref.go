package actor

import (
	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/internal/pids"
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
	pid  *pa.PID
	sys  *System
	cell *actorCell // shared with the actor; nil for a Ref made with RefOf
}

// RefOf returns a typed reference to the actor pid of sys. Nothing checks
// that the actor speaks M: use it for PIDs that come from elsewhere (a
// remote node, a registry), with the protocol agreed out of band. Such a
// Ref does not know the actor's mailbox: [TrySend] and [SendWait] treat it
// as unbounded.
func RefOf[M any](sys *System, pid *pa.PID) Ref[M] {
	return Ref[M]{pid: pid, sys: sys}
}

// Send sends msg to the actor without waiting. Delivery is asynchronous;
// a message to a stopped actor goes to dead letters. Send never blocks on a
// Weft mailbox (see package mailbox for bounded ones and their overflow
// policies). To hand a request an actor received on to another actor,
// use [Forward].
//
// Send costs one mailbox post (BenchmarkSend); it panics on a zero Ref.
func (r Ref[M]) Send(msg M) {
	r.sys.ps.Root.Send(r.pidOrPanic("Send"), msg)
}

// PID returns the protoactor PID of the actor: with [System.Raw] and
// [RefOf], the way to protoactor-go for what Weft does not wrap.
func (r Ref[M]) PID() *pa.PID { return r.pid }

// IsZero reports whether r refers to no actor.
func (r Ref[M]) IsZero() bool { return r.pid == nil }

// String returns the actor's name as "address/id", such as
// "nonhost/prices" ("<nil>" for the zero Ref): the form every error and
// log line of Weft uses.
func (r Ref[M]) String() string { return pids.String(r.pid) }

func (r Ref[M]) targetPID() *pa.PID { return r.pid }

// mailbox returns the actor's mailbox if it is one of package mailbox's
// and r knows it.
func (r Ref[M]) mailbox() *mailbox.Mailbox {
	if r.cell == nil {
		return nil
	}
	return r.cell.mailbox()
}

// pidOrPanic returns r's PID; it panics on the zero Ref.
func (r Ref[M]) pidOrPanic(op string) *pa.PID {
	if r.pid == nil {
		panic("actor: " + op + " on a zero Ref")
	}
	return r.pid
}
