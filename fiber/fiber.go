package fiber

import (
	"context"
	"iter"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"time"
)

//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=State -trimprefix=State

// State is the life-cycle state of a [Fiber].
type State uint8

// The states of a fiber. A fiber is created running, alternates between
// running and ready or suspended, and ends done.
const (
	// StateReady: the fiber is queued to run in its scheduler's next pass
	// (it yielded, or what it waited on happened).
	StateReady State = iota + 1
	// StateRunning: the fiber is executing, or it spawned a child that is.
	StateRunning
	// StateSuspended: the fiber waits at a suspension point for an event.
	StateSuspended
	// StateDone: the fiber's function returned (or panicked) and every one of
	// its children is done.
	StateDone
)

// Fiber is a lightweight thread of execution owned by a [Scheduler]. Fibers
// of one scheduler never run in parallel: exactly one runs at a time, and it
// runs until it reaches a suspension point (a method documented to suspend,
// such as [Fiber.Yield], [Fiber.Sleep], [Fiber.Join], [Mutex.Lock] or
// [Chan.Recv]), so code between two suspension points needs no locks.
//
// A Fiber is created by [Run], [Fiber.Spawn], [Group.Go] or the
// scheduler's owner ([Scheduler.Spawn], which an actor's Go calls); the
// zero value is not usable and a Fiber must not be copied. Its methods,
// like every operation on fiber sync primitives, must be called from the
// scheduler's owner: from inside one of its fibers, or from the code
// driving the scheduler. Methods that suspend must be called by the fiber
// itself, on its own handle; they panic otherwise.
type Fiber struct {
	s    *Scheduler
	id   uint64
	name string
	fn   func(*Fiber) error

	// Coroutine plumbing (iter.Pull): next resumes the fiber, yield suspends it.
	next  func() (struct{}, bool)
	yield func(struct{}) bool

	state      State
	supervised bool
	shielded   bool  // waiting for its children at exit: cancellation does not wake it
	critical   int32 // depth of Critical calls in progress: suspending panics
	runs       uint64
	spawned    int64 // by the scheduler's clock (see Scheduler.stamp)

	parent           *Fiber
	children         fiberList // live children, in spawn order
	sibPrev, sibNext *Fiber    // links in the parent's (or scheduler's) children list
	allPrev, allNext *Fiber    // links in the scheduler's list of live fibers

	err       error // the result, valid once done
	cancelled error // what suspension points return once cancelled (its cause: causeOf)

	// The current suspension.
	seq       uint64 // incremented at every wake-up: identifies one suspension for Wakers
	wakeErr   error
	waitNode  interface{ unlink() }
	waitWhat  string
	waitN     int64 // a Sleep's duration, a semaphore's weight: for Info (see waitDetail)
	waitFor   any   // *Fiber (join) or *Mutex (its holder): the fiber this wait depends on
	waitSince int64 // by the scheduler's clock (see Scheduler.stamp)

	tag any // the owner's annotation (Scheduler.SetTag)

	joiners   waitq[struct{}]
	labels    context.Context // profile labels of its own, until the fiber has set them on itself (see park)
	onExit    func(*Fiber)    // called as the fiber finishes, before its joiners wake (Group)
	ctx       context.Context
	ctxCancel context.CancelCauseFunc
}

// fiberList is an intrusive list of fibers linked through sibPrev/sibNext.
type fiberList struct {
	head, tail *Fiber
	n          int
}

func (l *fiberList) push(f *Fiber) {
	f.sibPrev = l.tail
	if l.tail == nil {
		l.head = f
	} else {
		l.tail.sibNext = f
	}
	l.tail = f
	l.n++
}

func (l *fiberList) remove(f *Fiber) {
	if f.sibPrev == nil {
		l.head = f.sibNext
	} else {
		f.sibPrev.sibNext = f.sibNext
	}
	if f.sibNext == nil {
		l.tail = f.sibPrev
	} else {
		f.sibNext.sibPrev = f.sibPrev
	}
	f.sibPrev, f.sibNext = nil, nil
	l.n--
}

// SpawnOption configures one spawned fiber ([Fiber.Spawn], [Group.Go],
// [Scheduler.Spawn]). The option is [Supervised]; the zero SpawnOption
// changes nothing. A SpawnOption is a plain value, opaque and immutable: it
// may be copied and reused, by any goroutine. It is a struct rather than an
// interface so that spawning, with or without options, allocates nothing
// for them.
type SpawnOption struct {
	supervised bool
}

// spawnConfig is what spawning a fiber takes besides its name and function.
type spawnConfig struct {
	supervised bool
	group      *Group // Group.Go: the group the fiber joins
	tag        any    // Scheduler.SpawnTagged
}

// spawnOptions merges opts into a spawnConfig.
func spawnOptions(opts []SpawnOption) spawnConfig {
	var c spawnConfig
	for _, o := range opts {
		c.supervised = c.supervised || o.supervised
	}
	return c
}

// Supervised makes the spawning parent responsible for the child's panics: a
// panic in the child does not fail the scheduler's owner; it becomes the
// [*PanicError] that [Fiber.Join] (or [Group.Wait]) returns.
func Supervised() SpawnOption { return SpawnOption{supervised: true} }

// Spawn starts a child fiber of f running fn and returns its handle. The
// child runs at once, until its first suspension point, before Spawn returns;
// then f continues. name labels the child in introspection and panics; it
// may be empty.
//
// The child is cancelled when f is cancelled, and f does not finish before
// all its children have: when f's function returns, f waits for them (and
// cancels them first if it returned an error or panicked).
//
// Spawn does not suspend f. It must be called from inside f.
func (f *Fiber) Spawn(name string, fn func(*Fiber) error, opts ...SpawnOption) *Fiber {
	if f.s.current != f {
		misuse("Fiber.Spawn called from outside the fiber")
	}
	return f.s.spawn(f, name, fn, spawnOptions(opts))
}

// body is the coroutine function of a fiber.
func (f *Fiber) body(yield func(struct{}) bool) {
	f.yield = yield
	if f.labels != nil {
		pprof.SetGoroutineLabels(f.labels)
		f.labels = nil
	} else if l := f.s.labels; l != nil {
		pprof.SetGoroutineLabels(l) // the fiber's own come later: see Scheduler.spawn
	}
	f.err = f.call()
	f.exit()
}

// call runs the fiber's function, turning a panic into a *PanicError.
func (f *Fiber) call() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = f.s.panicked(f, r, debug.Stack())
		}
	}()
	return f.fn(f)
}

// exit waits for f's children, then marks f done and wakes its joiners.
func (f *Fiber) exit() {
	s := f.s
	if f.children.n > 0 {
		if f.err != nil {
			for c := f.children.head; c != nil; c = c.sibNext {
				s.cancel(c, f.err)
			}
		}
		f.shielded = true
		for f.children.n > 0 {
			f.waitFor = f.children.head
			f.suspend("children", nil)
		}
		f.shielded = false
	}
	f.state = StateDone
	f.fn = nil
	f.waitWhat = ""
	if f.ctxCancel != nil {
		f.ctxCancel(nil)
	}
	p := f.parent
	if p == nil {
		s.roots.remove(f)
	} else {
		p.children.remove(f)
		if p.shielded && p.children.n == 0 {
			s.wake(p, nil)
		}
	}
	if f.onExit != nil {
		f.onExit(f)
	}
	for w := f.joiners.pop(); w != nil; w = f.joiners.pop() {
		s.wake(w.f, nil)
	}
	s.unlinkLive(f)
}

// suspend parks the running fiber f until it is woken, and returns the error
// it was woken with. what and on describe the wait for introspection; node,
// if not nil, is unlinked from its wait queue when f is cancelled. A
// cancelled fiber does not park: suspend returns at once (unless f is
// shielded, waiting for its children).
func (f *Fiber) suspend(what string, node interface{ unlink() }) error {
	s := f.s
	if s.current != f {
		misuse("suspension point (" + what + ") reached from outside the fiber")
	}
	if f.critical > 0 {
		if node != nil {
			node.unlink() // leave no waiter behind in the primitive's queue
		}
		f.waitFor = nil
		criticalMisuse(f, what)
	}
	if f.cancelled != nil && !f.shielded {
		if node != nil {
			node.unlink()
		}
		f.waitFor = nil
		return f.cancelled
	}
	f.state = StateSuspended
	f.waitNode, f.waitWhat = node, what
	f.waitSince = s.stamp()
	f.park()
	err := f.wakeErr
	f.wakeErr = nil
	f.waitWhat, f.waitFor = "", nil
	return err
}

// Yield suspends f and puts it at the back of the ready queue, letting every
// other ready fiber run first. It returns nil, or the cancellation error if
// f was cancelled (in which case it returns at once, without yielding).
//
// Yield is a suspension point: it must be called by f itself.
func (f *Fiber) Yield() error {
	s := f.s
	if s.current != f {
		misuse("Fiber.Yield called from outside the fiber")
	}
	if f.critical > 0 {
		criticalMisuse(f, "yield")
	}
	if f.cancelled != nil {
		return f.cancelled
	}
	f.state = StateReady
	s.runq.push(f)
	f.park()
	return f.cancelled
}

// park yields f's coroutine until it is resumed. A resumption that finds
// f.labels set is the spawner's, which gives a fiber that outlived its
// first run its own profile labels, made on the spawner's stack (see
// Scheduler.spawn) so that the parked fiber's stays at its first size: f
// sets them on its goroutine and parks again.
func (f *Fiber) park() {
	f.yield(struct{}{})
	if f.labels != nil {
		pprof.SetGoroutineLabels(f.labels)
		f.labels = nil
		f.yield(struct{}{})
	}
}

// Join suspends f until child is done and returns child's result: the
// error its function returned, or the [*PanicError] of a [Supervised] child
// that panicked. Join returns at once if child is already done. If f is
// cancelled while it waits, Join returns the cancellation error and child
// keeps running.
//
// Join is a suspension point: it must be called by f itself. child must
// belong to the same scheduler and must not be f.
func (f *Fiber) Join(child *Fiber) error {
	if child == f {
		misuse("Fiber.Join: a fiber cannot join itself")
	}
	if child.s != f.s {
		misuse("Fiber.Join: the fibers belong to different schedulers")
	}
	if child.state != StateDone {
		w := &waiter[struct{}]{f: f}
		child.joiners.push(w)
		f.waitFor = child
		if err := f.suspend("join", w); err != nil {
			return err
		}
	}
	return child.err
}

// Cancel cancels f and, recursively, its children with the given cause (nil
// means [context.Canceled]). A suspended fiber is woken: its pending
// suspension point returns an error that matches [context.Canceled] (or the
// cause, when the cause is [context.DeadlineExceeded]) and the cause under
// [errors.Is]. From then on every suspension point of f returns that error at
// once. Cancel does not wait for f to finish: [Fiber.Join] does. Cancelling a
// cancelled or finished fiber does nothing.
//
// Cancel does not suspend. It may be called by any fiber of the scheduler,
// including f, or by the code driving the scheduler.
func (f *Fiber) Cancel(cause error) {
	f.s.cancel(f, cause)
}

// Context returns a context that is cancelled, with f's cancellation cause,
// when f is cancelled or finishes. It carries the values of the scheduler's
// base context (the context given to [Run], or
// [SchedulerConfig.Context]). Pass it to blocking calls made through
// [Await].
func (f *Fiber) Context() context.Context {
	if f.ctx == nil {
		f.ctx, f.ctxCancel = context.WithCancelCause(f.s.baseContext())
		switch {
		case f.cancelled != nil:
			f.ctxCancel(causeOf(f.cancelled))
		case f.state == StateDone:
			f.ctxCancel(nil)
		}
	}
	return f.ctx
}

// Name returns the name f was spawned with, or "fiber-N" (N its ID) if
// that was empty.
func (f *Fiber) Name() string {
	if f.name == "" {
		f.name = "fiber-" + strconv.FormatUint(f.id, 10)
	}
	return f.name
}

// ID returns f's identifier, unique within its scheduler and never 0.
func (f *Fiber) ID() uint64 { return f.id }

// State returns f's current state.
func (f *Fiber) State() State { return f.state }

// Err returns f's result once f is done (see [Fiber.Join]) and nil before.
func (f *Fiber) Err() error {
	if f.state != StateDone {
		return nil
	}
	return f.err
}

// Cancelled reports whether f has been cancelled.
func (f *Fiber) Cancelled() bool { return f.cancelled != nil }

// Scheduler returns the scheduler f belongs to. It is the owners' door,
// for code that drives fibers or builds waits of its own (package bridge
// finds an actor's host through it, with [Scheduler.Owner]; a wait parks f
// with [Scheduler.Waker] and [Scheduler.Suspend]); users never need it.
func (f *Fiber) Scheduler() *Scheduler { return f.s }

// Now returns the current time by the clock of f's scheduler: the clock
// [Fiber.Sleep] and [Fiber.SleepUntil] measure against (the real clock
// unless the owner installed another, see [WithClock]).
func (f *Fiber) Now() time.Time { return f.s.clock.Now() }

// Info describes one fiber at one moment, for introspection. It is a plain
// value: it may be copied and read from any goroutine.
type Info struct {
	// ID is the fiber's identifier (see [Fiber.ID]).
	ID uint64
	// Name is the fiber's name (see [Fiber.Name]).
	Name string
	// Parent is the parent's ID, or 0 for a fiber spawned by the scheduler's owner.
	Parent uint64
	// State is the fiber's state.
	State State
	// Cancelled reports whether the fiber has been cancelled.
	Cancelled bool
	// WaitingOn says what a suspended fiber waits for, such as "sleep 1s",
	// "join worker", "chan recv", "mutex" or "children"; empty otherwise.
	WaitingOn string
	// Since is when the fiber suspended; zero unless it is suspended.
	Since time.Time
	// WaitingFor is the ID of the fiber a suspended fiber depends on: the
	// child it joins, the holder of the [Mutex] it waits for, or its first
	// live child while it waits for its children to finish. It is 0 for
	// other waits, whose wake-up does not depend on one known fiber.
	WaitingFor uint64
	// Spawned is when the fiber was spawned, by the scheduler's [Clock]; it
	// is zero if that clock read the zero time.
	Spawned time.Time
	// Runs counts how many times the fiber has run: its first run and every
	// resumption after a suspension point.
	Runs uint64
}

// Info returns a description of f.
func (f *Fiber) Info() Info {
	in := Info{ID: f.id, Name: f.Name(), State: f.state, Cancelled: f.cancelled != nil, Runs: f.runs}
	in.Spawned = f.s.timeAt(f.spawned)
	if f.parent != nil {
		in.Parent = f.parent.id
	}
	if f.state == StateSuspended {
		in.WaitingOn, in.Since = f.waitWhat, f.s.timeAt(f.waitSince)
		if on := f.waitDetail(); on != "" {
			in.WaitingOn += " " + on
		}
		if w := f.WaitingFor(); w != nil {
			in.WaitingFor = w.id
		}
	}
	return in
}

// waitDetail describes what a suspended fiber waits on beyond its kind of
// wait (the child it joins, the holder of its mutex, its sleep's length,
// the weight it asks of a semaphore),
// made when asked for: a suspension records the parts, not the text.
func (f *Fiber) waitDetail() string {
	switch f.waitWhat {
	case "sleep":
		return time.Duration(f.waitN).String()
	case "semaphore":
		return strconv.FormatInt(f.waitN, 10)
	case "join":
		if c, ok := f.waitFor.(*Fiber); ok {
			return c.Name()
		}
	case "mutex":
		if m, ok := f.waitFor.(*Mutex); ok && m.owner != nil {
			return "held by " + m.owner.Name()
		}
	}
	return ""
}

// WaitingFor returns the fiber that f, suspended, depends on to be woken:
// the child it joins ([Fiber.Join]), the fiber holding the [Mutex] it waits
// for, or, once its function has returned, its first live child. It returns
// nil when f is not suspended or waits for something else (a timer, a
// channel, an event from outside). Wait-for-graph deadlock detection
// (package bridge) follows it.
func (f *Fiber) WaitingFor() *Fiber {
	if f.state != StateSuspended {
		return nil
	}
	switch w := f.waitFor.(type) {
	case *Fiber:
		return w
	case *Mutex:
		return w.owner
	}
	return nil
}

// Critical runs fn on f as a critical section that must not suspend: if fn
// reaches a suspension point of f (a wait, a sleep, a yield, even one that
// would fail at once because f is cancelled), Critical panics with a
// "fiber: " message naming the fiber and the suspension point, which fails
// the fiber like any panic. Between two suspension points a fiber already
// has its scheduler to itself; Critical turns that rule into a checked
// guarantee for code that relies on it (Tarantool's "no yield inside a
// critical section").
//
// Critical does not suspend. It must be called by f itself; calls nest.
func Critical(f *Fiber, fn func()) {
	if f.s.current != f {
		misuse("Critical called from outside the fiber")
	}
	f.critical++
	defer func() { f.critical-- }()
	fn()
}

// criticalMisuse panics for a suspension point reached inside Critical.
func criticalMisuse(f *Fiber, what string) {
	misuse("suspension point (" + what + ") reached inside Critical by fiber " + strconv.Quote(f.Name()))
}

// coro is the coroutine (iter.Pull) that runs fibers: a new fiber gets its
// scheduler's spare coroutine, left by a fiber that finished, if there is
// one, so that a short child fiber spawned and joined in a loop costs two
// coroutine switches instead of a goroutine. A scheduler keeps at most one
// spare, and only until RunReady returns (or Close), so that an idle actor
// holds no goroutine of a finished fiber.
type coro struct {
	next func() (struct{}, bool)
	stop func()
	f    *Fiber // the fiber it runs; nil while spare
}

// newCoroutine gives f a coroutine: the scheduler's spare or a new one.
func newCoroutine(f *Fiber) {
	s := f.s
	c := s.spareCo
	if c == nil {
		c = &coro{}
		// The coroutine's body is this closure itself, not a method
		// value: a frame less under every parked fiber (whose goroutine
		// stack the GC shrinks back to its smallest size only if the
		// parked frames use under a quarter of it).
		c.next, c.stop = iter.Pull(func(yield func(struct{}) bool) {
			for {
				f := c.f
				f.body(yield)
				c.f, f.next = nil, nil
				s := f.s
				if s.spareCo != nil || s.closing {
					return
				}
				s.spareCo = c
				if !yield(struct{}{}) {
					return
				}
			}
		})
	}
	s.spareCo = nil
	c.f, f.next = f, c.next
}

// The coroutine's body runs its fiber to the end, then parks as its
// scheduler's spare until a new fiber takes it (or ends, if the scheduler
// has a spare already, is closing, or drops it).

// dropSpare ends the scheduler's spare coroutine, if any.
func (s *Scheduler) dropSpare() {
	if c := s.spareCo; c != nil {
		s.spareCo = nil
		c.stop()
	}
}
