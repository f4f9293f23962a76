package bridge

import "github.com/asynkron/protoactor-go/actor"

// Handler is an actor's behaviour when its fibers are run by a [Host]: it
// is called, inside the actor's turn, for every message no fiber takes,
// lifecycle messages included.
type Handler func(h *Host, c actor.Context)

// hosted is a protoactor actor whose turns a Host runs.
type hosted struct {
	h       *Host
	receive func(actor.Context)
}

func (a *hosted) Receive(c actor.Context) { a.h.Receive(c, a.receive) }

// NewActor returns a protoactor actor that runs handler with a new [Host].
// Use it in a producer, so that every incarnation (restarts included) gets
// a fresh host:
//
//	props := actor.PropsFromProducer(func() actor.Actor {
//		return bridge.NewActor(handle)
//	})
func NewActor(handler Handler, opts ...Option) actor.Actor {
	h := NewHost(opts...)
	return &hosted{h: h, receive: func(c actor.Context) { handler(h, c) }}
}
