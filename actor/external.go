package actor

import pa "github.com/asynkron/protoactor-go/actor"

// This file holds two hooks for packages that host Weft actors on
// machinery of protoactor-go's that spawns actors itself, such as its
// cluster's activations (package cluster): the actor's props, and
// requests whose reply leaves the process.

// PropsOf returns protoactor props that run an actor of sys with the
// behaviors produce returns, as [Spawn] would, for protoactor-go to spawn
// (a cluster's activation, say). The actor is not a top-level one of sys:
// [System.Shutdown] does not stop it, whoever spawned it stops it (before
// the system shuts down), and its Refs are made with [RefOf]. The props
// may spawn any number of actors; their Refs do not know their mailbox
// (see [TrySend]).
func PropsOf[M any](sys *System, produce func() Behavior[M], opts ...SpawnOption) *pa.Props {
	opts = append(opts[:len(opts):len(opts)], func(c *spawnConfig) { c.reusable = true })
	p, _ := props(sys, produce, false, opts)
	return p
}

// BindReply returns req, a request received from outside the process (it
// came over the wire without its reply address), as a message of its
// protocol P whose answer goes to answer instead of an asker's reply
// address: answer is called once, from the goroutine that answers, with
// the reply ([Reply.Send]) or the error ([Reply.Fail], or an error
// wrapping [ErrDeadTarget] or [ErrRestarted] if the responder stops or
// restarts before it answers). answer must not block.
//
// Deliver the message with a sender (protoactor's envelope), as Ask does,
// so that the receiving actor records the request as held by it.
func BindReply[Q RequestOf[P, R], P, R any](req Q, answer func(R, error)) P {
	st, box := bind[P](req)
	st.answer = func(msg any) {
		switch m := msg.(type) {
		case R:
			answer(m, nil)
		case *failure:
			var zero R
			answer(zero, m.err)
		case error:
			var zero R
			answer(zero, m)
		}
	}
	return box.(P)
}
