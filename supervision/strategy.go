package supervision

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
)

// Strategy supervises the children of protoactor actors: it implements
// protoactor-go's actor.SupervisorStrategy, so it is given to a supervisor
// with Weft's actor.WithSupervisor (or actor.WithGuardian for a top-level
// actor), or protoactor's own props options. Build one with [OneForOne],
// [AllForOne] or [RestForOne].
//
// When a child fails, the strategy asks its [Decider] for a [Directive].
// [Restart] restarts the children the policy names, in start order, unless
// the restart intensity is exceeded (see [WithIntensity]); the restart
// waits for the [Backoff] delay, on a timer, while the failed child's
// mailbox stays suspended (its messages wait) and no goroutine blocks.
// [Temporary] children are stopped instead of restarted (see
// [WithRestart]). Every decision is published on the actor system's event
// stream as a protoactor *actor.SupervisorEvent and passed to the
// [WithObserver] function.
//
// Restart counts, backoff state and pending restarts are kept per
// supervisor (and per child under [OneForOne]), so one Strategy may serve
// several supervisors. The zero value is not usable (use the constructors)
// and a Strategy must not be copied. HandleFailure and Stop are safe for
// concurrent use.
type Strategy struct {
	cfg   config
	hooks hooks // set by a Tree on its own strategy; zero otherwise

	mu      sync.Mutex // guards the fields below, and every history and pending
	stopped bool
	sups    map[pa.Supervisor]*supState
	pruneAt int // prune sups when it grows past this
}

var _ pa.SupervisorStrategy = (*Strategy)(nil)

// Option configures a [Strategy] or a supervised [Fiber].
type Option func(*config)

type config struct {
	policy   Policy
	decider  Decider
	max      int
	window   time.Duration
	exceeded Directive
	backoff  Backoff
	kind     RestartKind
	kindSet  bool
	kindOf   func(*pa.PID) RestartKind
	observer func(Event)
}

func newConfig(p Policy, opts []Option) config {
	c := config{policy: p, decider: DefaultDecider, max: 10, window: 10 * time.Second, exceeded: Escalate}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithDecider sets the decider; the default is [DefaultDecider], which
// always restarts. A nil d restores the default.
func WithDecider(d Decider) Option {
	return func(c *config) {
		if d == nil {
			d = DefaultDecider
		}
		c.decider = d
	}
}

// WithIntensity sets the restart intensity: at most maxRestarts restarts
// within window, counted per child under [OneForOne] (and for [Fiber]) and
// per supervisor under [AllForOne] and [RestForOne]. The failure that
// would need one more restart is not restarted: the strategy escalates it
// (or stops, see [WithExceeded]) with an [*ExceededError]. A negative
// maxRestarts allows any number; zero allows none; a window of zero or
// less counts restarts forever. The default is 10 restarts within 10
// seconds, as protoactor-go's default strategy.
func WithIntensity(maxRestarts int, window time.Duration) Option {
	return func(c *config) { c.max, c.window = maxRestarts, window }
}

// WithBackoff delays restarts by b (see [Backoff]); the default is no
// delay. It panics if b.Factor is below 1 (and not zero).
func WithBackoff(b Backoff) Option {
	b.validate()
	return func(c *config) { c.backoff = b }
}

// WithExceeded sets what a strategy does when the intensity is exceeded:
// [Escalate] (the default) fails the supervisor with an [*ExceededError],
// [Stop] stops the children the policy names. It panics for other
// directives. [Tree] and [Fiber] ignore it: an exceeded tree stops, an
// exceeded fiber returns the error.
func WithExceeded(d Directive) Option {
	if d != Escalate && d != Stop {
		panic("supervision: WithExceeded takes Escalate or Stop, not " + d.String())
	}
	return func(c *config) { c.exceeded = d }
}

// WithRestart gives every child the restart kind k; the default is
// [Permanent]. A strategy only sees failures, which are abnormal ends: it
// restarts [Permanent] and [Transient] children alike and stops
// [Temporary] ones. [Fiber] honours all three kinds and defaults to
// [Transient]; a [Tree] takes the kinds of its child specs instead.
func WithRestart(k RestartKind) Option {
	return func(c *config) { c.kind, c.kindSet, c.kindOf = k, true, nil }
}

// WithRestartFunc gives each child the restart kind fn returns for it (see
// [WithRestart]). fn is called on the supervisor's goroutine with the
// strategy's lock held: it must not block or call the strategy.
func WithRestartFunc(fn func(child *pa.PID) RestartKind) Option {
	return func(c *config) { c.kindOf = fn }
}

// WithObserver calls fn with every decision the strategy (or [Fiber])
// makes, on the supervisor's goroutine (or fiber) right after it: for
// logs, metrics and tests. fn must not block.
func WithObserver(fn func(Event)) Option {
	return func(c *config) { c.observer = fn }
}

// Event describes one decision of a supervisor about a failed (or, for a
// [Permanent] child of a [Tree], ended) child. It is a plain value; its
// slices belong to the strategy and must not be modified.
type Event struct {
	// Supervisor is the supervising actor; nil for a guardian or a fiber.
	Supervisor *pa.PID
	// Child is the child that failed or ended; nil for a fiber.
	Child *pa.PID
	// Name is the child's name: its PID's ID, or the fiber's name.
	Name string
	// Reason is the failure's reason (see [Decider]); nil for a normal end.
	Reason any
	// Directive is what was done: the decider's directive, or [Stop] for a
	// [Temporary] child (or after [Strategy.Stop]), or the exceeded action.
	Directive Directive
	// Restart and Stop list the children restarted and stopped, in start
	// order (nil for a fiber).
	Restart, Stop []*pa.PID
	// Delay is the backoff delay before the restart (what is left of it if
	// the failure joined a group restart that was already pending).
	Delay time.Duration
	// Failures is the number of failures in the intensity window, this one
	// included (for a group: the group's failures).
	Failures int
	// Absorbed reports that the child was already part of a pending group
	// restart: the failure was not counted and changed nothing.
	Absorbed bool
	// Err is the [*ExceededError] when the intensity was exceeded.
	Err error
}

// hooks let a Tree take over parts of the strategy's work; all are called
// on the tree actor's goroutine with the strategy's lock held, except
// execute and exceeded, which may be called from a timer's goroutine.
type hooks struct {
	// intercept may take a failure over before the decider sees it.
	intercept func(sup pa.Supervisor, child *pa.PID, reason any) bool
	// order lists the supervisor's children in start order.
	order func() []*pa.PID
	// execute carries out a decision instead of Supervisor.Restart/StopChildren.
	execute func(sup pa.Supervisor, restart, stop []*pa.PID)
	// resumed tells that child was resumed.
	resumed func(child *pa.PID)
	// exit replaces escalation: the tree ends with err (an *ExceededError,
	// or an error wrapping ErrEscalated).
	exit func(err error)
}

// supState is what a strategy keeps per supervisor.
type supState struct {
	self  *pa.PID             // the supervisor's PID; nil for a guardian
	order []*pa.PID           // children in start order, as far as seen (no Tree)
	group history             // AllForOne, RestForOne
	kids  map[string]*history // OneForOne, by child PID
}

// pending is a delayed restart waiting for its timer.
type pending struct {
	s         *Strategy
	sys       *pa.ActorSystem
	sup       pa.Supervisor
	hist      *history
	timer     *time.Timer
	due       time.Time
	restart   []*pa.PID
	stop      []*pa.PID
	failed    []*pa.PID             // the children whose failures wait for it
	procs     map[string]pa.Process // each child's process when decided
	cancelled bool
}

// OneForOne returns a strategy that acts on the failed child only: the
// strategy of independent children.
func OneForOne(opts ...Option) *Strategy { return newStrategy(PolicyOneForOne, opts) }

// AllForOne returns a strategy that acts on every child of the supervisor
// when one fails: restarts send each child a restart, in start order. Use
// it for children that cannot work without each other. Under a guardian,
// which does not know the children it supervises, it acts like OneForOne.
func AllForOne(opts ...Option) *Strategy { return newStrategy(PolicyAllForOne, opts) }

// RestForOne returns a strategy that acts on the failed child and on the
// children started after it, in start order: the strategy of a pipeline
// whose later stages depend on earlier ones (protoactor-go has none).
//
// Start order: protoactor's Supervisor.Children lists children in spawn
// order only until one of them ends (its set then moves the last child
// into the freed slot), so the strategy keeps its own record per
// supervisor, updated at each failure: children it knows keep their
// places, children new to it are appended in the order Children lists
// them. The record is exact for children spawned before the first failure
// while none has ended, and for children that stay; a [Tree] orders its
// children by their specs instead, always exactly. Under a guardian it
// acts like OneForOne.
func RestForOne(opts ...Option) *Strategy { return newStrategy(PolicyRestForOne, opts) }

func newStrategy(p Policy, opts []Option) *Strategy {
	s := &Strategy{cfg: newConfig(p, opts)}
	s.cfg.backoff.validate()
	return s
}

// Policy returns the strategy's policy.
func (s *Strategy) Policy() Policy { return s.cfg.policy }

// HandleFailure implements protoactor-go's actor.SupervisorStrategy:
// protoactor calls it on the supervisor's goroutine (a guardian's: on the
// failed child's) when child has failed with reason while handling
// message. protoactor's own restart statistics are not used: the strategy
// keeps its own.
func (s *Strategy) HandleFailure(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, _ *pa.RestartStatistics, reason, message any) {
	if s.hooks.intercept != nil && s.hooks.intercept(sup, child, reason) {
		return
	}
	s.handle(sys, sup, child, reason, message, s.cfg.decider(reason), true)
}

// exited handles the normal end of a Permanent child of a Tree: a restart
// like a failure's, without a decider.
func (s *Strategy) exited(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID) {
	s.handle(sys, sup, child, nil, nil, Restart, false)
}

func (s *Strategy) handle(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, reason, message any, d Directive, failed bool) {
	now := time.Now()
	s.mu.Lock()
	ev, escalate := s.decide(sys, sup, child, reason, d, now)
	s.mu.Unlock()
	if escalate != nil {
		if s.hooks.exit != nil {
			err, ok := escalate.(*ExceededError)
			if !ok {
				s.hooks.exit(fmt.Errorf("%w: %q: %w", ErrEscalated, child.Id, reasonErr(escalate)))
			} else {
				s.hooks.exit(err)
			}
		} else {
			sup.EscalateFailure(escalate, message)
		}
	}
	if failed {
		sys.EventStream.Publish(&pa.SupervisorEvent{Child: child, Reason: reason, Directive: ev.Directive.proto()})
	}
	if s.cfg.observer != nil {
		s.cfg.observer(ev)
	}
}

// decide applies directive d to the failure (or end) of child and returns
// the event, and the reason to escalate, if any. s.mu is held.
func (s *Strategy) decide(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, reason any, d Directive, now time.Time) (ev Event, escalate any) {
	ev = Event{Supervisor: selfOf(sup), Child: child, Name: child.Id, Reason: reason, Directive: d}
	if s.stopped {
		ev.Directive, ev.Stop = Stop, []*pa.PID{child}
		s.exec(sup, nil, ev.Stop)
		return ev, nil
	}
	switch d {
	case Resume:
		if s.hooks.resumed != nil {
			s.hooks.resumed(child)
		}
		sup.ResumeChildren(child)
		return ev, nil
	case Escalate:
		return ev, reason
	case Restart:
		if s.kindOf(child) == Temporary {
			ev.Directive, ev.Stop = Stop, []*pa.PID{child}
			s.exec(sup, nil, ev.Stop)
			return ev, nil
		}
	default: // Stop, or an unknown directive
		ev.Directive = Stop
	}
	st := s.state(sys, sup)
	ordered := s.ordered(st, sup)
	set := scope(s.cfg.policy, ordered, child)
	if ev.Directive == Stop {
		ev.Stop = set
		s.exec(sup, nil, set)
		return ev, nil
	}

	h := s.history(st, child, ordered)
	if p := h.pending; p != nil && (slices.ContainsFunc(p.restart, child.Equal) || slices.ContainsFunc(p.stop, child.Equal)) {
		p.failed = append(p.failed, child)
		ev.Absorbed, ev.Restart, ev.Stop, ev.Delay, ev.Failures = true, p.restart, p.stop, p.due.Sub(now), len(h.failures)
		return ev, nil
	}
	n, ok := h.admit(now, s.cfg.max, s.cfg.window)
	ev.Failures = n
	if !ok {
		if p := h.pending; p != nil {
			p.cancel()
			for _, f := range p.failed {
				if !slices.ContainsFunc(set, f.Equal) {
					set = append(set, f)
				}
			}
		}
		err := &ExceededError{Child: child, Name: child.Id, Max: s.cfg.max, Window: s.cfg.window, Reason: reason}
		ev.Err = err
		if s.cfg.exceeded == Stop && s.hooks.exit == nil {
			ev.Directive, ev.Stop = Stop, set
			s.exec(sup, nil, set)
			return ev, nil
		}
		ev.Directive = Escalate
		return ev, err
	}

	restart, stop := s.split(set, child)
	ev.Restart, ev.Stop = restart, stop
	if p := h.pending; p != nil {
		// A group restart is pending and child is not part of it (it
		// started later, or came earlier in a rest-for-one): widen it.
		p.restart, p.stop, p.failed = restart, stop, append(p.failed, child)
		p.record()
		ev.Delay = p.due.Sub(now)
		return ev, nil
	}
	delay := h.delay(now, &s.cfg.backoff)
	ev.Delay = delay
	if delay <= 0 {
		h.restarted = now
		s.exec(sup, restart, stop)
		return ev, nil
	}
	p := &pending{s: s, sys: sys, sup: sup, hist: h, due: now.Add(delay), restart: restart, stop: stop, failed: []*pa.PID{child}}
	p.record()
	h.pending = p
	p.timer = time.AfterFunc(delay, p.fire)
	return ev, nil
}

// exec carries out a decision. s.mu is held.
func (s *Strategy) exec(sup pa.Supervisor, restart, stop []*pa.PID) {
	if s.hooks.execute != nil {
		s.hooks.execute(sup, restart, stop)
		return
	}
	if len(stop) > 0 {
		sup.StopChildren(stop...)
	}
	if len(restart) > 0 {
		sup.RestartChildren(restart...)
	}
}

// kindOf returns child's restart kind.
func (s *Strategy) kindOf(child *pa.PID) RestartKind {
	if s.cfg.kindOf != nil {
		return s.cfg.kindOf(child)
	}
	return s.cfg.kind
}

// split divides a restart set into the children to restart and the
// temporary ones to stop; the failed child is always restarted.
func (s *Strategy) split(set []*pa.PID, failed *pa.PID) (restart, stop []*pa.PID) {
	for _, c := range set {
		if !c.Equal(failed) && s.kindOf(c) == Temporary {
			stop = append(stop, c)
		} else {
			restart = append(restart, c)
		}
	}
	return restart, stop
}

// state returns the record of sup, creating it. s.mu is held.
func (s *Strategy) state(sys *pa.ActorSystem, sup pa.Supervisor) *supState {
	if st := s.sups[sup]; st != nil {
		return st
	}
	if s.sups == nil {
		s.sups = make(map[pa.Supervisor]*supState)
	}
	if len(s.sups) >= s.pruneAt {
		// Forget supervisors that have stopped.
		for k, st := range s.sups {
			if st.self != nil && !registered(sys, st.self) && !st.busy() {
				delete(s.sups, k)
			}
		}
		s.pruneAt = 2*len(s.sups) + 8
	}
	st := &supState{self: selfOf(sup)}
	s.sups[sup] = st
	return st
}

// busy reports whether a restart is pending for the supervisor.
func (st *supState) busy() bool {
	if st.group.pending != nil {
		return true
	}
	for _, h := range st.kids {
		if h.pending != nil {
			return true
		}
	}
	return false
}

// ordered returns the supervisor's children in start order. s.mu is held.
func (s *Strategy) ordered(st *supState, sup pa.Supervisor) []*pa.PID {
	if s.hooks.order != nil {
		return s.hooks.order()
	}
	if st.self == nil {
		return nil // a guardian does not know its children
	}
	cur := sup.Children() // protoactor's own slice: read it, do not keep it
	order := make([]*pa.PID, 0, len(cur))
	for _, c := range st.order {
		if slices.ContainsFunc(cur, c.Equal) {
			order = append(order, c)
		}
	}
	for _, c := range cur {
		if !slices.ContainsFunc(order, c.Equal) {
			order = append(order, c)
		}
	}
	st.order = order
	return slices.Clone(order)
}

// history returns the record that counts child's failures. s.mu is held.
func (s *Strategy) history(st *supState, child *pa.PID, children []*pa.PID) *history {
	if s.cfg.policy != PolicyOneForOne {
		return &st.group
	}
	key := pidKey(child)
	if h := st.kids[key]; h != nil {
		return h
	}
	if st.kids == nil {
		st.kids = make(map[string]*history)
	}
	if len(st.kids) >= 16 && len(st.kids) >= 2*len(children) {
		// Forget children that have ended.
		for k, h := range st.kids {
			if h.pending == nil && !slices.ContainsFunc(children, func(c *pa.PID) bool { return pidKey(c) == k }) {
				delete(st.kids, k)
			}
		}
	}
	h := &history{}
	st.kids[key] = h
	return h
}

// scope returns the children policy p acts on when child fails, in start
// order.
func scope(p Policy, ordered []*pa.PID, child *pa.PID) []*pa.PID {
	i := slices.IndexFunc(ordered, child.Equal)
	switch {
	case p == PolicyAllForOne && i >= 0:
		return ordered
	case p == PolicyAllForOne:
		return append([]*pa.PID{child}, ordered...)
	case p == PolicyRestForOne && i >= 0:
		return ordered[i:]
	default:
		return []*pa.PID{child}
	}
}

// record notes the process of each child of the restart, so that the timer
// can tell whether the child is still the same actor. s.mu is held.
func (p *pending) record() {
	p.procs = make(map[string]pa.Process, len(p.restart)+len(p.stop))
	for _, set := range [][]*pa.PID{p.restart, p.stop} {
		for _, c := range set {
			if proc, ok := p.sys.ProcessRegistry.GetLocal(c.Id); ok {
				p.procs[pidKey(c)] = proc
			}
		}
	}
}

// alive returns the children of set that are still the actors recorded.
func (p *pending) alive(set []*pa.PID) []*pa.PID {
	var out []*pa.PID
	for _, c := range set {
		proc, ok := p.sys.ProcessRegistry.GetLocal(c.Id)
		if ok && sameProcess(proc, p.procs[pidKey(c)]) {
			out = append(out, c)
		}
	}
	return out
}

// fire carries out a delayed restart; it runs on the timer's goroutine.
func (p *pending) fire() {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.cancelled || s.stopped {
		return
	}
	p.hist.pending = nil
	p.hist.restarted = time.Now()
	restart, stop := p.restart, p.stop
	if s.hooks.execute == nil {
		restart, stop = p.alive(restart), p.alive(stop)
	}
	s.exec(p.sup, restart, stop)
}

// cancel stops p's timer. s.mu is held.
func (p *pending) cancel() {
	p.cancelled = true
	p.timer.Stop()
	p.hist.pending = nil
}

// Stop ends the strategy's work: it cancels every pending delayed restart
// and stops the children whose failure was waiting for one (they would
// otherwise stay suspended); from then on, a failure stops the failed
// child. Call it when the supervisor stops (in a Weft behavior's Stopping
// hook): a restart sent to a child that is already stopping could bring it
// back. After Stop returns, the strategy sends no restart.
//
// Stop does not wait for the children to stop, and is safe to call more
// than once and concurrently with HandleFailure.
func (s *Strategy) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	for sup, st := range s.sups {
		hs := []*history{&st.group}
		for _, h := range st.kids {
			hs = append(hs, h)
		}
		for _, h := range hs {
			p := h.pending
			if p == nil {
				continue
			}
			p.cancel()
			if s.hooks.execute == nil {
				if failed := p.alive(p.failed); len(failed) > 0 {
					sup.StopChildren(failed...)
				}
			}
		}
	}
	s.sups = nil
}

// selfOf returns the supervisor's PID, or nil for a guardian.
func selfOf(sup pa.Supervisor) *pa.PID {
	if c, ok := sup.(interface{ Self() *pa.PID }); ok {
		return c.Self()
	}
	return nil
}

// registered reports whether pid is a live local process.
func registered(sys *pa.ActorSystem, pid *pa.PID) bool {
	_, ok := sys.ProcessRegistry.GetLocal(pid.Id)
	return ok
}

// sameProcess reports whether a and b are the same process (protoactor's
// are pointers; a process of a type that cannot be compared counts as the
// same).
func sameProcess(a, b pa.Process) bool {
	if a == nil || b == nil {
		return a == b
	}
	if ta, tb := reflect.TypeOf(a), reflect.TypeOf(b); ta != tb || !ta.Comparable() {
		return ta == tb
	}
	return a == b
}

// pidKey identifies a PID in maps.
func pidKey(pid *pa.PID) string { return pid.Address + "/" + pid.Id }
