package bridge

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/pids"
)

// Host runs fibers inside one protoactor actor. The actor's Receive hands
// every message to [Host.Receive]; the host runs the actor's turn:
//
//   - it delivers the message to a fiber waiting for it (a [Request] reply, a
//     matching [Receive]) or else to the actor's handler;
//   - then it runs every ready fiber until each is suspended;
//   - a fiber's unsupervised panic then fails the actor: Receive panics with
//     the [*fiber.PanicError], which protoactor hands to the supervisor.
//
// Timers ([fiber.Fiber.Sleep], [Within]), [fiber.Await] completions and
// replies arrive from other goroutines; the host queues them in its
// scheduler and sends the actor a wake-up message, so each is handled in a
// turn of its own, through the mailbox. Stopping or restarting the actor
// cancels all its fibers and runs their cleanups before the Stopping or
// Restarting message has been handled.
//
// Create a Host per actor instance with [NewHost] (in the actor's producer,
// so that a restart gets a fresh one). The zero value is not usable and a
// Host must not be copied. Its methods must be called from the actor's own
// turns, like the actor's state; fibers and handlers run there too.
type Host struct {
	// the actor's fiber scheduler, made on first use (see scheduler and
	// post), so that an actor that never runs a fiber, requests or sleeps
	// carries none; written once, read from any goroutine
	sched     atomic.Pointer[fiber.Scheduler]
	sys       *actor.ActorSystem
	self      *actor.PID
	turn      actor.Context // the current turn's context; nil between turns
	serving   *actor.PID    // the reply address of a bare request the turn delivers (see Serving)
	receivers []*receiveWait
	// requests waiting for replies, by RequestId of their sender PID; nil
	// until the first request, as watched
	requests    map[uint32]*pendingRequest
	watched     []*watchCount   // request targets watched, with their pending requests
	userWatched map[pidKey]bool // actors watched with Host.Watch
	logger      *slog.Logger    // nil: discard (see log)
	stopWait    time.Duration
	lastRequest uint32 // next to the flags below, to save space
	running     bool   // between Started and the stop
	stopped     bool
	labelled    bool        // the scheduler has the actor's profile labels (owned by the turns)
	gone        atomic.Bool // the stop has begun: post makes no scheduler any more

	mon     *fiber.Monitor        // WithMonitor; nil: none
	dir     *Directory            // WithDirectory; nil: none
	turns   uint64                // turns run so far
	started int64                 // when the actor started (Unix nanoseconds, by the scheduler's clock); 0: not yet
	aborted atomic.Pointer[error] // set by Abort from any goroutine
	cold    *hostCold             // state few hosts use; nil until one does (see Host.more)
}

// hostCold is the state of a [Host] that most actors never use, kept out
// of the Host so that an idle actor costs less memory.
type hostCold struct {
	clock      fiber.Clock     // WithClock; nil: the real clock
	turnLabels context.Context // pprof labels of the turn goroutine while monitored
	stopErr    error           // what closing the scheduler reported
	stopCtx    context.Context // the stop's bounded context, once asked for (see stopContext)
	stopEnd    context.CancelFunc
	onStop     func() // WithStopHook; nil: none
	// loaders with queued keys, dispatched when every fiber is suspended
	pendingLoads []interface{ dispatch() }
	probe        probeState // deadlock detection state (deadlock.go), once the host requests or serves
	// A host that requests (which makes its cold state for the deadlock
	// probes) keeps these here, so that an idle actor does not carry them:
	replyPID      *actor.PID // the host's reply process, from the first request while the actor runs
	watcherPID    *actor.PID // the actor's PID as a watcher, from its first watch: see Host.watch
	spareDeadline *deadline  // a stopped deadline timer for the next bounded wait (wait.go)
}

// reply returns the host's reply PID; nil before its first request.
func (h *Host) reply() *actor.PID {
	if h.cold == nil {
		return nil
	}
	return h.cold.replyPID
}

// more returns the host's cold state, making it on first use.
func (h *Host) more() *hostCold {
	if h.cold == nil {
		h.cold = &hostCold{}
	}
	return h.cold
}

// wakeUp is the message a host sends its actor when events are queued.
type wakeUp struct{}

// IgnoreDeadLetterLogging keeps wake-ups to a stopped actor out of the
// dead-letter log.
func (*wakeUp) IgnoreDeadLetterLogging() {}

// NotInfluenceReceiveTimeout keeps wake-ups from resetting the actor's
// receive timeout.
func (*wakeUp) NotInfluenceReceiveTimeout() {}

// Option configures a [Host].
type Option func(*Host)

// WithLogger sets the logger the host reports stop-time problems to (a
// fiber that panics while being cancelled, Await calls still running at the
// stop deadline). The default discards them.
func WithLogger(l *slog.Logger) Option { return func(h *Host) { h.logger = l } }

// WithStopWait bounds how long stopping the actor waits for the functions
// of its fibers' [fiber.Await] calls to return; the default is 5 seconds.
func WithStopWait(d time.Duration) Option { return func(h *Host) { h.stopWait = d } }

// WithClock makes the host's fiber scheduler time sleeps, [Within] bounds
// and deadlock probes with c instead of the real clock (see
// [fiber.SchedulerConfig.Clock]).
func WithClock(c fiber.Clock) Option { return func(h *Host) { h.more().clock = c } }

// WithStopHook makes the host call fn once it has stopped its actor's
// fibers, because the actor stops or restarts: in the actor's turn, after
// the fibers' cleanups have run and before the turn of the Stopping or
// Restarting message ends. Package actor fails the requests the actor
// still held there.
func WithStopHook(fn func()) Option { return func(h *Host) { h.more().onStop = fn } }

// WithMonitor makes the host record in m what its actor runs: each turn of
// its handler and each run of a fiber, so that a watchdog on another
// goroutine can report one that runs too long without suspending (see
// [fiber.Monitor]; package actor's slice watchdog uses it). While a turn of
// a monitored host runs its handler, the turn's goroutine carries the pprof
// labels "weft.actor" (the actor's ID) and "weft.turn" ("handler"), so that
// a goroutine profile finds its stack.
func WithMonitor(m *fiber.Monitor) Option { return func(h *Host) { h.mon = m } }

// NewHost returns a host for one actor instance.
func NewHost(opts ...Option) *Host {
	h := &Host{stopWait: 5 * time.Second}
	for _, o := range opts {
		o(h)
	}
	return h
}

// scheduler returns the host's scheduler, making it on first use. It is
// called from the actor's turns (and NewHost's caller before the actor
// starts); other goroutines use post.
func (h *Host) scheduler() *fiber.Scheduler {
	if s := h.sched.Load(); s != nil && h.labelled {
		return s
	}
	return h.firstScheduler()
}

// firstScheduler is scheduler's slow path: it makes the scheduler (or
// takes the one post made), gives it the actor's profile labels once the
// actor has started, and closes at once one made after the stop.
func (h *Host) firstScheduler() *fiber.Scheduler {
	s := h.loadScheduler()
	if !h.labelled && h.self != nil {
		s.SetProfileLabels("weft.actor", h.self.Id)
		h.labelled = true
	}
	if h.stopped {
		_ = s.Close(context.Background()) // no fiber: returns at once; idempotent
	}
	return s
}

// loadScheduler returns the scheduler, making it if there is none yet. It
// is safe for concurrent use.
func (h *Host) loadScheduler() *fiber.Scheduler {
	if s := h.sched.Load(); s != nil {
		return s
	}
	var clock fiber.Clock
	if h.cold != nil {
		clock = h.cold.clock
	}
	s := fiber.NewScheduler(fiber.SchedulerConfig{Owner: h, Clock: clock, Wake: h.wake, Idle: h.idle, Monitor: h.mon})
	if !h.sched.CompareAndSwap(nil, s) {
		s = h.sched.Load()
	}
	return s
}

// post queues fn in the host's scheduler, as [fiber.Scheduler.Post] does,
// making the scheduler if the actor has none yet; it reports false once the
// actor has stopped. It is safe for concurrent use. The stop sets gone
// before it looks for a scheduler to close, and post looks at gone after
// it has made one, so that a scheduler the stop does not close takes no
// function.
func (h *Host) post(fn func()) bool {
	s := h.postScheduler()
	return s != nil && s.Post(fn)
}

// postTask is post for a task (see [fiber.Scheduler.PostTask]).
func (h *Host) postTask(t fiber.Task) bool {
	s := h.postScheduler()
	return s != nil && s.PostTask(t)
}

// postScheduler returns the scheduler post queues in; nil once the actor
// has stopped.
func (h *Host) postScheduler() *fiber.Scheduler {
	s := h.sched.Load()
	if s == nil {
		if h.gone.Load() {
			return nil
		}
		s = h.loadScheduler()
		if h.gone.Load() {
			return nil
		}
	}
	return s
}

// now returns the time by the clock of the host's scheduler (the one of
// WithClock, or the real one), without making the scheduler.
func (h *Host) now() time.Time {
	if h.cold != nil && h.cold.clock != nil {
		return h.cold.clock.Now()
	}
	return time.Now()
}

// Cancel cancels every fiber of the host's actor with cause, as
// [fiber.Scheduler.Cancel] does; an actor without a scheduler has none.
func (h *Host) Cancel(cause error) {
	if s := h.sched.Load(); s != nil {
		s.Cancel(cause)
	}
}

// idle is the scheduler's idle hook: every fiber is suspended, so the
// loaders send what they have collected.
func (h *Host) idle() {
	if h.cold == nil || len(h.cold.pendingLoads) == 0 || h.stopped {
		return
	}
	pending := h.cold.pendingLoads
	h.cold.pendingLoads = nil
	for _, l := range pending {
		l.dispatch()
	}
}

// wake is the scheduler's wake hook: it may run on any goroutine.
func (h *Host) wake() {
	if h.self != nil {
		h.sys.Root.Send(h.self, &wakeUp{}) // zero size: no allocation
	}
}

// HostOf returns the host of the actor f lives in. It panics, with an
// error wrapping [ErrNotHosted], if f's scheduler is not a host's.
func HostOf(f *fiber.Fiber) *Host {
	h, ok := f.Scheduler().Owner().(*Host)
	if !ok {
		panic(fmt.Errorf("%w: fiber %q", ErrNotHosted, f.Name()))
	}
	return h
}

// Scheduler returns the host's fiber scheduler, making it on first use
// (an actor that never runs a fiber has none). Call it from the actor's
// turns.
func (h *Host) Scheduler() *fiber.Scheduler { return h.scheduler() }

// Self returns the PID of the host's actor, once it has started.
func (h *Host) Self() *actor.PID { return h.self }

// System returns the actor system of the host's actor, once it has started.
func (h *Host) System() *actor.ActorSystem { return h.sys }

// Turn returns the protoactor context of the current turn. Fibers run only
// inside turns, so a fiber may use it between two suspension points (to
// send, spawn or watch), but must not keep it across one.
func (h *Host) Turn() actor.Context { return h.turn }

// Spawn starts a top-level fiber of the actor, as [fiber.Scheduler.Spawn]
// does: it runs until its first suspension point before Spawn returns. Call
// it from the actor's handler (inside a fiber, use [fiber.Fiber.Spawn]).
//
// A fiber spawned while the handler handles a request (a message whose
// sender is a [Request]'s reply address) is taken to serve it, for
// deadlock detection (see [DeadlockError]).
func (h *Host) Spawn(name string, fn func(*fiber.Fiber) error, opts ...fiber.SpawnOption) *fiber.Fiber {
	if h.detect() > 0 && h.turn != nil {
		if sender := h.Sender(); sender != nil && sender.RequestId != 0 {
			return h.spawnServing(sender, name, fn, opts)
		}
	}
	return h.scheduler().Spawn(name, fn, opts...)
}

// Receive runs one turn of the actor for the message of c; handler is the
// actor's own behaviour, called for every message no fiber takes, lifecycle
// messages included. Call it from the actor's Receive for every message.
//
// If a fiber panics without supervision, Receive panics with the
// [*fiber.PanicError] after the turn, failing the actor.
func (h *Host) Receive(c actor.Context, handler func(actor.Context)) {
	h.turn = c
	h.turns++
	if h.mon != nil {
		h.monitoredReceive(c, handler)
	} else {
		h.receive(c, handler)
	}
	h.turn, h.serving = nil, nil
}

// Serving tells the host the reply address of the request the next turn
// delivers when it came without protoactor's envelope (see
// [Addressee.Bare]): [Host.Sender] returns it, as the envelope's sender.
// Call it before [Host.Receive]; it holds for that turn (nil: none).
func (h *Host) Serving(pid *actor.PID) { h.serving = pid }

// Sender returns the sender of the current turn's message: its envelope's,
// or the reply address given to [Host.Serving]; nil between turns and for
// a message without either.
func (h *Host) Sender() *actor.PID {
	if h.serving != nil {
		return h.serving
	}
	if h.turn == nil {
		return nil
	}
	return h.turn.Sender()
}

// monitoredReceive runs a turn recorded in the host's monitor.
func (h *Host) monitoredReceive(c actor.Context, handler func(actor.Context)) {
	h.mon.Begin()
	if h.cold != nil && h.cold.turnLabels != nil {
		pprof.SetGoroutineLabels(h.cold.turnLabels)
	}
	defer func() {
		h.mon.End()
		pprof.SetGoroutineLabels(context.Background())
	}()
	h.receive(c, handler)
}

// Abort makes the host's actor fail with err once its current turn ends
// (or at the end of its next turn, if none is running): the host panics
// with err after the turn, and the actor's supervisor decides, as for a
// fiber's panic. A watchdog uses it to fail an actor whose code ran too long
// without suspending. Only the first error given before the failure counts.
//
// Abort is safe for concurrent use; it does not wait for the turn to end.
// It wakes the actor, so that an idle actor fails too.
func (h *Host) Abort(err error) {
	if h.aborted.CompareAndSwap(nil, &err) {
		h.post(func() {})
	}
}

// receive is Receive's body; Receive clears the turn after it (a panic
// leaves it set until the next turn replaces it, and nothing runs between
// turns).
func (h *Host) receive(c actor.Context, handler func(actor.Context)) {
	switch m := c.Message().(type) {
	case *wakeUp:
		// Queued events are handled by RunReady below.
	case *actor.Started:
		if h.stopped {
			panic("bridge: Host reused after its actor stopped or restarted; create the Host in the actor's producer")
		}
		h.self, h.sys = c.Self(), c.ActorSystem()
		if t := h.now(); !t.IsZero() { // a clock that reads the zero time leaves it unknown
			h.started = t.UnixNano()
		}
		if s := h.sched.Load(); s != nil {
			s.SetProfileLabels("weft.actor", h.self.Id)
			h.labelled = true
		}
		if h.mon != nil {
			c := h.more()
			c.turnLabels = pprof.WithLabels(context.Background(), pprof.Labels("weft.actor", h.self.Id, "weft.turn", "handler"))
			pprof.SetGoroutineLabels(c.turnLabels)
		}
		h.running = true
		handler(c)
	case *actor.Stopping, *actor.Restarting:
		handler(c)
		h.stop()
		return
	case *actor.Stopped:
		h.stop()
		handler(c)
		return
	default:
		if h.stopped {
			// protoactor still delivers messages while a stopping actor
			// waits for its children; the actor's fibers are gone and its
			// behaviour has seen Stopping: drop them, as protoactor drops
			// the messages still queued when it stops.
			h.log().Debug("weft: message to a stopping actor dropped",
				slog.String("actor", pids.String(h.self)), slog.Any("message", m))
			return
		}
		if t, ok := m.(*actor.Terminated); ok && len(h.watched)+len(h.userWatched) > 0 {
			h.targetDown(t)
		}
		if len(h.receivers) == 0 || !h.deliver(m, h.Sender()) {
			handler(c)
		}
	}
	if h.stopped {
		return
	}
	if s := h.sched.Load(); s == nil {
		// No fiber, timer or request ever: nothing can be ready.
	} else if err := s.RunReady(); err != nil {
		// RunReady stopped early: fibers may still be ready, or loads
		// queued. If the supervisor resumes the actor, this wake-up gives
		// them a turn; after a restart or a stop it is harmless.
		h.wake()
		panic(err)
	}
	if h.aborted.Load() != nil {
		if p := h.aborted.Swap(nil); p != nil {
			panic(*p)
		}
	}
}

// stop cancels every fiber, runs them to completion and waits (bounded)
// for their Await calls. It is idempotent.
func (h *Host) stop() {
	if h.stopped {
		return
	}
	h.stopped, h.running = true, false
	h.gone.Store(true)
	ctx := (*stopContext)(h)
	defer ctx.cancel()
	if s := h.sched.Load(); s == nil {
		// No fiber ever: nothing to stop.
	} else if err := s.Close(ctx); err != nil {
		h.more().stopErr = err
		h.log().Error("weft: problem while stopping the fibers of an actor",
			slog.String("actor", pids.String(h.self)), slog.Any("error", err))
	}
	h.receivers = nil
	h.stopProbes()
	if h.dir != nil && h.reply() != nil { // it joined at its first request
		h.dir.remove(h)
	}
	if h.turn != nil {
		h.unwatchAll()
	}
	if p := h.reply(); p != nil {
		h.sys.ProcessRegistry.Remove(p)
		h.cold.replyPID = nil
	}
	if h.cold != nil && h.cold.onStop != nil {
		h.cold.onStop()
	}
}

// detect returns how long the host's requests pend before deadlock
// probes start (its directory's period); 0: off.
func (h *Host) detect() time.Duration {
	if h.dir == nil {
		return 0
	}
	return h.dir.detect
}

// log returns the host's logger.
func (h *Host) log() *slog.Logger {
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	return h.logger
}

// replyAddr returns the PID of the host's reply process, registering the
// process at the first request of the actor's run; the host joins its
// directory then (only hosts with requests can be part of a wait cycle,
// so an actor that never requests costs the directory nothing). It must
// be called while the actor runs.
func (h *Host) replyAddr() *actor.PID {
	c := h.more()
	if c.replyPID == nil {
		reg := h.sys.ProcessRegistry
		c.replyPID, _ = reg.Add(replyProcess{h}, h.self.Id+"$weft-replies"+reg.NextId())
		if h.dir != nil {
			h.dir.add(h)
		}
	}
	return c.replyPID
}

// stopContext bounds the wait of a stop for Await calls (by the host's
// stop wait): a context whose timer starts only if the scheduler waits on
// it (it has Await calls still running), so that the stop of an actor
// without any costs no timer and no allocation. It is the Host itself,
// seen through another method set.
type stopContext Host

func (c *stopContext) bounded() context.Context {
	h := (*Host)(c)
	m := h.more()
	if m.stopCtx == nil {
		m.stopCtx, m.stopEnd = context.WithTimeout(context.Background(), h.stopWait)
	}
	return m.stopCtx
}

func (c *stopContext) cancel() {
	if h := (*Host)(c); h.cold != nil && h.cold.stopEnd != nil {
		h.cold.stopEnd()
	}
}

func (c *stopContext) Deadline() (time.Time, bool) { return c.bounded().Deadline() }
func (c *stopContext) Done() <-chan struct{}       { return c.bounded().Done() }
func (c *stopContext) Err() error                  { return c.bounded().Err() }
func (c *stopContext) Value(key any) any           { return c.bounded().Value(key) }

// StopErr returns what went wrong while the actor's fibers were stopped: the
// [*fiber.PanicError] of a fiber that panicked in its cleanup, and an error
// wrapping [context.DeadlineExceeded] if [fiber.Await] calls were still
// running after the stop wait ([WithStopWait]). It is nil before the stop.
func (h *Host) StopErr() error {
	if h.cold == nil {
		return nil
	}
	return h.cold.stopErr
}

// Stopped reports whether the host's actor has stopped (or is restarting)
// and its fibers are gone.
func (h *Host) Stopped() bool { return h.stopped }
