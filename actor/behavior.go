package actor

import (
	"fmt"
	"log/slog"
	"reflect"

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
// reference, its fibers, its watches.
//
// A Self belongs to its actor's turns: its methods must be called from the
// behavior or from the actor's fibers (between suspension points), never
// from another goroutine. The zero value is not usable.
type Self[M any] struct {
	sys        *System
	host       *bridge.Host
	ref        Ref[M]
	behavior   Behavior[M]
	cell       *actorCell
	watch      *watchState // the watchdog's view of the actor; nil: no watchdog
	seq        uint64      // incarnation order, for System.Top
	top        bool        // a top-level actor (next to the other flags, to save space)
	escalate   bool        // EscalateFiberErrors
	plain      bool        // M is one type and not a request: no request can reach the actor
	answers    bool        // the actor has taken a Reply (ReplyTo): its turns mark the cell's inTurn
	restarting bool        // the incarnation is being restarted
	gone       bool        // its fibers are gone and fibersGone has run (see turnEnded)
	open       openSet     // requests received and not answered
	watches    map[pidKey]func(Terminated) M
	log        *slog.Logger                  // the system's logger with the actor's name; made by Logger
	inboxes    []interface{ ownerStopped() } // NewInbox's, closed when this incarnation ends
}

// pidKey identifies an actor whatever *PID value names it.
type pidKey struct{ addr, id string }

func keyOf(pid *pa.PID) pidKey { return pidKey{pid.GetAddress(), pid.GetId()} }

// entry describes the actor for Top and the watchdog (see registered).
func (s *Self[M]) entry() entry {
	return entry{seq: s.seq, pid: s.ref.pid, behavior: reflect.TypeOf(s.behavior), host: s.host, mb: s.cell.mailbox(), watch: s.watch}
}

// Ref returns the actor's own typed reference.
func (s *Self[M]) Ref() Ref[M] { return s.ref }

// System returns the actor's system.
func (s *Self[M]) System() *System { return s.sys }

// Logger returns the system's logger (see [WithLogger]), with the actor's
// name attached as "actor".
func (s *Self[M]) Logger() *slog.Logger {
	if s.log == nil {
		s.log = s.sys.logger.With(slog.String("actor", s.ref.String()))
	}
	return s.log
}

// Go spawns a fiber of the actor. It runs until its first suspension point
// before Go returns, then inside the actor's turns whenever it is ready.
// The fiber is cancelled, and its cleanups run, when the actor stops or
// restarts (its suspension points then return an error wrapping
// [ErrStopped] or [ErrRestarted]); its unsupervised panic fails the actor.
// An error it returns, other than its cancellation, is logged at error
// level with the fiber's and the actor's names, and fails the actor too
// if the actor was spawned with [EscalateFiberErrors]. Inside a fiber,
// spawn children with [fiber.Fiber.Spawn].
func (s *Self[M]) Go(name string, fn func(*fiber.Fiber) error, opts ...fiber.SpawnOption) *fiber.Fiber {
	return s.host.Spawn(name, func(f *fiber.Fiber) error {
		err := fn(f)
		if err != nil && !f.Cancelled() {
			s.fiberFailed(f, err)
		}
		return err
	}, opts...)
}

// fiberFailed reports the error a fiber of Go returned.
func (s *Self[M]) fiberFailed(f *fiber.Fiber, err error) {
	fe := &FiberError{Actor: s.ref.String(), Fiber: f.Name(), Err: err}
	s.sys.logger.Error("weft: fiber failed", slog.String("actor", fe.Actor), slog.String("fiber", fe.Fiber), slog.Any("error", err))
	if s.escalate {
		s.host.Abort(fe)
	}
}

// Raw returns protoactor-go's context of the current turn: with
// [System.Raw], [Ref.PID] and [RefOf], the escape hatch to protoactor-go
// for what Weft does not wrap. Do not keep it across a suspension point
// (the next turn has another), and prefer Weft's own calls where they
// exist: a reply sent through it bypasses [Reply]'s bookkeeping.
func (s *Self[M]) Raw() pa.Context {
	turn := s.host.Turn()
	if sender := s.host.Sender(); sender != nil && turn != nil && turn.Sender() == nil {
		// A request that came without protoactor's envelope (see bareTo):
		// the context answers its asker as the envelope's sender would.
		return bareTurn{Context: turn, sender: sender}
	}
	return turn
}

// bareTurn is the context of a turn that delivers a request sent without
// protoactor's envelope: its sender is the request's reply address, so
// that Respond and Forward reach the asker.
type bareTurn struct {
	pa.Context
	sender *pa.PID
}

func (t bareTurn) Sender() *pa.PID { return t.sender }

func (t bareTurn) Respond(response any) { t.Context.Send(t.sender, response) }

func (t bareTurn) Forward(pid *pa.PID) {
	t.Context.RequestWithCustomSender(pid, t.Context.Message(), t.sender)
}

// Stop stops the actor once the current turn ends: its fibers are
// cancelled (with [ErrStopped]), their cleanups run, then its lifecycle
// hooks. Requests it holds unanswered then fail their askers with
// [ErrDeadTarget].
func (s *Self[M]) Stop() { s.host.Turn().Stop(s.ref.pid) }

// Watch makes the actor watch target: when target stops (or is found not
// to exist, or its node becomes unreachable), notice's message is
// delivered to the actor, as a message of its own protocol: to a fiber
// waiting for it with [Receive], or else to the behavior. Watching an
// actor already watched replaces its notice. The watch ends with the
// notice or with [Self.Unwatch].
//
//	self.Watch(prices, func(t actor.Terminated) WatcherMsg { return PricesGone{Err: t.Err} })
func (s *Self[M]) Watch(target Target, notice func(Terminated) M) {
	pid := target.targetPID()
	if pid == nil {
		panic("actor: Watch of a zero Ref")
	}
	if s.watches == nil {
		s.watches = make(map[pidKey]func(Terminated) M)
	}
	s.watches[keyOf(pid)] = notice
	s.host.Watch(pid)
}

// Unwatch ends a watch made with [Self.Watch]; no notice is delivered for
// target afterwards.
func (s *Self[M]) Unwatch(target Target) {
	pid := target.targetPID()
	if pid == nil {
		return
	}
	delete(s.watches, keyOf(pid))
	s.host.Unwatch(pid)
}

// receive is the actor's protoactor behaviour, run by its host.
func (s *Self[M]) receive(c pa.Context) {
	switch m := c.Message().(type) {
	case *pa.Started:
		s.ref = Ref[M]{pid: c.Self(), sys: s.sys, cell: s.cell}
		s.sys.register(s.host, s)
		if h, ok := s.behavior.(Starter[M]); ok {
			h.Started(s)
		}
	case *pa.Stopping:
		if h, ok := s.behavior.(Stopper[M]); ok {
			h.Stopping(s)
		}
		s.closeInboxes()
		s.host.Cancel(ErrStopped)
	case *pa.Stopped:
		s.sys.unregister(s.host)
		if h, ok := s.behavior.(Stopper[M]); ok {
			h.Stopped(s)
		}
		if err := s.host.StopErr(); err != nil {
			s.sys.stopFailed(c.Self(), err)
		}
		if s.top {
			s.sys.untrack(s.cell, s.ref.pid)
		}
		s.cell.markStopped()
	case *pa.Restarting:
		s.sys.unregister(s.host)
		s.restarting = true
		if h, ok := s.behavior.(Restarter[M]); ok {
			h.Restarting(s)
		}
		s.closeInboxes()
		s.host.Cancel(ErrRestarted)
	case M:
		s.behavior.Receive(s, m)
	case *pa.Terminated:
		s.terminated(m)
	default:
		s.sys.logger.Debug("weft: message outside the actor's protocol",
			slog.String("actor", s.ref.String()), slog.String("type", fmt.Sprintf("%T", m)))
	}
}

// closeInboxes closes the inboxes of this incarnation (see NewInbox).
func (s *Self[M]) closeInboxes() {
	for _, q := range s.inboxes {
		q.ownerStopped()
	}
	s.inboxes = nil
}

// terminated delivers the notice of a watched actor's termination.
func (s *Self[M]) terminated(t *pa.Terminated) {
	key := keyOf(t.Who)
	notice, ok := s.watches[key]
	if !ok {
		return // a request target's watch, or a watch ended with Unwatch
	}
	delete(s.watches, key)
	msg := notice(terminatedOf(t))
	if !s.host.Offer(msg, nil) {
		s.behavior.Receive(s, msg)
	}
}

// take records a request the actor receives as held by it, before its
// turn hands it to a fiber or the behavior. A request that reaches a
// stopping actor fails at once: nobody will answer it.
func (s *Self[M]) take(c carrier) {
	st := c.weftState()
	if st == nil {
		return
	}
	if s.host.Stopped() {
		if st.answered.CompareAndSwap(false, true) {
			st.deliver(&failure{err: fmt.Errorf("%w: %s is stopping", ErrDeadTarget, s.ref)})
		}
		return
	}
	s.open.add(st)
}

// SpawnOption configures a spawned actor.
type SpawnOption func(*spawnConfig)

type spawnConfig struct {
	mailbox    pa.MailboxProducer
	supervisor *supervision.Strategy
	escalate   bool
	reusable   bool // PropsOf's props spawn many actors
}

// EscalateFiberErrors makes an error returned by a fiber of the actor's
// [Self.Go] (other than its cancellation) fail the actor, as a panic does:
// the actor's supervisor receives the [*FiberError] and decides. Without
// it the error is only logged.
func EscalateFiberErrors() SpawnOption {
	return func(c *spawnConfig) { c.escalate = true }
}

// WithMailbox gives the actor a mailbox made by producer (see package
// mailbox) instead of the default, package mailbox's [mailbox.Unbounded]
// without options. If the mailbox is one of package mailbox's, the
// actor's Refs record it, for [TrySend] and [SendWait], and [System.Top]
// reports its length.
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
func props[M any](sys *System, produce func() Behavior[M], top bool, opts []SpawnOption) (*pa.Props, *actorCell) {
	var c spawnConfig
	for _, o := range opts {
		o(&c)
	}
	cell := &actorCell{}
	plain := plainProtocol[M]()
	escalate, reusable := c.escalate, c.reusable // copies: the producer keeps no spawnConfig
	producer := func(*pa.ActorSystem) pa.Actor {
		cell := cell
		if reusable { // PropsOf: each actor spawned from the props (and each incarnation) has a cell of its own
			cell = &actorCell{}
		}
		s := &Self[M]{sys: sys, behavior: produce(), top: top, cell: cell, seq: sys.nextSeq(), escalate: escalate, plain: plain}
		hopts := sys.hostOpts // shared: no per-actor option unless watched
		if sys.watching() {
			s.watch = &watchState{mon: fiber.NewMonitor()}
			hopts = append(hopts[:len(hopts):len(hopts)], bridge.WithMonitor(s.watch.mon))
		}
		s.host = bridge.NewHost(hopts...)
		return hostedActor[M]{s}
	}
	popts := sys.propsOpts[:len(sys.propsOpts):len(sys.propsOpts)] // appends copy it
	if c.supervisor != nil {
		popts = append(popts, pa.WithSupervisor(c.supervisor))
		if top {
			popts = append(popts, pa.WithGuardian(c.supervisor))
		}
	}
	// sys.propsOpts give the system's dispatcher and its default mailbox
	// producer.
	pool, _ := sys.disp.(*dispatcher)
	switch {
	case c.reusable || pool != nil:
		if c.mailbox != nil {
			popts = append(popts, pa.WithMailbox(c.mailbox))
		}
	default:
		// Serial turns: no dispatcher of the actor's own learns the
		// mailbox (see AttachMailbox). protoactor makes it once, when it
		// spawns the actor (restarts keep it): make it here.
		mailboxes := c.mailbox
		if mailboxes == nil {
			mailboxes = sys.mailboxes
		}
		mb := mailboxes()
		cell.sched.mb, _ = mb.(*mailbox.Mailbox)
		popts = append(popts, pa.WithMailbox(func() pa.Mailbox { return mb }))
	}
	p := pa.PropsFromProducerWithActorSystem(producer, popts...) // no wrapper closure
	if pool != nil && !c.reusable {
		cell.sched.pool = pool
		p.Configure(pa.WithDispatcher(&cell.sched))
	}
	return p, cell
}

// plainProtocol reports whether M is a protocol of one message type that
// is not a request: a request (of protocol M) cannot then reach the actor,
// which need not look for one in its messages.
func plainProtocol[M any]() bool {
	t := reflect.TypeFor[M]()
	return t.Kind() != reflect.Interface && !t.Implements(reflect.TypeFor[carrier]())
}

// hostedActor is the protoactor actor of a Self.
type hostedActor[M any] struct{ s *Self[M] }

func (a hostedActor[M]) Receive(c pa.Context) {
	s := a.s
	if !s.plain {
		// A request comes from Ask, Call or Forward with a sender, or bare
		// from Ask or Call (see bareTo) before anyone took it; a copy that
		// an actor sent on with Ref.Send stays that actor's. The host
		// learns the reply address of a bare one (and forgets the last
		// turn's, which a panic may have left).
		var serving *pa.PID
		if rc, ok := c.Message().(carrier); ok {
			if c.Sender() != nil {
				s.take(rc)
			} else if st := rc.weftState(); st != nil && st.bare && st.holder.Load() == nil && !st.handed.Load() {
				serving = &st.pid
				s.take(rc)
			}
		}
		s.host.Serving(serving)
	}
	if !s.answers {
		// Most actors never answer a request: their turns skip the flag
		// (ReplyTo sets it in the turn that first takes a Reply).
		defer s.turnEnded()
		s.host.Receive(c, s.receive)
		return
	}
	s.cell.sched.inTurn.Store(true)
	defer s.turnEnded()
	s.host.Receive(c, s.receive)
}

// turnEnded clears the cell's inTurn flag if the actor answers requests
// (ReplyTo may set it during the turn of an actor that had not answered
// before). After the turn in which the host stopped the incarnation's
// fibers (Stopping or Restarting), it fails the requests the incarnation
// still holds (fibersGone), once: the host's stop hook, without a
// per-actor closure.
func (s *Self[M]) turnEnded() {
	if s.answers {
		s.cell.sched.inTurn.Store(false)
	}
	if !s.gone && s.host.Stopped() {
		s.gone = true
		s.fibersGone()
	}
}

// weftCell returns the actor's cell (see cellOf).
func (a hostedActor[M]) weftCell() *actorCell { return a.s.cell }

// cellOf returns the cell of the Weft actor that f lives in, or nil.
func cellOf(f *fiber.Fiber) *actorCell {
	turn := bridge.HostOf(f).Turn()
	if turn == nil {
		return nil
	}
	if a, ok := turn.Actor().(interface{ weftCell() *actorCell }); ok {
		return a.weftCell()
	}
	return nil
}

// fibersGone runs after the turn that stopped the host (see turnEnded):
// the incarnation's fibers are gone, their cleanups run, so the requests
// it still holds will not be answered.
func (s *Self[M]) fibersGone() {
	if len(s.open.held) == 0 {
		s.open.held, s.open.sweep = nil, 0
		return
	}
	if s.restarting {
		s.open.failAll(fmt.Errorf("%w: %s restarted without answering", ErrRestarted, s.ref))
	} else {
		s.open.failAll(fmt.Errorf("%w: %s stopped without answering", ErrDeadTarget, s.ref))
	}
}

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
	if !sys.track(pid, cell) {
		_ = sys.ps.Root.StopFuture(pid).Wait()
		return Ref[M]{}, ErrShutdown
	}
	return Ref[M]{pid: pid, sys: sys, cell: cell}, nil
}

// SpawnChild starts an actor as a child of the actor parent belongs to: it
// is supervised by the parent's strategy (the parent's [WithSupervisor])
// and stopped with it. Call it from the parent's turns.
func SpawnChild[M, P any](parent *Self[P], name string, produce func() Behavior[M], opts ...SpawnOption) (Ref[M], error) {
	p, cell := props(parent.sys, produce, false, opts)
	c := parent.host.Turn()
	if name == "" {
		return Ref[M]{pid: c.Spawn(p), sys: parent.sys, cell: cell}, nil
	}
	pid, err := c.SpawnNamed(p, name)
	if err != nil {
		return Ref[M]{}, err
	}
	return Ref[M]{pid: pid, sys: parent.sys, cell: cell}, nil
}
