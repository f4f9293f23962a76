package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/pids"
	"github.com/weft-go/weft/internal/supervise"
	"github.com/weft-go/weft/supervision"
)

// Default timeouts of a [Tree].
const (
	// DefaultStartTimeout is how long a child may take to start when
	// [Tree.StartTimeout] is zero.
	DefaultStartTimeout = 5 * time.Second
	// DefaultStopTimeout is how long a child may take to stop gracefully
	// when [Child.StopTimeout] is zero.
	DefaultStopTimeout = 5 * time.Second
)

// Tree declares a service: a supervisor actor with ordered children,
// each described by a [Child]. [Tree.Start] starts it and returns the
// running [Supervisor].
//
// The children start one at a time, in order: a child is spawned by its
// start function, then the tree waits until it has handled its Started
// message (it sends the child a protoactor *actor.Touch, which protoactor
// answers after the child's Receive has seen it) before the next starts.
// If a child fails to start, the children already started are stopped in
// reverse order and Start returns the error. The children stop in reverse
// order too, each gracefully first (a poison pill, handled after the
// messages already queued) and by force after its stop timeout.
//
// Failures are handled by the tree's [supervision.Strategy] (its policy,
// decider, intensity, backoff and observer), with the restart kinds of the
// children; a tree restarts the children of a group one at a time, in
// start order, each after the previous has handled its Started. A
// [supervision.Permanent] child that stops on its own is started again
// (this counts as a restart); a [supervision.Transient] or
// [supervision.Temporary] one is not. A tree has no supervisor to escalate
// to: when the restart intensity is exceeded, or the decider escalates,
// the tree stops its children in reverse order and ends with the
// [*supervision.ExceededError], or an error wrapping [ErrEscalated] (see
// [Supervisor.Err]).
//
// System.Shutdown stops a running tree too, but as protoactor stops any
// actor's children, all at once: call [Supervisor.Stop] first for an
// orderly stop.
//
// A Tree is a declaration: its zero value (no children) is usable, it may
// be copied, and it may start several services. Its fields must not change
// while Start runs.
type Tree struct {
	// Strategy gives the policy, decider, intensity, backoff and observer;
	// nil means [supervision.OneForOne] with its defaults. The tree uses a
	// copy of its configuration, so one Strategy may configure several
	// trees; its [supervision.WithExceeded], [supervision.WithRestart] and
	// [supervision.WithRestartFunc] settings do not apply.
	Strategy *supervision.Strategy
	// Children are the children, in start order. Their names must be
	// unique and not empty.
	Children []Child
	// StartTimeout bounds how long each child may take to start or
	// restart (to handle its Started message); zero means
	// [DefaultStartTimeout].
	StartTimeout time.Duration
}

// Child describes one child of a [Tree], as an Erlang/OTP child
// specification does: its name, how to start it, when to restart it, how
// long it may take to stop. Its zero value is not usable: Name and Start
// are required. A Child is a plain value: copy it freely.
type Child struct {
	// Name names the child: the tree passes it to Start, reports it in
	// errors and finds the child by it ([Supervisor.PID], [Lookup]).
	Name string
	// Start spawns the child (see [StartFunc]); the tree calls it again to
	// start a [supervision.Permanent] child anew after it stopped on its
	// own.
	Start StartFunc
	// Restart is the child's restart kind; the zero value is
	// [supervision.Permanent].
	Restart supervision.RestartKind
	// StopTimeout is how long the child may take to stop gracefully before
	// it is stopped by force, and then again how long the tree waits for
	// the forced stop; zero means [DefaultStopTimeout], and a negative
	// value stops the child by force at once (waiting DefaultStopTimeout).
	StopTimeout time.Duration
}

// StartFunc spawns a child of a [Tree]: it must spawn exactly one actor as
// a child of parent, the tree's own actor (with [actor.SpawnChild], or
// protoactor's spawn on parent.Raw()), named name, and return its PID.
// [StartActor] builds one for a Weft behavior. It runs in the tree actor's
// turn: it must not block. An error (or a panic) fails the start.
//
// The child receives a protoactor *actor.Touch after each start and
// restart (a Weft behavior whose protocol does not include it never sees
// it; protoactor answers it).
type StartFunc func(parent *actor.Self[any], name string) (*pa.PID, error)

// StartActor returns a [StartFunc] that spawns a Weft actor of protocol M
// whose behavior produce returns, as [actor.SpawnChild] does; find its typed
// reference with [Lookup].
func StartActor[M any](produce func() actor.Behavior[M], opts ...actor.SpawnOption) StartFunc {
	return func(parent *actor.Self[any], name string) (*pa.PID, error) {
		ref, err := actor.SpawnChild(parent, name, produce, opts...)
		return ref.PID(), err
	}
}

// Supervisor is a running [Tree]: the handle of its supervisor actor,
// which starts, restarts and stops the children.
//
// A Supervisor is created by [Tree.Start]; the zero value is not usable
// and a Supervisor must not be copied. Its methods are safe for concurrent
// use.
type Supervisor struct {
	sys     *actor.System
	pid     *pa.PID       // the tree actor; set before Start returns
	done    chan struct{} // closed once the tree actor has stopped, children included
	started chan error    // the start sequence's result (buffered)
	stopped chan struct{} // closed once the tree has stopped its children (or given up on some)

	mu      sync.Mutex // guards the fields below
	pids    map[string]*pa.PID
	err     error // why the service ended
	stopErr error // problems stopping the children
}

// Start starts the tree as a top-level actor of sys named name (empty:
// a unique name) and its children in order, and returns the running
// service once every child has started. If a child fails to start, Start
// stops the children already started, in reverse order, waits for the
// tree to stop, and returns an error wrapping [ErrStartFailed]. If ctx is
// done first, Start returns [context.Cause] of ctx and the tree stops in
// the background (System.Shutdown waits for it).
//
// The tree's strategy also supervises the tree's own actor, as
// protoactor's guardian of that strategy (see actor.WithSupervisor), and
// protoactor keeps its guardians until the system shuts down: each Start
// leaves about 2 KB with sys once the service has ended (the tree's state
// is not kept).
//
// Start panics if a child has an empty or duplicate name or no start
// function.
func (t Tree) Start(ctx context.Context, sys *actor.System, name string) (*Supervisor, error) {
	specs := slices.Clone(t.Children)
	seen := make(map[string]bool, len(specs))
	for _, c := range specs {
		switch {
		case c.Name == "":
			panic("service: a child has no name")
		case seen[c.Name]:
			panic("service: duplicate child name " + c.Name)
		case c.Start == nil:
			panic("service: child " + c.Name + " has no start function")
		}
		seen[c.Name] = true
	}
	base := t.Strategy
	if base == nil {
		base = supervision.OneForOne()
	}
	svc := &Supervisor{sys: sys, done: make(chan struct{}), started: make(chan error, 1), stopped: make(chan struct{}), pids: make(map[string]*pa.PID)}
	ta := &treeActor{svc: svc, byID: make(map[string]*kid), startTimeout: t.StartTimeout}
	if ta.startTimeout <= 0 {
		ta.startTimeout = DefaultStartTimeout
	}
	for i := range specs {
		ta.kids = append(ta.kids, &kid{spec: &specs[i]})
	}
	ta.link = &treeLink{}
	ta.link.ta.Store(ta)
	ta.strat = (*supervise.Strategy)(base).Derive(ta.link.kindOf, supervise.Hooks{
		Intercept: ta.link.intercept, Order: ta.link.order, Execute: ta.link.execute, Resumed: ta.link.resumed, Exit: ta.link.exit,
	})
	ref, err := actor.Spawn(sys, name, func() actor.Behavior[any] { return ta }, actor.WithSupervisor((*supervision.Strategy)(ta.strat)))
	if err != nil {
		return nil, err
	}
	svc.pid = ref.PID()
	select {
	case err := <-svc.started:
		return svc.startResult(ctx, err)
	case <-svc.done:
		select {
		case err := <-svc.started:
			return svc.startResult(ctx, err)
		default:
		}
		// The tree ended before its start sequence reported: its actor
		// failed, or the system stopped it.
		cause := svc.Err()
		if cause == nil {
			cause = ErrStopped
		}
		return nil, fmt.Errorf("%w: %w", ErrStartFailed, cause)
	case <-ctx.Done():
		svc.requestStop()
		return nil, context.Cause(ctx)
	}
}

// startResult returns what Start returns once the start sequence has
// reported err: the service, or err once the tree has stopped (or ctx is
// done).
func (s *Supervisor) startResult(ctx context.Context, err error) (*Supervisor, error) {
	if err == nil {
		return s, nil
	}
	select {
	case <-s.done:
	case <-ctx.Done():
	}
	return nil, err
}

// Stop stops the service: the children in reverse start order, each
// gracefully and then by force after its stop timeout, then the tree's
// actor. It waits until they have all stopped and returns nil. If a child
// did not stop even by force (its turn is blocked), Stop returns an error
// wrapping [ErrStopTimeout] once the tree has given up waiting for it; the
// tree's actor then stops after that child does ([Supervisor.Done]). If
// ctx is done first, Stop returns [context.Cause] of ctx and the service
// goes on stopping.
//
// Stop is safe to call more than once and concurrently: every call waits
// for the same stop and returns the same result. It also returns at once,
// with that result, once the service has ended on its own (see
// [Supervisor.Err]).
func (s *Supervisor) Stop(ctx context.Context) error {
	select {
	case <-s.done:
		return s.stopResult()
	default:
	}
	s.requestStop()
	select {
	case <-s.done:
		return s.stopResult()
	case <-s.stopped:
		if err := s.stopResult(); err != nil {
			return err
		}
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	select {
	case <-s.done:
		return s.stopResult()
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Done returns a channel that is closed once the service has ended: its
// children and its actor have stopped, after [Supervisor.Stop], after the
// restart intensity was exceeded, or after the actor system stopped it.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Err returns why the service ended: nil while it runs and after a
// [Supervisor.Stop] (or the actor system's shutdown), an
// [*supervision.ExceededError] if the restart intensity was exceeded, an
// error wrapping [ErrEscalated] if the decider escalated a failure, an
// error wrapping [ErrTreeFailed] if the tree's own actor failed.
func (s *Supervisor) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Self returns the PID of the tree's supervisor actor.
func (s *Supervisor) Self() *pa.PID { return s.pid }

// PID returns the PID of the running child named name, or nil if it is not
// running (not started yet, stopped, or between a stop and a new start).
// A restarted child keeps its PID.
func (s *Supervisor) PID(name string) *pa.PID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pids[name]
}

// Lookup returns a typed reference to the running child named name of s,
// and false if it is not running. Nothing checks that the child speaks M.
func Lookup[M any](s *Supervisor, name string) (actor.Ref[M], bool) {
	pid := s.PID(name)
	if pid == nil {
		return actor.Ref[M]{}, false
	}
	return actor.RefOf[M](s.sys, pid), true
}

func (s *Supervisor) requestStop() {
	s.sys.Raw().Root.Send(s.pid, &stopCmd{})
}

func (s *Supervisor) stopResult() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopErr
}

func (s *Supervisor) setPID(name string, pid *pa.PID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pid == nil {
		delete(s.pids, name)
	} else {
		s.pids[name] = pid
	}
}

// stopDone records the result of stopping the children and closes
// stopped.
func (s *Supervisor) stopDone(stopErr error) {
	s.mu.Lock()
	s.stopErr = stopErr
	s.mu.Unlock()
	close(s.stopped)
}

// finish records the end of the service and closes done.
func (s *Supervisor) finish(err, stopErr error) {
	s.mu.Lock()
	s.err, s.stopErr = err, stopErr
	clear(s.pids)
	s.mu.Unlock()
	close(s.done)
}

// The messages a tree actor sends itself. They stay out of the dead-letter
// log if the tree has stopped.
type (
	// stopCmd asks the tree to stop.
	stopCmd struct{}
	// execCmd carries out a decision of the strategy.
	execCmd struct{ restart, stop []*pa.PID }
	// exitCmd stops the tree with an error (intensity exceeded).
	exitCmd struct{ err error }
	// kick tells a fiber waiting for child id that it failed.
	kick struct{ id string }
)

func (*stopCmd) IgnoreDeadLetterLogging() {}
func (*execCmd) IgnoreDeadLetterLogging() {}
func (*exitCmd) IgnoreDeadLetterLogging() {}
func (*kick) IgnoreDeadLetterLogging()    {}

// phase is the stage a tree is at.
type phase uint8

const (
	phaseStarting phase = iota
	phaseRunning
	phaseStopping
)

// treeActor is the behavior of a tree's actor. Every field is owned by the
// actor's turns (its behavior, fibers and the strategy's hooks, which
// protoactor calls on the actor's goroutine between turns), except svc and
// pid, which are set before the actor runs.
type treeActor struct {
	svc          *Supervisor
	pid          *pa.PID
	kids         []*kid          // in spec order
	byID         map[string]*kid // by PID ID
	strat        *supervise.Strategy
	link         *treeLink // the strategy's way to the tree
	startTimeout time.Duration
	self         *actor.Self[any]
	sup          pa.Supervisor // the actor's protoactor context
	phase        phase
	cmds         []*execCmd   // decisions waiting to be carried out
	wake         fiber.Cond   // signalled when cmds grows or a stop is asked for
	current      *fiber.Fiber // the fiber carrying out the current command
	stopReq      bool
	startErr     error // a failure during the start phase
	exitErr      error // why the tree ends
	stopErrs     []error
}

// kid is the tree's record of one child.
type kid struct {
	spec     *Child
	pid      *pa.PID // nil until first started
	alive    bool    // started and not yet terminated
	failed   bool    // failed, not yet restarted
	reason   any     // the last failure's reason
	starting bool    // being spawned, waiting for its Started to be handled
	stopping bool    // being stopped by the tree
	removed  bool    // ended for good (not to be started again)
}

// Started starts the control fiber, which starts the children.
func (t *treeActor) Started(self *actor.Self[any]) {
	t.self, t.pid = self, self.Ref().PID()
	t.sup, _ = self.Raw().(pa.Supervisor)
	self.Go("service.tree", t.loop)
}

// Receive handles the tree's own messages and its children's ends.
func (t *treeActor) Receive(self *actor.Self[any], msg any) {
	switch m := msg.(type) {
	case *pa.Terminated:
		t.terminated(m.Who)
	case *execCmd:
		t.cmds = append(t.cmds, m)
		t.wake.Signal()
	case *exitCmd:
		if t.exitErr == nil {
			t.exitErr = m.err
		}
		t.requestStop(m.err)
	case *stopCmd:
		t.requestStop(ErrStopped)
	case *kick:
		// No fiber waits for this child: during the start phase, a child
		// that already started failed, and the start fails.
		if k := t.byID[m.id]; k != nil && t.phase == phaseStarting && t.startErr == nil {
			t.startErr = fmt.Errorf("%w: %q failed: %w", ErrStartFailed, k.spec.Name, reasonErr(k.reason))
			t.cancelCurrent(t.startErr)
		}
	}
}

// Stopping cancels the strategy's pending restarts.
func (t *treeActor) Stopping(*actor.Self[any]) {
	t.phase = phaseStopping
	t.strat.Stop()
}

// Stopped ends the service, and unlinks the strategy from the tree.
func (t *treeActor) Stopped(*actor.Self[any]) {
	t.link.ta.Store(nil)
	t.svc.finish(t.exitErr, errors.Join(t.stopErrs...))
}

func (t *treeActor) requestStop(cause error) {
	t.stopReq = true
	t.cancelCurrent(cause)
	t.wake.Signal()
}

func (t *treeActor) cancelCurrent(cause error) {
	if t.current != nil {
		t.current.Cancel(cause)
	}
}

// post sends the tree actor a message; it may be called from any goroutine.
func (t *treeActor) post(msg any) {
	t.svc.sys.Raw().Root.Send(t.pid, msg)
}

// loop is the control fiber: it starts the children, carries out the
// strategy's decisions one at a time, and stops the children.
func (t *treeActor) loop(f *fiber.Fiber) error {
	err := t.command(f, "service.start", t.startAll)
	if t.startErr != nil {
		err = t.startErr
	} else if err == nil && t.stopReq {
		err = fmt.Errorf("%w: %w", ErrStartFailed, ErrStopped)
	}
	if err != nil {
		if t.exitErr == nil {
			t.exitErr = err
		}
		t.shutdown(f)
		t.svc.started <- err
		return nil
	}
	t.phase = phaseRunning
	t.svc.started <- nil
	for !t.stopReq {
		if len(t.cmds) == 0 {
			if t.wake.Wait(f) != nil {
				return nil // the actor is stopping
			}
			continue
		}
		c := t.cmds[0]
		t.cmds = t.cmds[1:]
		if err := t.command(f, "service.restart", func(f *fiber.Fiber) error { return t.run(f, c) }); err != nil && !f.Cancelled() {
			t.svc.sys.Logger().Debug("service: restart interrupted",
				slog.String("tree", pids.String(t.pid)), slog.Any("error", err))
		}
	}
	t.shutdown(f)
	return nil
}

// command runs fn in a child fiber that a stop request can cancel.
func (t *treeActor) command(f *fiber.Fiber, name string, fn func(*fiber.Fiber) error) error {
	c := f.Spawn(name, fn, fiber.Supervised())
	t.current = c
	err := f.Join(c)
	t.current = nil
	return err
}

// shutdown stops the children in reverse order, then the tree's actor.
func (t *treeActor) shutdown(f *fiber.Fiber) {
	t.phase = phaseStopping
	t.strat.Stop()
	for _, k := range slices.Backward(t.kids) {
		if err := t.stopKid(f, k); err != nil {
			if f.Cancelled() {
				return // the actor is stopping anyway
			}
			t.stopErrs = append(t.stopErrs, err)
		}
	}
	t.svc.stopDone(errors.Join(t.stopErrs...))
	t.self.Stop()
}

// startAll starts the children in order.
func (t *treeActor) startAll(f *fiber.Fiber) error {
	for _, k := range t.kids {
		if err := t.startKid(f, k); err != nil {
			return err
		}
	}
	return nil
}

// startKid spawns k and waits until it has handled Started.
func (t *treeActor) startKid(f *fiber.Fiber, k *kid) error {
	name := k.spec.Name
	pid, err := t.callStart(k)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", ErrStartFailed, name, err)
	}
	k.pid, k.alive, k.failed, k.reason, k.removed = pid, true, false, nil, false
	t.byID[pid.Id] = k
	t.svc.setPID(name, pid)
	k.starting = true
	err = t.handshake(f, k)
	k.starting = false
	if err != nil {
		return fmt.Errorf("%w: %q: %w", ErrStartFailed, name, err)
	}
	return nil
}

// callStart calls k's start function, turning a panic into an error.
func (t *treeActor) callStart(k *kid) (pid *pa.PID, err error) {
	defer func() {
		if r := recover(); r != nil {
			pid, err = nil, fmt.Errorf("start function panicked: %v", r)
		}
	}()
	pid, err = k.spec.Start(t.self, k.spec.Name)
	if err == nil && pid == nil {
		err = errors.New("start function returned no PID")
	}
	if err == nil && !slices.ContainsFunc(t.self.Raw().Children(), pid.Equal) {
		t.svc.sys.Raw().Root.Stop(pid)
		err = fmt.Errorf("start function returned %s, which is not a child of the tree", pids.String(pid))
	}
	return pid, err
}

// handshake waits until k has handled its Started message: it sends k a
// Touch, which protoactor answers after k's Receive has seen it (so after
// Started), and waits for the answer, k's end or a failure report.
func (t *treeActor) handshake(f *fiber.Fiber, k *kid) error {
	t.self.Raw().Request(k.pid, &pa.Touch{})
	id := k.pid.Id
	m, err := actor.ReceiveFunc(f, func(m any) bool {
		switch m := m.(type) {
		case *pa.Touched:
			return m.Who != nil && m.Who.Id == id
		case *pa.Terminated:
			return m.Who.Id == id
		case *kick:
			return m.id == id
		}
		return false
	}, actor.Within(t.startTimeout))
	if err != nil {
		if errors.Is(err, actor.ErrTimeout) {
			return fmt.Errorf("not started within %v: %w", t.startTimeout, err)
		}
		return err
	}
	switch m := m.(type) {
	case *pa.Terminated:
		t.terminated(m.Who)
		return errors.New("stopped while starting")
	case *kick:
		return fmt.Errorf("failed while starting: %w", reasonErr(k.reason))
	}
	k.failed, k.reason = false, nil
	return nil
}

// run carries out one decision of the strategy: it stops the temporary
// children of the group, then restarts the others one at a time, in start
// order, each after the previous has handled Started. A child that ended
// is started anew with its start function. It gives up at the first child
// that does not start again (a new failure brings a new decision).
func (t *treeActor) run(f *fiber.Fiber, c *execCmd) error {
	for _, pid := range c.stop {
		if k := t.byID[pid.Id]; k != nil {
			if err := t.stopKid(f, k); err != nil {
				return err
			}
			k.removed = true
		}
	}
	for _, pid := range c.restart {
		k := t.byID[pid.Id]
		if k == nil {
			continue
		}
		if k.alive {
			t.sup.RestartChildren(k.pid)
			if err := t.handshake(f, k); err != nil {
				return fmt.Errorf("%q: %w", k.spec.Name, err)
			}
			continue
		}
		if err := t.startKid(f, k); err != nil {
			if f.Cancelled() {
				return err
			}
			// Starting anew failed: a failure like any other.
			k.removed = false
			t.strat.Failed(t.svc.sys.Raw(), t.sup, k.pid, err)
			return err
		}
	}
	return nil
}

// stopKid stops k gracefully (a poison pill), then by force after its stop
// timeout, and waits until it has terminated.
func (t *treeActor) stopKid(f *fiber.Fiber, k *kid) error {
	if !k.alive {
		return nil
	}
	k.stopping = true
	timeout := k.spec.StopTimeout
	if timeout == 0 {
		timeout = DefaultStopTimeout
	}
	if timeout > 0 && !k.failed { // a failed child's mailbox is suspended: poison would wait
		t.self.Raw().Poison(k.pid)
		err := t.waitTerminated(f, k, timeout)
		if err == nil || !errors.Is(err, actor.ErrTimeout) {
			return err
		}
		t.svc.sys.Logger().Warn("service: child did not stop in time; stopping it by force",
			slog.String("tree", pids.String(t.pid)), slog.String("child", k.spec.Name), slog.Duration("timeout", timeout))
	}
	t.self.Raw().Stop(k.pid)
	if timeout < 0 {
		timeout = DefaultStopTimeout
	}
	err := t.waitTerminated(f, k, timeout)
	if errors.Is(err, actor.ErrTimeout) {
		k.alive, k.stopping = false, false
		t.svc.setPID(k.spec.Name, nil)
		return fmt.Errorf("%w: %q", ErrStopTimeout, k.spec.Name)
	}
	return err
}

// waitTerminated waits, at most d, for k's Terminated message.
func (t *treeActor) waitTerminated(f *fiber.Fiber, k *kid, d time.Duration) error {
	if !k.alive {
		return nil
	}
	id := k.pid.Id
	m, err := actor.ReceiveFunc(f, func(m *pa.Terminated) bool { return m.Who.Id == id }, actor.Within(d))
	if err != nil {
		return err
	}
	t.terminated(m.Who)
	return nil
}

// terminated records the end of a child and, for a Permanent child that
// ended on its own, asks the strategy for a restart.
func (t *treeActor) terminated(who *pa.PID) {
	k := t.byID[who.Id]
	if k == nil || !k.alive {
		return
	}
	k.alive = false
	t.svc.setPID(k.spec.Name, nil)
	switch {
	case k.stopping:
		k.stopping = false
	case k.starting || t.phase == phaseStopping:
	case k.failed:
		k.removed = true // stopped by a decision of the strategy
	case k.spec.Restart == supervision.Permanent:
		t.strat.Exited(t.svc.sys.Raw(), t.sup, k.pid)
	default:
		k.removed = true
	}
}

// kindOf is the strategy's restart kind of a child.
func (t *treeActor) kindOf(child *pa.PID) supervision.RestartKind {
	if k := t.byID[child.Id]; k != nil {
		return k.spec.Restart
	}
	return supervision.Temporary
}

// order lists the children that are, or are to be, running, in start
// order.
func (t *treeActor) order() []*pa.PID {
	var pids []*pa.PID
	for _, k := range t.kids {
		if k.pid != nil && !k.removed {
			pids = append(pids, k.pid)
		}
	}
	return pids
}

// intercept sees every failure first: it records it, wakes a fiber
// waiting for that child, and keeps the strategy out of failures during
// the start and stop phases, which stop the child.
//
// The tree's strategy is also the guardian of the tree's own actor (see
// actor.WithSupervisor), so intercept sees that actor's failures too, on
// its goroutine, between its turns: the code of the tree, or a decider or
// observer it calls, panicked. The tree's state can no longer be trusted:
// it stops (protoactor stops the children with it) and the service ends
// with the failure.
func (t *treeActor) intercept(sup pa.Supervisor, child *pa.PID, reason any) bool {
	if t.pid == nil || child.Equal(t.pid) {
		if t.exitErr == nil {
			t.exitErr = fmt.Errorf("%w: %w", ErrTreeFailed, reasonErr(reason))
		}
		sup.StopChildren(child)
		return true
	}
	k := t.byID[child.Id]
	if k == nil || !child.Equal(k.pid) {
		sup.StopChildren(child) // not a child the tree knows
		return true
	}
	k.failed, k.reason = true, reason
	t.post(&kick{id: child.Id})
	if t.phase != phaseRunning {
		sup.StopChildren(child)
		return true
	}
	return false
}

// execute hands a decision of the strategy to the control fiber; it may be
// called from a timer's goroutine.
func (t *treeActor) execute(_ pa.Supervisor, restart, stop []*pa.PID) {
	t.post(&execCmd{restart: restart, stop: stop})
}

// resumed records that a failed child carries on.
func (t *treeActor) resumed(child *pa.PID) {
	if k := t.byID[child.Id]; k != nil {
		k.failed, k.reason = false, nil
	}
}

// exit stops the tree with the error of ev: the intensity was exceeded, or
// a failure escalated. It may be called from the strategy's timer.
func (t *treeActor) exit(ev supervise.Event) {
	err := ev.Err
	if err == nil {
		err = fmt.Errorf("%w: %q: %w", ErrEscalated, ev.Name, reasonErr(ev.Reason))
	}
	t.post(&exitCmd{err: err})
}

// treeLink connects a tree's strategy to the tree until the tree's actor
// has stopped. The strategy is also the guardian of the tree's actor, and
// protoactor keeps its guardians for the life of the actor system: through
// the link, a guardian left behind does not keep the tree's state (its
// children's start functions included) alive. ta is set before the actor
// runs and cleared when it has stopped; the hooks read it on the actor's
// goroutine or, for execute, on a timer's.
type treeLink struct{ ta atomic.Pointer[treeActor] }

func (l *treeLink) intercept(sup pa.Supervisor, child *pa.PID, reason any) bool {
	if t := l.ta.Load(); t != nil {
		return t.intercept(sup, child, reason)
	}
	sup.StopChildren(child)
	return true
}

func (l *treeLink) order() []*pa.PID {
	if t := l.ta.Load(); t != nil {
		return t.order()
	}
	return nil
}

func (l *treeLink) execute(sup pa.Supervisor, restart, stop []*pa.PID) {
	if t := l.ta.Load(); t != nil {
		t.execute(sup, restart, stop)
	}
}

func (l *treeLink) resumed(child *pa.PID) {
	if t := l.ta.Load(); t != nil {
		t.resumed(child)
	}
}

func (l *treeLink) exit(ev supervise.Event) {
	if t := l.ta.Load(); t != nil {
		t.exit(ev)
	}
}

func (l *treeLink) kindOf(child *pa.PID) supervision.RestartKind {
	if t := l.ta.Load(); t != nil {
		return t.kindOf(child)
	}
	return supervision.Temporary
}

// reasonErr returns a failure reason as an error.
func reasonErr(reason any) error {
	if err, ok := reason.(error); ok {
		return err
	}
	return fmt.Errorf("%v", reason)
}
