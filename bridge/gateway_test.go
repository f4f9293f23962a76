package bridge_test

// The market-data gateway of Emilua's article "who needs fibers": one
// actor serves many client sessions, each a fiber, with
//
//   - a shared book per instrument, built from snapshots and incremental
//     updates; a client that subscribes before the first snapshot waits on
//     a fiber.Cond until it arrives (the "first-sync problem");
//   - one event queue (a fiber.Chan) per subscription, read by a reader
//     fiber; unsubscribing closes the queue under the reader's feet, and
//     the reader must wake and leave cleanly;
//   - cancel-on-disconnect orders: a session's cleanup cancels them at the
//     matching engine when the client disconnects, and also when the whole
//     gateway shuts down.

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// Messages of the gateway and of the matching engine.
type (
	mdSnapshot struct{ inst, view string }  // the full book of an instrument, from the feed
	mdUpdate   struct{ inst, delta string } // an incremental update, from the feed
	clientCmd  struct {                     // a client's request, read from its connection
		client, op, inst string // op: connect, sub, unsub, order, disconnect
		cod              bool   // an order to cancel on disconnect
		done             chan struct{}
	}
	gwFibers struct{} // asks the gateway for its fibers and what they wait on
	newOrder struct {
		client string
		cod    bool
	}
	orderAck    struct{ id int }
	cancelOrder struct{ id int }
)

var errDisconnected = errors.New("client disconnected")

// engineProps is the matching engine: it numbers orders and logs orders
// and cancellations.
func engineProps() *actor.Props {
	var (
		log turnLog
		ids int
	)
	return actor.PropsFromFunc(func(c actor.Context) {
		if log.answer(c) {
			return
		}
		switch m := c.Message().(type) {
		case *newOrder:
			ids++
			cod := ""
			if m.cod {
				cod = " cod"
			}
			log.add(fmt.Sprintf("order %d %s%s", ids, m.client, cod))
			c.Respond(&orderAck{ids})
		case *cancelOrder:
			log.add(fmt.Sprintf("cancel %d", m.id))
		}
	})
}

// book is the gateway's view of one instrument.
type book struct {
	valid     bool // a snapshot has arrived
	view      string
	firstSync fiber.Cond // signalled when the first snapshot arrives
}

// subscription is one client's event queue for one instrument.
type subscription struct {
	client string
	q      *fiber.Chan[string]
}

// gateway is the state of the gateway actor, touched only in its turns.
type gateway struct {
	engine   *actor.PID
	books    map[string]*book
	subs     map[string][]*subscription // by instrument, in subscription order
	sessions map[string]*fiber.Chan[*clientCmd]
	out      turnLog // what went to the clients, and the gateway's notes
	final    chan []string
}

func (g *gateway) book(inst string) *book {
	b := g.books[inst]
	if b == nil {
		b = &book{}
		g.books[inst] = b
	}
	return b
}

func (g *gateway) receive(h *bridge.Host, c actor.Context) {
	if g.out.answer(c) {
		return
	}
	switch m := c.Message().(type) {
	case *mdSnapshot:
		b := g.book(m.inst)
		b.valid, b.view = true, m.view
		b.firstSync.Broadcast()
	case *mdUpdate:
		b := g.book(m.inst)
		if !b.valid {
			g.out.add(fmt.Sprintf("dropped %s %s: no snapshot yet", m.inst, m.delta))
			return
		}
		b.view += m.delta
		for _, s := range g.subs[m.inst] {
			if !s.q.TrySend(m.delta) {
				g.out.add(fmt.Sprintf("%s: slow consumer of %s", s.client, m.inst))
			}
		}
	case *clientCmd:
		switch m.op {
		case "connect":
			inbox := fiber.NewChan[*clientCmd](16)
			g.sessions[m.client] = inbox
			h.Spawn("session "+m.client, func(f *fiber.Fiber) error { return g.session(h, f, m.client, inbox) })
			close(m.done)
		case "disconnect":
			g.sessions[m.client].Close()
			delete(g.sessions, m.client)
			close(m.done)
		default:
			g.sessions[m.client].TrySend(m)
		}
	case *gwFibers:
		var fibers []string
		for _, in := range h.Scheduler().Fibers() {
			fibers = append(fibers, in.Name+": "+in.WaitingOn)
		}
		slices.Sort(fibers)
		c.Respond(fibers)
	case *actor.Stopping:
		g.out.add("gateway Stopping")
	case *actor.Stopped:
		g.out.add(fmt.Sprintf("gateway Stopped: %d fibers left", h.Scheduler().Live()))
		g.final <- slices.Clone(g.out)
	}
}

// session serves one client's commands. Disconnecting ends it with
// errDisconnected, which cancels its readers; its cleanup cancels the
// client's cancel-on-disconnect orders, also when the gateway stops.
func (g *gateway) session(h *bridge.Host, f *fiber.Fiber, client string, inbox *fiber.Chan[*clientCmd]) error {
	var cod []int
	mine := make(map[string]*subscription)
	defer func() {
		for inst, s := range mine {
			g.unsubscribe(inst, s)
		}
		for _, id := range cod {
			h.Turn().Send(g.engine, &cancelOrder{id})
		}
		g.out.add(fmt.Sprintf("%s: session over, cancelled orders %v", client, cod))
	}()
	for {
		cmd, err := inbox.Recv(f)
		if errors.Is(err, fiber.ErrClosed) {
			return errDisconnected
		}
		if err != nil {
			return err
		}
		switch cmd.op {
		case "sub":
			s := &subscription{client, fiber.NewChan[string](8)}
			mine[cmd.inst] = s
			g.subs[cmd.inst] = append(g.subs[cmd.inst], s)
			f.Spawn(client+"/"+cmd.inst, func(f *fiber.Fiber) error { return g.reader(f, client, cmd.inst, s.q) })
		case "unsub":
			g.unsubscribe(cmd.inst, mine[cmd.inst])
			delete(mine, cmd.inst)
		case "order":
			ack, err := bridge.Request[*orderAck](f, g.engine, &newOrder{client, cmd.cod})
			if err != nil {
				return err
			}
			g.out.add(fmt.Sprintf("%s <- order %d accepted", client, ack.id))
			if cmd.cod {
				cod = append(cod, ack.id)
			}
		}
		close(cmd.done)
	}
}

// unsubscribe removes s from the table and closes its queue.
func (g *gateway) unsubscribe(inst string, s *subscription) {
	g.subs[inst] = slices.DeleteFunc(g.subs[inst], func(o *subscription) bool { return o == s })
	s.q.Close()
}

// reader sends one subscription to its client: the book once there is a
// snapshot, then every update from the queue, until the queue is closed.
func (g *gateway) reader(f *fiber.Fiber, client, inst string, q *fiber.Chan[string]) error {
	defer g.out.add(fmt.Sprintf("%s/%s: reader done", client, inst))
	b := g.book(inst)
	for !b.valid {
		if err := b.firstSync.Wait(f); err != nil {
			return err
		}
	}
	g.out.add(fmt.Sprintf("%s <- %s snapshot %s", client, inst, b.view))
	for {
		u, err := q.Recv(f)
		if errors.Is(err, fiber.ErrClosed) {
			g.out.add(fmt.Sprintf("%s/%s: unsubscribed", client, inst))
			return nil
		}
		if err != nil {
			return err
		}
		g.out.add(fmt.Sprintf("%s <- %s %s", client, inst, u))
	}
}

func TestGateway(t *testing.T) {
	sys := newSystem(t)
	engine := spawn(t, sys, engineProps())
	final := make(chan []string, 1)
	gw := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		g := &gateway{
			engine: engine, books: make(map[string]*book), subs: make(map[string][]*subscription),
			sessions: make(map[string]*fiber.Chan[*clientCmd]), final: final,
		}
		return bridge.NewActor(g.receive)
	}))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			sys.Root.StopFuture(gw).Wait()
		}
	})
	cmd := func(client, op, inst string, cod bool) {
		t.Helper()
		done := make(chan struct{})
		sys.Root.Send(gw, &clientCmd{client: client, op: op, inst: inst, cod: cod, done: done})
		recv(t, done)
	}
	fibers := func() []string { return call[[]string](t, sys, gw, &gwFibers{}) }

	cmd("c1", "connect", "", false)
	cmd("c2", "connect", "", false)
	// (1) c1 subscribes before the first snapshot: its reader waits on the
	// book's Cond.
	cmd("c1", "sub", "BTC", false)
	checkLog(t, "fibers before the first snapshot", fibers(), []string{
		"c1/BTC: cond", "session c1: chan recv", "session c2: chan recv",
	})
	sys.Root.Send(gw, &mdUpdate{"BTC", "+1"}) // no snapshot to apply it to
	sys.Root.Send(gw, &mdSnapshot{"BTC", "v1"})
	cmd("c2", "sub", "BTC", false) // the snapshot is there: no wait
	sys.Root.Send(gw, &mdUpdate{"BTC", "+2"})
	cmd("c1", "order", "", true)
	cmd("c2", "order", "", false)
	cmd("c2", "order", "", true)
	cmd("c1", "order", "", true)
	// (2) c1 unsubscribes while its reader waits on its queue.
	checkLog(t, "fibers before unsubscribing", fibers(), []string{
		"c1/BTC: chan recv", "c2/BTC: chan recv", "session c1: chan recv", "session c2: chan recv",
	})
	cmd("c1", "unsub", "BTC", false)
	checkLog(t, "fibers after unsubscribing", fibers(), []string{
		"c2/BTC: chan recv", "session c1: chan recv", "session c2: chan recv",
	})
	sys.Root.Send(gw, &mdUpdate{"BTC", "+3"})
	// (3) c1 disconnects: its cancel-on-disconnect orders are cancelled.
	cmd("c1", "disconnect", "", false)
	checkLog(t, "fibers after c1 disconnected", fibers(), []string{"c2/BTC: chan recv", "session c2: chan recv"})
	checkLog(t, "gateway output", logOf(t, sys, gw), []string{
		"dropped BTC +1: no snapshot yet",
		"c1 <- BTC snapshot v1",
		"c2 <- BTC snapshot v1",
		"c1 <- BTC +2",
		"c2 <- BTC +2",
		"c1 <- order 1 accepted",
		"c2 <- order 2 accepted",
		"c2 <- order 3 accepted",
		"c1 <- order 4 accepted",
		"c1/BTC: unsubscribed",
		"c1/BTC: reader done",
		"c2 <- BTC +3",
		"c1: session over, cancelled orders [1 4]",
	})

	// (3) The gateway shuts down with c2 connected: c2's session and reader
	// are cancelled and their cleanups run, before the gateway's Stopped.
	if err := sys.Root.StopFuture(gw).Wait(); err != nil {
		t.Fatalf("stopping the gateway: %v", err)
	}
	stopped = true
	out := recv(t, final)
	const before = 13 // the entries checked above
	if len(out) < before {
		t.Fatalf("gateway output after the stop = %q; want at least %d entries", out, before)
	}
	checkStopLog(t, out[before:], []string{"gateway Stopping"},
		[]string{"c2: session over, cancelled orders [3]", "c2/BTC: reader done"},
		"gateway Stopped: 0 fibers left")
	checkLog(t, "matching engine log", logOf(t, sys, engine), []string{
		"order 1 c1 cod", "order 2 c2", "order 3 c2 cod", "order 4 c1 cod",
		"cancel 1", "cancel 4", "cancel 3",
	})
}
