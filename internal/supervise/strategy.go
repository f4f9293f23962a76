package supervise

import (
	"reflect"
	"slices"
	"sync"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
)

// Strategy is the engine of a supervision strategy: it implements
// protoactor-go's actor.SupervisorStrategy with the decider, policy,
// restart intensity and backoff of its [Config], and lets [Hooks] take
// parts of its work over. Package supervision's Strategy has this type as
// its underlying type, and documents the behaviour.
//
// Restart counts, backoff state and pending restarts are kept per
// supervisor (and per child under [PolicyOneForOne]). Build a Strategy
// with [New] or [Strategy.Derive]: the zero value is not usable, and a
// Strategy must not be copied. Its methods are safe for concurrent use.
type Strategy struct {
	cfg   Config // set by New or Derive, read-only afterwards
	hooks Hooks  // set by Derive, read-only afterwards; zero otherwise

	mu      sync.Mutex // guards the fields below, and every History and pending
	stopped bool
	sups    map[pa.Supervisor]*supState
	pruneAt int // prune sups when it grows past this
}

var _ pa.SupervisorStrategy = (*Strategy)(nil)

// Hooks let a supervisor that manages its children itself (package
// service's tree) take over parts of a [Strategy]'s work. Nil hooks leave
// the work to the strategy. All are called on the supervisor's goroutine,
// except Execute when a delayed restart calls it from its timer's
// goroutine. Order, Execute and Resumed are called with the strategy's
// lock held: they must not block or call the strategy. A Hooks is a plain
// value.
type Hooks struct {
	// Intercept sees every failure that [Strategy.HandleFailure] receives
	// first, without the lock, and takes it over by returning true (the
	// strategy then does nothing with it).
	Intercept func(sup pa.Supervisor, child *pa.PID, reason any) bool
	// Order lists the supervisor's children in start order, instead of
	// the strategy's own record of protoactor's Supervisor.Children.
	Order func() []*pa.PID
	// Execute carries out a decision (the children to restart and those
	// to stop, each in start order) instead of Supervisor.RestartChildren
	// and StopChildren.
	Execute func(sup pa.Supervisor, restart, stop []*pa.PID)
	// Resumed tells that child was resumed (the strategy resumes it too).
	Resumed func(child *pa.PID)
	// Exit replaces escalation, and stopping on an exceeded intensity: it
	// receives the event of the failure that escalated, whose Err is set
	// if the intensity was exceeded. It is called without the lock.
	Exit func(ev Event)
}

// supState is what a strategy keeps per supervisor.
type supState struct {
	self    *pa.PID             // the supervisor's PID; nil for a guardian
	order   []*pa.PID           // children in start order, as far as seen (no Hooks.Order)
	group   History             // all-for-one, rest-for-one
	kids    map[string]*History // one-for-one, by child PID
	pruneAt int                 // prune kids when it grows past this
}

// pending is a delayed restart waiting for its timer.
type pending struct {
	s         *Strategy
	sys       *pa.ActorSystem
	sup       pa.Supervisor
	hist      *History
	timer     *time.Timer
	due       time.Time
	restart   []*pa.PID
	stop      []*pa.PID
	failed    []*pa.PID             // the children whose failures wait for it
	procs     map[string]pa.Process // each child's process when decided
	cancelled bool
}

// New returns a strategy configured by cfg.
func New(cfg Config) *Strategy { return &Strategy{cfg: cfg} }

// Derive returns a new strategy with s's configuration, except that
// kindOf gives the restart kinds of the children, and with hooks h. The
// new strategy shares no state with s.
func (s *Strategy) Derive(kindOf func(child *pa.PID) RestartKind, h Hooks) *Strategy {
	cfg := s.cfg
	cfg.KindOf = kindOf
	return &Strategy{cfg: cfg, hooks: h}
}

// Policy returns the strategy's policy.
func (s *Strategy) Policy() Policy { return s.cfg.Policy }

// HandleFailure implements protoactor-go's actor.SupervisorStrategy: it
// hands the failure to [Hooks.Intercept], then to the decider, and carries
// out its directive.
func (s *Strategy) HandleFailure(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, _ *pa.RestartStatistics, reason, message any) {
	if s.hooks.Intercept != nil && s.hooks.Intercept(sup, child, reason) {
		return
	}
	s.handle(sys, sup, child, reason, message, s.cfg.Decider(reason), true)
}

// Failed handles a failure of child that its supervisor found itself
// (such as a child that could not be started again), as HandleFailure
// does, without [Hooks.Intercept].
func (s *Strategy) Failed(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, reason any) {
	s.handle(sys, sup, child, reason, nil, s.cfg.Decider(reason), true)
}

// Exited handles the normal end of a [Permanent] child whose supervisor
// starts it anew: a restart like a failure's, without the decider and
// without a supervisor event.
func (s *Strategy) Exited(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID) {
	s.handle(sys, sup, child, nil, nil, Restart, false)
}

func (s *Strategy) handle(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, reason, message any, d Directive, failed bool) {
	now := time.Now()
	s.mu.Lock()
	ev, escalate := s.decide(sys, sup, child, reason, message, d, now)
	s.mu.Unlock()
	if escalate {
		switch {
		case s.hooks.Exit != nil:
			s.hooks.Exit(ev)
		case ev.Err != nil:
			sup.EscalateFailure(ev.Err, message)
		default:
			sup.EscalateFailure(reason, message)
		}
	}
	if failed {
		sys.EventStream.Publish(&pa.SupervisorEvent{Child: child, Reason: reason, Directive: ev.Directive.Proto()})
	}
	s.cfg.Observe(ev)
}

// decide applies directive d to the failure (or end) of child and returns
// the event, and whether to escalate. s.mu is held.
func (s *Strategy) decide(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, reason, message any, d Directive, now time.Time) (ev Event, escalate bool) {
	ev = Event{Supervisor: selfOf(sup), Child: child, Name: child.Id, Reason: reason, Message: message, Directive: d}
	if s.stopped {
		ev.Directive, ev.Stop = Stop, []*pa.PID{child}
		s.exec(sup, nil, ev.Stop)
		return ev, false
	}
	switch d {
	case Resume:
		if s.hooks.Resumed != nil {
			s.hooks.Resumed(child)
		}
		sup.ResumeChildren(child)
		return ev, false
	case Escalate:
		if s.hooks.Exit == nil && ev.Supervisor == nil {
			// A guardian has no supervisor to escalate to (protoactor's
			// panics, killing the process): the child stops.
			ev.Directive, ev.Stop = Stop, []*pa.PID{child}
			s.exec(sup, nil, ev.Stop)
			return ev, false
		}
		return ev, true
	case Restart:
		if s.kindOf(child) == Temporary {
			ev.Directive, ev.Stop = Stop, []*pa.PID{child}
			s.exec(sup, nil, ev.Stop)
			return ev, false
		}
	default: // Stop, or an unknown directive
		ev.Directive = Stop
	}
	st := s.state(sys, sup)
	ordered := s.ordered(st, sup)
	set := scope(s.cfg.Policy, ordered, child)
	if ev.Directive == Stop {
		ev.Stop = set
		s.exec(sup, nil, set)
		return ev, false
	}

	h := s.history(sys, st, child, ordered)
	if p := h.pending; p != nil && (slices.ContainsFunc(p.restart, child.Equal) || slices.ContainsFunc(p.stop, child.Equal)) {
		p.failed = append(p.failed, child)
		ev.Absorbed, ev.Restart, ev.Stop, ev.Delay, ev.Failures = true, p.restart, p.stop, p.due.Sub(now), len(h.failures)
		return ev, false
	}
	n, ok := h.Admit(now, s.cfg.Max, s.cfg.Window)
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
		ev.Err = s.cfg.NewExceeded(child, child.Id, s.cfg.Max, s.cfg.Window, reason)
		if s.hooks.Exit == nil && (s.cfg.Exceeded == Stop || ev.Supervisor == nil) {
			ev.Directive, ev.Stop = Stop, set
			s.exec(sup, nil, set)
			return ev, false
		}
		ev.Directive = Escalate
		return ev, true
	}

	restart, stop := s.split(set, child)
	ev.Restart, ev.Stop = restart, stop
	if p := h.pending; p != nil {
		// A group restart is pending and child is not part of it (it
		// started later, or came earlier in a rest-for-one): widen it.
		p.restart, p.stop, p.failed = restart, stop, append(p.failed, child)
		p.record()
		ev.Delay = p.due.Sub(now)
		return ev, false
	}
	delay := h.NextDelay(now, &s.cfg)
	ev.Delay = delay
	if delay <= 0 {
		h.Restarted(now)
		s.exec(sup, restart, stop)
		return ev, false
	}
	p := &pending{s: s, sys: sys, sup: sup, hist: h, due: now.Add(delay), restart: restart, stop: stop, failed: []*pa.PID{child}}
	p.record()
	h.pending = p
	p.timer = time.AfterFunc(delay, p.fire)
	return ev, false
}

// exec carries out a decision. s.mu is held.
func (s *Strategy) exec(sup pa.Supervisor, restart, stop []*pa.PID) {
	if s.hooks.Execute != nil {
		s.hooks.Execute(sup, restart, stop)
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
	if s.cfg.KindOf != nil {
		return s.cfg.KindOf(child)
	}
	return s.cfg.Kind
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
	if s.hooks.Order != nil {
		return s.hooks.Order()
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
func (s *Strategy) history(sys *pa.ActorSystem, st *supState, child *pa.PID, children []*pa.PID) *History {
	if s.cfg.Policy != PolicyOneForOne {
		return &st.group
	}
	key := pidKey(child)
	if h := st.kids[key]; h != nil {
		return h
	}
	if st.kids == nil {
		st.kids = make(map[string]*History)
	}
	if len(st.kids) >= max(st.pruneAt, 16) {
		// Forget the children that have ended: those the supervisor no
		// longer lists or, under a guardian (which does not know its
		// children), those that are no longer live processes. The
		// threshold doubles with what is kept, so the scans cost
		// amortized O(1) per record.
		for k, h := range st.kids {
			if h.pending != nil {
				continue
			}
			gone := !registered(sys, h.child)
			if st.self != nil {
				gone = !slices.ContainsFunc(children, func(c *pa.PID) bool { return pidKey(c) == k })
			}
			if gone {
				delete(st.kids, k)
			}
		}
		st.pruneAt = 2 * len(st.kids)
	}
	h := &History{child: child}
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
	p.hist.Restarted(time.Now())
	restart, stop := p.restart, p.stop
	if s.hooks.Execute == nil {
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
// and stops the children whose failure was waiting for one (unless
// [Hooks.Execute] is set: the supervisor then stops them itself); from
// then on, a failure stops the failed child. It does not wait, and is
// safe to call more than once and concurrently with HandleFailure.
func (s *Strategy) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	for sup, st := range s.sups {
		hs := []*History{&st.group}
		for _, h := range st.kids {
			hs = append(hs, h)
		}
		for _, h := range hs {
			p := h.pending
			if p == nil {
				continue
			}
			p.cancel()
			if s.hooks.Execute == nil {
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
