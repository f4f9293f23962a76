package fiber

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Scheduler is the owner's side of the fiber runtime: it runs a set of
// fibers on behalf of one owner, and it is the one type through which code
// that owns fibers drives, wakes and extends them. Its clients are package
// bridge (an actor's turns drive a scheduler), [Run] (the calling
// goroutine drives one), and waits built outside this package that park a
// fiber themselves (such as package actor's SendWait on a full mailbox).
// Users never need it: they get fibers from [Run] or from an actor and call
// the methods of [Fiber] and the sync primitives.
//
// The owner drives a scheduler by spawning fibers ([Scheduler.Spawn]) and
// calling [Scheduler.RunReady], which resumes ready fibers one at a time
// until every fiber is suspended or done, and stops it with
// [Scheduler.Close]. Events from other goroutines (timers, [Await]
// completions, anything sent with [Scheduler.Post]) are queued and handled
// inside RunReady; the owner learns that it should call RunReady through
// the [SchedulerConfig.Wake] hook. Owners build waits of their own with
// [Scheduler.Waker] and [Scheduler.Suspend], run blocking calls of their
// own machinery with [Scheduler.Offload], and annotate fibers with
// [Scheduler.SetTag]. [Fiber.Scheduler] leads from a fiber to its
// scheduler, and [Scheduler.Owner] from there to the owner.
//
// Create a Scheduler with [NewScheduler]; the zero value is not usable and a
// Scheduler must not be copied. Only [Scheduler.Post] is safe for concurrent
// use. Every other method, like every fiber operation, must be called by the
// owner, one call at a time; successive calls may come from different
// goroutines (an actor's turns do) provided each call synchronizes before
// the next.
type Scheduler struct {
	// Owned by the owner.
	clock    Clock
	owner    any
	labels   context.Context // profiler labels of the scheduler's fibers, built at the first spawn; nil: none
	labelKV  []string        // SetProfileLabels' pairs; nil: labels off
	mon      *Monitor        // publishes the running fiber to a watchdog; nil: none
	idleHook func()
	wakeHook func()
	runq     runQueue
	current  *Fiber    // the running fiber, nil while the owner's own code runs
	roots    fiberList // fibers spawned by the owner
	live     *Fiber    // head of the list of live fibers (allNext links)
	nlive    int32
	timers   int32 // pending Sleep timers
	lastID   uint64
	spareCo  *coro     // a finished fiber's coroutine, until RunReady returns (see coro)
	spare    []Task    // recycled inbox buffer
	epoch    time.Time // the clock's first reading (see stamp); zero until then
	cold     *schedCold

	driving atomic.Bool // a RunReady or Close is in progress
	inboxN  atomic.Int32

	mu      sync.Mutex // guards the fields below, but closing
	closing bool       // owned by the owner (next to closed to save space)
	closed  bool
	sites   bool  // SchedulerConfig.SpawnSites; owned by the owner, kept here to save space
	wall    bool  // the clock is the real one; owned by the owner, kept here to save space
	awaits  int32 // running Await goroutines
	inbox   []Task
	drained chan struct{} // closed when awaits drops to 0 after Close asked
	lost    *PanicError   // first panic of an Await or Offload call that returned after Close
}

// schedCold is the state of a [Scheduler] that most never use (a base
// context, Offload, panics, a Close error), kept out of the Scheduler so
// that an idle actor costs less memory. Owned by the owner.
type schedCold struct {
	ctx      context.Context // SchedulerConfig.Context; nil: context.Background
	life     context.Context // cancelled by Close; passed to Offload; nil until the first Offload
	endLife  context.CancelCauseFunc
	failure  *PanicError // first unsupervised panic
	failNew  *PanicError // first unsupervised panic not yet returned by RunReady
	closeErr error
}

// more returns the scheduler's cold state, making it on first use.
func (s *Scheduler) more() *schedCold {
	if s.cold == nil {
		s.cold = &schedCold{}
	}
	return s.cold
}

// baseContext returns the context the fibers' contexts derive from.
func (s *Scheduler) baseContext() context.Context {
	if s.cold == nil || s.cold.ctx == nil {
		return context.Background()
	}
	return s.cold.ctx
}

// failedNew returns the first unsupervised panic not yet returned by
// RunReady, or nil.
func (s *Scheduler) failedNew() *PanicError {
	if s.cold == nil {
		return nil
	}
	return s.cold.failNew
}

// SchedulerConfig configures a [Scheduler] made by [NewScheduler]; it is
// the scheduler's one configuration mechanism (users configure [Run] with
// an [Option] instead). The zero value is a valid configuration: no owner,
// the background context, the real clock, no hooks and no monitor. A
// SchedulerConfig is a plain value: it may be copied, and NewScheduler
// keeps no reference to it.
type SchedulerConfig struct {
	// Owner is the value [Scheduler.Owner] returns: package bridge records
	// its actor host there, so that waits called with only a fiber handle
	// find the actor the fiber lives in. Nil means none.
	Owner any

	// Context is the base context that fiber contexts ([Fiber.Context])
	// derive from; nil means [context.Background]. Cancelling it cancels
	// the fiber contexts but not the fibers: the owner cancels fibers
	// ([Run] does it for its own context).
	Context context.Context

	// Clock times sleeps ([Fiber.Sleep]) and stamps introspection; nil
	// means the real clock (package time). Tests usually keep the real
	// clock and run inside a [testing/synctest] bubble, where it is
	// virtual.
	Clock Clock

	// Wake, if not nil, is called from whatever goroutine posts an event,
	// when the scheduler's event queue goes from empty to non-empty: the
	// owner should then call [Scheduler.RunReady] soon. It must not block
	// and must not call back into the scheduler; an actor posts itself a
	// message, [Run] signals a channel.
	Wake func()

	// Idle, if not nil, is called by [Scheduler.RunReady], on the owner,
	// each time every fiber is suspended or done and no event is queued,
	// before RunReady returns. If it makes a fiber ready or posts an
	// event, RunReady carries on. It is the moment at which every fiber
	// has said what it waits for: a batch loader issues its calls there.
	Idle func()

	// Monitor, if not nil, records each fiber the scheduler resumes (see
	// [Monitor]); a monitor serves one scheduler. The owner brackets its
	// own code with [Monitor.Begin] and [Monitor.End].
	Monitor *Monitor

	// SpawnSites makes the "weft.spawned" profile label of each fiber (see
	// [Scheduler.SetProfileLabels]) name the function and line that
	// spawned it, outside Weft, instead of the function the fiber runs.
	// Finding the spawn site walks the spawner's stack, about a
	// microsecond per spawn of a fiber that outlives its first run, so it
	// is off by default: turn it on to trace leaked or long-lived fibers
	// to their spawners (package leakcheck reports the label).
	SpawnSites bool
}

// NewScheduler returns a scheduler with no fibers, configured by cfg.
// Profile labels, off by default, are turned on with
// [Scheduler.SetProfileLabels].
func NewScheduler(cfg SchedulerConfig) *Scheduler {
	s := &Scheduler{clock: cfg.Clock, owner: cfg.Owner, wakeHook: cfg.Wake, idleHook: cfg.Idle, mon: cfg.Monitor, sites: cfg.SpawnSites}
	if cfg.Context != nil {
		s.more().ctx = cfg.Context
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	_, s.wall = s.clock.(realClock)
	return s
}

// stamp returns the time by the scheduler's clock, for introspection
// (when a fiber was spawned, since when it waits), as an offset from the
// scheduler's first reading, plus one (0 means none). With the real
// clock it reads only the monotonic clock, about half the cost of
// time.Now, which a suspension would otherwise pay.
func (s *Scheduler) stamp() int64 {
	switch {
	case s.epoch.IsZero():
		s.epoch = s.clock.Now() // stays zero if the clock reads the zero time
		return 1
	case s.wall:
		return int64(time.Since(s.epoch)) + 1
	default:
		return int64(s.clock.Now().Sub(s.epoch)) + 1
	}
}

// timeAt returns the time of a stamp; the zero time for 0.
func (s *Scheduler) timeAt(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return s.epoch.Add(time.Duration(v - 1))
}

// lifeContext returns the context that Close cancels, made on first use.
func (s *Scheduler) lifeContext() context.Context {
	c := s.more()
	if c.life == nil {
		c.life, c.endLife = context.WithCancelCause(s.baseContext())
		if s.closing {
			c.endLife(ErrStopped)
		}
	}
	return c.life
}

// SetProfileLabels gives the fibers spawned from now on pprof goroutine
// labels: the given key/value pairs, "weft.fiber" (the fiber's name),
// "weft.fiber.id" (its ID) and "weft.spawned", so that CPU profiles,
// goroutine dumps (debug=1) and leak reports (package leakcheck) name the
// fiber; the labels also mark goroutines started by [Await].
// "weft.spawned" is the name of the function the fiber runs (a function
// literal is named after the function it is written in), or, with
// [SchedulerConfig.SpawnSites] (or [WithSpawnSites]), "function file:line"
// of the code that spawned the fiber, outside Weft. With no arguments, fibers get only the labels of their
// own. Labels cost about a microsecond and 300 bytes per spawn of a fiber
// that outlives its first run (a fiber that finishes in its first run gets
// only kv, at no cost), so they are off until the first call; the actor
// bridge turns them on, with the actor's ID, when its actor starts. Run's
// equivalent is [WithProfileLabels]. It must be called by the owner; it
// panics if kv has an odd length.
func (s *Scheduler) SetProfileLabels(kv ...string) {
	if len(kv)%2 != 0 {
		misuse("SetProfileLabels with an odd number of strings")
	}
	s.labelKV, s.labels = kv, nil
	if kv == nil {
		s.labelKV = []string{}
	}
}

// misuse panics with a "fiber: " message; used for API misuse only.
func misuse(msg string) {
	panic("fiber: " + msg)
}

func (s *Scheduler) unlinkLive(f *Fiber) {
	if f.allPrev == nil {
		s.live = f.allNext
	} else {
		f.allPrev.allNext = f.allNext
	}
	if f.allNext != nil {
		f.allNext.allPrev = f.allPrev
	}
	f.allPrev, f.allNext = nil, nil
	s.nlive--
}

// resume runs f until it suspends or finishes.
func (s *Scheduler) resume(f *Fiber) {
	prev := s.current
	s.current = f
	f.state = StateRunning
	f.runs++
	if s.mon != nil {
		s.mon.enter(f)
		f.next()
		s.mon.enter(prev)
	} else {
		f.next()
	}
	s.current = prev
}

// wake makes a suspended fiber ready, to resume with err. It reports false
// if f is not suspended.
func (s *Scheduler) wake(f *Fiber, err error) bool {
	if f.state != StateSuspended {
		return false
	}
	f.state = StateReady
	f.wakeErr = err
	f.waitNode = nil
	f.seq++
	s.runq.push(f)
	return true
}

// cancel implements Fiber.Cancel.
func (s *Scheduler) cancel(f *Fiber, cause error) {
	if f.state == StateDone || f.cancelled != nil {
		return
	}
	if cause == nil {
		cause = context.Canceled
	}
	f.cancelled = cancelErr(cause)
	if f.ctxCancel != nil {
		f.ctxCancel(cause)
	}
	for c := f.children.head; c != nil; c = c.sibNext {
		s.cancel(c, cause)
	}
	if f.state == StateSuspended && !f.shielded {
		if f.waitNode != nil {
			f.waitNode.unlink()
		}
		s.wake(f, f.cancelled)
	}
}

// Cancel cancels every fiber of the scheduler with the given cause, as
// [Fiber.Cancel] does. It does not wait: the cancelled fibers run their
// cleanups in the next [Scheduler.RunReady]. It must be called by the owner.
func (s *Scheduler) Cancel(cause error) {
	for f := s.roots.head; f != nil; f = f.sibNext {
		s.cancel(f, cause)
	}
}

// panicked records a recovered panic of f and returns it as an error.
func (s *Scheduler) panicked(f *Fiber, v any, stack []byte) error {
	pe := &PanicError{Fiber: f.Name(), Value: v, Stack: stack}
	if !f.supervised {
		s.fail(pe)
	}
	return pe
}

// fail records a panic that fails the owner.
func (s *Scheduler) fail(pe *PanicError) {
	c := s.more()
	if c.failure == nil {
		c.failure = pe
	}
	if c.failNew == nil {
		c.failNew = pe
	}
}

// Post queues fn to run on the owner, inside the next [Scheduler.RunReady],
// and calls the [SchedulerConfig.Wake] hook if the queue was empty.
// Functions run in the order they were posted; fn runs outside any fiber
// and may wake fibers (through a [Waker]) or spawn them. Post reports false, and drops fn, once
// the scheduler is closed.
//
// Post is safe for concurrent use; a call to Post synchronizes before fn runs.
func (s *Scheduler) Post(fn func()) bool { return s.PostTask(funcTask(fn)) }

// Task is an event posted with [Scheduler.PostTask]: its Run is called on
// the owner, as a function given to [Scheduler.Post] is.
type Task interface{ Run() }

// funcTask is a function posted with Post.
type funcTask func()

func (fn funcTask) Run() { fn() }

// PostTask is [Scheduler.Post] for an owner that keeps the event in a
// value of its own (the bridge's pending request, which a reply fills in
// and posts): posting a pointer allocates nothing, where a closure
// capturing the event would. It is owner machinery, with Post's rules.
func (s *Scheduler) PostTask(t Task) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.inbox = append(s.inbox, t)
	first := len(s.inbox) == 1
	s.inboxN.Store(int32(len(s.inbox)))
	s.mu.Unlock()
	if first && s.wakeHook != nil {
		s.wakeHook()
	}
	return true
}

// drainInbox runs the functions posted so far.
func (s *Scheduler) drainInbox() {
	s.mu.Lock()
	batch := s.inbox
	s.inbox = s.spare[:0]
	s.spare = nil // until batch has run: a panicking fn must not leave inbox and spare sharing a buffer
	s.inboxN.Store(0)
	s.mu.Unlock()
	i := 0
	defer func() {
		if i < len(batch) {
			// batch[i] panicked: put the functions after it back at the
			// front of the inbox, so that no wake-up is lost, and let the
			// panic go on.
			r := recover()
			s.mu.Lock()
			s.inbox = append(append([]Task{}, batch[i+1:]...), s.inbox...)
			s.inboxN.Store(int32(len(s.inbox)))
			s.mu.Unlock()
			panic(r)
		}
	}()
	for ; i < len(batch); i++ {
		t := batch[i]
		batch[i] = nil
		t.Run()
	}
	s.spare = batch[:0]
}

// RunReady runs the scheduler until it is idle: it handles posted events and
// resumes ready fibers, in FIFO order, until no fiber is ready and no event
// is queued. It returns early if an unsupervised fiber panics, with the
// [*PanicError] of the first such panic since the previous RunReady
// returned; fibers still ready stay queued. The owner then decides: stop
// (cancel the fibers and call [Scheduler.Close]) or carry on calling
// RunReady.
//
// RunReady must be called by the owner, outside any fiber and outside a
// posted function; it panics if it is already running.
func (s *Scheduler) RunReady() error {
	if s.current == nil && !s.driving.Load() && s.Idle() && s.failedNew() == nil {
		// Nothing to run: the common case of an actor turn whose message
		// no fiber waited for. A load of driving still catches misuse;
		// skipping the CompareAndSwap and the deferred Store below saves
		// two atomic read-modify-writes per turn.
		if s.idleHook != nil {
			s.idleHook()
		}
		if s.Idle() && s.failedNew() == nil {
			s.dropSpare()
			return nil
		}
	}
	if s.current != nil || !s.driving.CompareAndSwap(false, true) {
		misuse("RunReady called while the scheduler is running (from a fiber, a posted function or another goroutine)")
	}
	defer func() {
		s.dropSpare()
		s.driving.Store(false)
	}()
	for {
		if s.inboxN.Load() != 0 {
			s.drainInbox()
		}
		if pe := s.failedNew(); pe != nil {
			// A panic outside a resume: in a fiber spawned by the owner or
			// by a posted function, or of an Await call nobody waits for.
			s.cold.failNew = nil
			return pe
		}
		f := s.runq.pop()
		if f == nil {
			if s.inboxN.Load() != 0 {
				continue
			}
			if s.idleHook != nil {
				s.idleHook()
				if !s.Idle() || s.failedNew() != nil {
					continue
				}
			}
			return nil
		}
		s.resume(f)
		if pe := s.failedNew(); pe != nil {
			s.cold.failNew = nil
			return pe
		}
	}
}

// Idle reports whether no fiber is ready and no posted event is queued.
func (s *Scheduler) Idle() bool {
	return s.runq.len() == 0 && s.inboxN.Load() == 0
}

// Failure returns the first unsupervised panic of any fiber of the
// scheduler as a [*PanicError], or nil.
func (s *Scheduler) Failure() error {
	if s.cold == nil || s.cold.failure == nil {
		return nil
	}
	return s.cold.failure
}

// Owner returns the owner recorded in [SchedulerConfig.Owner], or nil.
func (s *Scheduler) Owner() any { return s.owner }

// Clock returns the scheduler's clock (see [SchedulerConfig.Clock]).
func (s *Scheduler) Clock() Clock { return s.clock }

// Live returns the number of fibers that are not done.
func (s *Scheduler) Live() int { return int(s.nlive) }

// Fibers returns a description of every live fiber, newest first.
func (s *Scheduler) Fibers() []Info {
	infos := make([]Info, 0, s.nlive)
	for f := s.live; f != nil; f = f.allNext {
		infos = append(infos, f.Info())
	}
	return infos
}

// Close stops the scheduler: it cancels every fiber with [ErrStopped], runs
// them until they are all done (their deferred cleanups run), refuses
// further posts, then waits until every [Await] call's function has
// returned or ctx is done. It returns the first panic raised by a fiber
// while stopping (including that of an Await call whose fiber no longer
// waited), and [context.Cause] of ctx if it gave up waiting.
//
// Close waits, and may be called more than once: a second call waits again
// for Await calls and returns the same panic. It must be called by the
// owner, outside any fiber. A fiber that keeps running after cancellation
// (every suspension point then fails at once) keeps Close from returning.
func (s *Scheduler) Close(ctx context.Context) error {
	if s.current != nil {
		misuse("Scheduler.Close called from inside a fiber")
	}
	if !s.closing {
		s.closing = true
		s.Cancel(ErrStopped)
		if s.cold != nil && s.cold.endLife != nil {
			s.cold.endLife(ErrStopped)
		}
		for !s.closed {
			for s.nlive > 0 || !s.Idle() {
				if err := s.RunReady(); err != nil && s.more().closeErr == nil {
					s.cold.closeErr = err
				}
				if s.nlive > 0 && s.Idle() {
					// Only fibers waiting on their children can be left, and
					// their children are cancelled, so this cannot happen.
					panic(fmt.Sprintf("fiber: internal error: %d fibers stuck at Close", s.nlive))
				}
			}
			// Close only with an empty inbox: a function posted after the
			// loop above (such as an Await call's panic) still runs.
			s.mu.Lock()
			s.closed = len(s.inbox) == 0
			s.mu.Unlock()
		}
		s.dropSpare()
	}
	s.mu.Lock()
	if s.awaits == 0 {
		s.mu.Unlock()
		return s.closeResult()
	}
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	drained := s.drained
	s.mu.Unlock()
	select {
	case <-drained:
		return s.closeResult()
	case <-ctx.Done():
		return errors.Join(s.closeResult(), fmt.Errorf("fiber: Close: Await calls still running: %w", context.Cause(ctx)))
	}
}

// closeResult returns what Close reports: the first panic raised while
// stopping, including that of an Await call which returned after Close
// refused posts (offload keeps it in lost).
func (s *Scheduler) closeResult() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lost != nil {
		c := s.more()
		if c.closeErr == nil {
			c.closeErr = s.lost
		}
		if c.failure == nil {
			c.failure = s.lost
		}
		s.lost = nil
	}
	if s.cold == nil {
		return nil
	}
	return s.cold.closeErr
}

// awaitStarted and awaitFinished count running Await and Offload goroutines.
func (s *Scheduler) awaitStarted() {
	s.mu.Lock()
	s.awaits++
	s.mu.Unlock()
}

func (s *Scheduler) awaitFinished() {
	s.mu.Lock()
	s.awaits--
	if s.awaits == 0 && s.drained != nil {
		close(s.drained)
		s.drained = nil
	}
	s.mu.Unlock()
}

func (s *Scheduler) awaitsRunning() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.awaits)
}

// describe lists the live fibers, one a line, for error reports.
func (s *Scheduler) describe() string {
	var b strings.Builder
	for _, in := range s.Fibers() {
		fmt.Fprintf(&b, "\tfiber %d %q: %s", in.ID, in.Name, in.State)
		if in.WaitingOn != "" {
			fmt.Fprintf(&b, " on %s", in.WaitingOn)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
