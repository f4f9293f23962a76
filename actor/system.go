package actor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/eventstream"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/pids"
	"github.com/weft-go/weft/mailbox"
)

// System is a Weft actor system: a protoactor-go ActorSystem configured to
// be quiet (it logs to the [slog.Logger] given with [WithLogger], and to
// nowhere by default), whose actors run their turns on a pool of worker
// goroutines, and whose [System.Shutdown] stops every actor, waits for them
// and their fibers, and leaves no goroutine behind.
//
// Create one with [NewSystem]; the zero value is not usable and a System
// must not be copied. Its methods are safe for concurrent use.
type System struct {
	ps          *pa.ActorSystem
	logger      *slog.Logger
	disp        turnDispatcher
	stopTimeout time.Duration

	dir       *bridge.Directory         // every actor's host: deadlock detection
	hostOpts  []bridge.Option           // what every actor's host gets, built once
	propsOpts []pa.PropsOption          // the props options of an actor without spawn options
	mailboxes pa.MailboxProducer        // the default mailbox: package mailbox's Unbounded
	clock     fiber.Clock               // nil: the real clock
	failures  *eventstream.Subscription // logs supervision decisions; unsubscribed by Shutdown
	watchStop chan struct{}             // closed to stop the watchdog goroutine; nil: no watchdog
	watchDone chan struct{}             // closed when it has returned

	mu       sync.Mutex              // guards the fields below
	top      map[*actorCell]topEntry // live actors spawned by Spawn, by cell
	topSeq   uint64                  // top-level actors tracked so far
	actors   map[*bridge.Host]registered
	seq      uint64 // actor incarnations produced so far
	shutdown bool
	overruns []error       // actors that stopped with Await calls still running
	done     chan struct{} // closed when the first Shutdown has finished
	err      error         // the first Shutdown's result
}

// Option configures a [System].
type Option func(*sysConfig)

type sysConfig struct {
	logger      *slog.Logger
	workers     int
	serial      bool
	stopTimeout time.Duration
	throttle    time.Duration
	detect      time.Duration
	watchdog    Watchdog
	clock       fiber.Clock
}

// WithLogger sets the logger of the system: what its actors log with
// [Self.Logger], the errors of their fibers (see [Self.Go]), their
// failures (at Error level, with the supervisor's directive, once it has
// decided), problems while stopping, slice watchdog reports, and protoactor-go's own records at Warn
// level and above (its Info records, such as dead letters, are dropped).
// The default is [slog.Default], so that a program's logs appear where
// its other logs do; pass slog.New(slog.DiscardHandler) for silence, as
// tests may.
func WithLogger(l *slog.Logger) Option { return func(c *sysConfig) { c.logger = l } }

// WithWorkers sets the number of worker goroutines that run actor turns;
// the default is twice GOMAXPROCS. Turns beyond that run on goroutines of
// their own.
func WithWorkers(n int) Option { return func(c *sysConfig) { c.workers = n } }

// WithStopTimeout bounds how long stopping one actor may take: its fibers'
// cleanups and [fiber.Await] calls included. The default is 5 seconds.
func WithStopTimeout(d time.Duration) Option { return func(c *sysConfig) { c.stopTimeout = d } }

// WithDeadLetterThrottle sets protoactor's dead-letter log throttle
// interval; its throttle goroutine outlives a dead letter by this long. The
// default is 10 milliseconds, so that shutdown leaves nothing behind for
// long.
func WithDeadLetterThrottle(d time.Duration) Option {
	return func(c *sysConfig) { c.throttle = d }
}

// WithDeadlockDetection sets how long a request between two actors of the
// system ([Ask]) may pend before the system checks
// whether it closes a wait cycle; the default is 250 milliseconds, and
// zero or less turns detection off. The requests of a cycle fail with a
// [*bridge.DeadlockError] that names every fiber of the cycle, what it
// waits on and its stack, instead of waiting for ever (or for a timeout).
// See [bridge.DeadlockError] for what is followed.
func WithDeadlockDetection(after time.Duration) Option {
	return func(c *sysConfig) { c.detect = after }
}

// WithClock makes the actors' fibers time their sleeps, [Within]
// deadlines and deadlock probes with c instead of the real clock, such as
// a manual virtual clock in tests (package actortest has one). Timers of
// protoactor and of package supervision keep the real clock (which is
// virtual inside a [testing/synctest] bubble: see package actortest).
func WithClock(c fiber.Clock) Option { return func(cfg *sysConfig) { cfg.clock = c } }

// WithSerialTurns makes the system run the turns of all its actors one at
// a time, on one worker goroutine, in the order the actors became ready
// (their mailboxes got a message). With a given order of outside events
// (messages sent from outside the actors, timers firing at distinct
// instants) the run is then reproducible; package actortest uses it for
// deterministic tests in virtual time. It overrides [WithWorkers]. A turn
// that blocks its goroutine until another actor's turn has run (which no
// call of Weft's does, but [Call] from a behavior would) then blocks every
// actor: in a synctest bubble the test fails with a deadlock report.
func WithSerialTurns() Option { return func(c *sysConfig) { c.serial = true } }

// NewSystem returns a running actor system.
func NewSystem(opts ...Option) *System {
	c := sysConfig{
		logger:      slog.Default(),
		stopTimeout: 5 * time.Second,
		throttle:    10 * time.Millisecond,
		detect:      250 * time.Millisecond,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.throttle <= 0 {
		c.throttle = time.Millisecond // protoactor crashes on a zero interval
	}
	s := &System{
		logger:      c.logger,
		stopTimeout: c.stopTimeout,
		done:        make(chan struct{}),
		dir:         bridge.NewDirectory(c.detect),
		clock:       c.clock,
		actors:      make(map[*bridge.Host]registered),
		top:         make(map[*actorCell]topEntry),
	}
	s.hostOpts = []bridge.Option{bridge.WithLogger(s.logger), bridge.WithStopWait(s.stopTimeout), bridge.WithDirectory(s.dir)}
	if s.clock != nil {
		s.hostOpts = append(s.hostOpts, bridge.WithClock(s.clock))
	}
	if c.serial {
		s.disp = newSerialDispatcher()
	} else {
		s.disp = newDispatcher(c.workers)
	}
	s.mailboxes = mailbox.Unbounded()
	s.propsOpts = []pa.PropsOption{pa.WithDispatcher(s.disp), pa.WithMailbox(s.mailboxes)}
	s.ps = pa.NewActorSystem(
		pa.WithLoggerFactory(func(*pa.ActorSystem) *slog.Logger { return slog.New(warnOnly{c.logger.Handler()}) }),
		pa.WithDeadLetterThrottleInterval(c.throttle),
	)
	s.failures = s.ps.EventStream.Subscribe(s.logFailure)
	if c.watchdog.Warn > 0 || c.watchdog.Fail > 0 {
		s.watchStop, s.watchDone = make(chan struct{}), make(chan struct{})
		go s.watch(c.watchdog)
	}
	return s
}

// Now reads the clock of the system's fibers: the one given with
// [WithClock], or the real one.
func (s *System) Now() time.Time {
	if s.clock != nil {
		return s.clock.Now()
	}
	return time.Now()
}

// watching reports whether the system has a slice watchdog.
func (s *System) watching() bool { return s.watchStop != nil }

// Directory returns the directory of the hosts of the system's actors, so
// that actors built on package bridge directly (with [bridge.NewActor] and
// [bridge.WithDirectory]) take part in deadlock detection.
func (s *System) Directory() *bridge.Directory { return s.dir }

// Raw returns the protoactor-go ActorSystem underneath: with [Self.Raw],
// [Ref.PID] and [RefOf], the escape hatch to protoactor-go for what Weft
// does not wrap (remote, cluster, event stream).
func (s *System) Raw() *pa.ActorSystem { return s.ps }

// Logger returns the system's logger.
func (s *System) Logger() *slog.Logger { return s.logger }

// topActor is a live top-level actor and its spawn order.
type topActor struct {
	seq  uint64
	pid  *pa.PID
	cell *actorCell // its stopped channel is closed once the actor has handled Stopped
}

// topEntry is what the system keeps of a live top-level actor, by its
// cell: 24 B a map slot, where a key of the actor's ID and the cell in the
// value took 40.
type topEntry struct {
	seq uint64
	pid *pa.PID
}

// track records a top-level actor; it reports false once shutdown began.
// It and untrack cost a map operation, so that many actors that come and
// go, and Shutdown, stay linear.
func (s *System) track(pid *pa.PID, cell *actorCell) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		return false
	}
	s.topSeq++
	s.top[cell] = topEntry{seq: s.topSeq, pid: pid}
	return true
}

// untrack forgets a top-level actor that stopped, given its cell and the
// PID value protoactor gave both Spawn and the actor's context.
func (s *System) untrack(cell *actorCell, pid *pa.PID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.top[cell]; ok && a.pid == pid {
		delete(s.top, cell)
	}
}

// stopFailed records that the actor pid did not stop cleanly: a fiber
// panicked in its cleanup, or fiber.Await calls of its fibers were still
// running past the stop timeout (their goroutines were left behind).
func (s *System) stopFailed(pid *pa.PID, err error) {
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: %s: %w", ErrStopTimeout, pids.String(pid), err)
	} else {
		err = fmt.Errorf("actor: %s: fibers failed while stopping: %w", pids.String(pid), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overruns = append(s.overruns, err)
}

// Shutdown stops every actor spawned with [Spawn], newest first (their
// children stop before them), waits until each has stopped, its fibers
// cancelled and their cleanups run, then stops the system's worker
// goroutines. It returns an error wrapping [ErrStopTimeout] for an actor
// that did not stop in time, or whose [fiber.Await] calls were still
// running past [WithStopTimeout] (their goroutines were left behind), and
// an error for an actor whose fibers panicked while stopping; this covers
// actors that stopped before Shutdown too. Its cost is linear in the
// number of actors: about 8 µs per idle actor on the benchmark machine,
// 100,000 actors in 0.8 s (BenchmarkShutdown).
//
// The work runs on a goroutine owned by the system. If ctx is done first,
// Shutdown returns an error wrapping [context.Cause] of ctx while the work
// goes on; a later call waits for it again. Shutdown is safe to call more
// than once and concurrently: every call that waits to the end returns the
// same result.
func (s *System) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.shutdown {
		s.shutdown = true
		top := make([]topActor, 0, len(s.top))
		for cell, a := range s.top {
			top = append(top, topActor{seq: a.seq, pid: a.pid, cell: cell})
		}
		slices.SortFunc(top, func(a, b topActor) int { return cmp.Compare(b.seq, a.seq) }) // newest first
		go s.stopAll(top)
	}
	s.mu.Unlock()
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.err
	case <-ctx.Done():
		return fmt.Errorf("actor: shutdown still in progress: %w", context.Cause(ctx))
	}
}

// stopAll is Shutdown's work: it stops the top-level actors newest first,
// then the dispatcher and protoactor's system, and closes done.
func (s *System) stopAll(top []topActor) {
	var errs []error
	// Each actor is told to stop and waited for (its Stopped hook closes
	// its channel), one after the other; the wait of one is bounded by the
	// stop timeout plus a second for protoactor's own work.
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for _, a := range top {
		s.ps.Root.Stop(a.pid)
		timer.Reset(s.stopTimeout + time.Second)
		select {
		case <-a.cell.stopped():
		case <-timer.C:
			errs = append(errs, fmt.Errorf("%w: %s", ErrStopTimeout, pids.String(a.pid)))
		}
	}
	s.disp.close()
	if s.watchStop != nil {
		close(s.watchStop)
		<-s.watchDone
	}
	s.ps.EventStream.Unsubscribe(s.failures)
	s.ps.Shutdown()
	s.mu.Lock()
	s.err = errors.Join(append(errs, s.overruns...)...)
	s.mu.Unlock()
	close(s.done)
}

// logFailure logs an actor's failure when its supervisor has decided
// what to do about it (protoactor publishes each decision, and so do
// package supervision's strategies). It runs on the supervisor's
// goroutine.
func (s *System) logFailure(evt any) {
	e, ok := evt.(*pa.SupervisorEvent)
	if !ok {
		return
	}
	s.logger.Error("weft: actor failed",
		slog.String("actor", pids.String(e.Child)),
		slog.String("directive", strings.TrimSuffix(e.Directive.String(), "Directive")),
		slog.Any("reason", e.Reason))
}

// warnOnly passes on the records of Warn level and above: protoactor-go
// logs every actor start and dead letter at Info level.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(attrs)}
}

func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }
