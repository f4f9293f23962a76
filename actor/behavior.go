package actor

import (
	"fmt"
	"log/slog"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
	"github.com/weft-go/weft/supervision"
)

// Behavior is what an actor with protocol M does with each message. Its
// Receive runs inside the actor's turn, one message at a time, so it owns
// the behavior's state; it may spawn fibers ([Self.Go]) that carry linear
// flows and run inside the actor's turns too.
//
// A Behavior may also implement the lifecycle hooks [Starter],
// [Stopper] and [Restarter]; they run in the actor's turns as well. A
// behavior value belongs to one incarnation of one actor: [Spawn] calls its
// produce function for each, so a behavior needs no locks.
type Behavior[M any] interface {
	Receive(self *Self[M], msg M)
}

// BehaviorFunc is a [Behavior] made of one function.
type BehaviorFunc[M any] func(self *Self[M], msg M)

// Receive calls f(self, msg).
func (f BehaviorFunc[M]) Receive(self *Self[M], msg M) { f(self, msg) }

// Starter is implemented by behaviors that act when their actor starts
// (and when it restarts: each incarnation has a behavior of its own).
type Starter[M any] interface {
	Started(self *Self[M])
}

// Stopper is implemented by behaviors that act when their actor stops.
// Stopping runs first, while the actor's fibers are still alive; the fibers
// are then cancelled and their cleanups run; Stopped runs last.
type Stopper[M any] interface {
	Stopping(self *Self[M])
	Stopped(self *Self[M])
}

// Restarter is implemented by behaviors that act when their supervisor
// restarts their actor after a failure. Restarting runs on the failed
// incarnation, before its fibers are cancelled and their cleanups run.
type Restarter[M any] interface {
	Restarting(self *Self[M])
}

// Self is an actor's view of itself, handed to its behavior: its typed
// reference, its fibers, the sender of the current message.
//
// A Self belongs to its actor's turns: its methods must be called from the
// behavior or from the actor's fibers (between suspension points), never
// from another goroutine. The zero value is not usable.
type Self[M any] struct {
	sys      *System
	host     *bridge.Host
	ref      Ref[M]
	behavior Behavior[M]
	top      bool
	cell     *mailboxCell
	mon      *fiber.Monitor // the watchdog's view of the actor; nil: no watchdog
	seq      uint64         // incarnation order, for System.Top
}

// Ref returns the actor's own typed reference.
func (s *Self[M]) Ref() Ref[M] { return s.ref }

// System returns the actor's system.
func (s *Self[M]) System() *System { return s.sys }

// Host returns the bridge host that runs the actor's fibers.
func (s *Self[M]) Host() *bridge.Host { return s.host }

// Logger returns the system's logger.
func (s *Self[M]) Logger() *slog.Logger { return s.sys.logger }

// Turn returns the protoactor context of the current turn, for what Self
// does not wrap. Do not keep it across a suspension point.
func (s *Self[M]) Turn() pa.Context { return s.host.Turn() }

// Go spawns a fiber of the actor. It runs until its first suspension point
// before Go returns, then inside the actor's turns whenever it is ready. The
// fiber is cancelled, and its cleanups run, when the actor stops or
// restarts; its unsupervised panic fails the actor. Inside a fiber, spawn
// children with [fiber.Fiber.Spawn].
func (s *Self[M]) Go(name string, fn func(*fiber.Fiber) error, opts ...fiber.SpawnOption) *fiber.Fiber {
	return s.host.Spawn(name, fn, opts...)
}

// Sender returns the sender of the message being handled, or nil. A fiber
// that answers a request after a suspension point must capture Sender
// before it suspends (the turn that resumes it handles another message)
// and reply with [Self.Reply].
func (s *Self[M]) Sender() *pa.PID { return s.host.Turn().Sender() }

// Respond sends msg to the sender of the message being handled (the reply
// to a [Call] or an [Ask]). From a fiber, use it only before the fiber's
// first suspension point; afterwards use [Self.Reply] with the sender
// captured earlier.
func (s *Self[M]) Respond(msg any) { s.host.Turn().Respond(msg) }

// Reply sends msg to to, typically a sender captured with [Self.Sender]
// before a fiber suspended: the reply to a [Call] or an [Ask] made long
// before. A nil to sends msg to dead letters, as Respond does without a
// sender.
func (s *Self[M]) Reply(to *pa.PID, msg any) { s.host.Turn().Send(to, msg) }

// Stop stops the actor once the current turn ends: its fibers are
// cancelled, their cleanups run, then its lifecycle hooks.
func (s *Self[M]) Stop() { s.host.Turn().Stop(s.ref.pid) }

// receive is the actor's protoactor behaviour, run by its host.
func (s *Self[M]) receive(c pa.Context) {
	switch m := c.Message().(type) {
	case *pa.Started:
		s.ref = Ref[M]{pid: c.Self(), sys: c.ActorSystem(), mb: s.cell.mb}
		s.sys.register(&entry{seq: s.seq, pid: s.ref.pid, behavior: fmt.Sprintf("%T", s.behavior), host: s.host, mb: s.cell.mb, mon: s.mon})
		if h, ok := s.behavior.(Starter[M]); ok {
			h.Started(s)
		}
	case *pa.Stopping:
		if h, ok := s.behavior.(Stopper[M]); ok {
			h.Stopping(s)
		}
	case *pa.Stopped:
		s.sys.unregister(s.host)
		if h, ok := s.behavior.(Stopper[M]); ok {
			h.Stopped(s)
		}
		if err := s.host.StopErr(); err != nil {
			s.sys.stopFailed(c.Self(), err)
		}
		if s.top {
			s.sys.untrack(s.ref.pid)
		}
	case *pa.Restarting:
		s.sys.unregister(s.host)
		if h, ok := s.behavior.(Restarter[M]); ok {
			h.Restarting(s)
		}
	case M:
		s.behavior.Receive(s, m)
	default:
		s.sys.logger.Debug("weft: message outside the actor's protocol",
			slog.Any("actor", c.Self()), slog.Any("message", m))
	}
}

// SpawnOption configures a spawned actor.
type SpawnOption func(*spawnConfig)

type spawnConfig struct {
	mailbox    pa.MailboxProducer
	supervisor *supervision.Strategy
}

// WithMailbox gives the actor a mailbox made by producer (see package
// mailbox) instead of the default unbounded one. If the mailbox is one of
// package mailbox's, the actor's Refs record it, for [TrySend] and
// [SendWait].
func WithMailbox(producer pa.MailboxProducer) SpawnOption {
	return func(c *spawnConfig) { c.mailbox = producer }
}

// WithSupervisor sets the strategy that supervises the actor's children
// (see package [supervision]): it decides what happens when one fails.
// For a top-level actor ([Spawn]), which has no parent to decide for it,
// the strategy supervises the actor itself too, as protoactor's guardian
// of the strategy: one guardian per [*supervision.Strategy] value for the
// life of the system, so share one strategy among many top-level actors
// rather than making one per actor. A guardian has no supervisor to
// escalate to: where the strategy would escalate a top-level actor's
// failure, it stops the actor. A child ([SpawnChild]) is supervised by
// its parent's strategy. Without WithSupervisor, or with a nil strategy,
// children and top-level actors get protoactor's default: restart, at
// most 10 times in 10 seconds.
func WithSupervisor(strategy *supervision.Strategy) SpawnOption {
	return func(c *spawnConfig) { c.supervisor = strategy }
}

// props builds the protoactor props of an actor with behavior produce. The
// returned cell learns the actor's mailbox when protoactor creates it, which
// it does once, synchronously, when it spawns the actor (restarts keep it).
func props[M any](sys *System, produce func() Behavior[M], top bool, opts []SpawnOption) (*pa.Props, *mailboxCell) {
	var c spawnConfig
	for _, o := range opts {
		o(&c)
	}
	cell := &mailboxCell{}
	producer := func() pa.Actor {
		s := &Self[M]{sys: sys, behavior: produce(), top: top, cell: cell, seq: sys.nextSeq()}
		hopts := []bridge.Option{bridge.WithLogger(sys.logger), bridge.WithStopWait(sys.stopTimeout), bridge.WithDirectory(sys.dir)}
		if sys.clock != nil {
			hopts = append(hopts, bridge.WithClock(sys.clock))
		}
		if sys.watching() {
			s.mon = fiber.NewMonitor()
			hopts = append(hopts, bridge.WithMonitor(s.mon))
		}
		s.host = bridge.NewHost(hopts...)
		return hostedActor[M]{s}
	}
	popts := []pa.PropsOption{pa.WithDispatcher(sys.disp)}
	if c.supervisor != nil {
		popts = append(popts, pa.WithSupervisor(c.supervisor))
		if top {
			popts = append(popts, pa.WithGuardian(c.supervisor))
		}
	}
	if c.mailbox != nil {
		popts = append(popts, pa.WithMailbox(func() pa.Mailbox {
			mb := c.mailbox()
			cell.mb, _ = mb.(*mailbox.Mailbox)
			return mb
		}))
	}
	return pa.PropsFromProducer(producer, popts...), cell
}

// mailboxCell holds an actor's mailbox of package mailbox, if it has one.
// It is written while protoactor spawns the actor, which synchronizes
// before the Ref is returned and before the actor's first turn.
type mailboxCell struct{ mb *mailbox.Mailbox }

// hostedActor is the protoactor actor of a Self.
type hostedActor[M any] struct{ s *Self[M] }

func (a hostedActor[M]) Receive(c pa.Context) { a.s.host.Receive(c, a.s.receive) }

// Spawn starts a top-level actor named name (an empty name gets a unique
// one) whose behavior produce returns; produce is called again for each
// restart. It returns the actor's typed reference, [ErrShutdown] once the
// system is shutting down, or protoactor's error if the name is taken.
// [System.Shutdown] stops the actor.
func Spawn[M any](sys *System, name string, produce func() Behavior[M], opts ...SpawnOption) (Ref[M], error) {
	p, cell := props(sys, produce, true, opts)
	sys.mu.Lock()
	if sys.shutdown {
		sys.mu.Unlock()
		return Ref[M]{}, ErrShutdown
	}
	sys.mu.Unlock()
	var (
		pid *pa.PID
		err error
	)
	if name == "" {
		pid = sys.ps.Root.Spawn(p)
	} else if pid, err = sys.ps.Root.SpawnNamed(p, name); err != nil {
		return Ref[M]{}, err
	}
	if !sys.track(pid) {
		_ = sys.ps.Root.StopFuture(pid).Wait()
		return Ref[M]{}, ErrShutdown
	}
	return Ref[M]{pid: pid, sys: sys.ps, mb: cell.mb}, nil
}

// SpawnChild starts an actor as a child of the actor parent belongs to: it
// is supervised by the parent's strategy (the parent's [WithSupervisor])
// and stopped with it. Call it from the parent's turns.
func SpawnChild[M, P any](parent *Self[P], name string, produce func() Behavior[M], opts ...SpawnOption) (Ref[M], error) {
	p, cell := props(parent.sys, produce, false, opts)
	c := parent.host.Turn()
	if name == "" {
		return Ref[M]{pid: c.Spawn(p), sys: parent.sys.ps, mb: cell.mb}, nil
	}
	pid, err := c.SpawnNamed(p, name)
	if err != nil {
		return Ref[M]{}, err
	}
	return Ref[M]{pid: pid, sys: parent.sys.ps, mb: cell.mb}, nil
}
