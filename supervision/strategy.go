package supervision

import (
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/internal/supervise"
)

// Strategy supervises actors: give it to an actor with
// [github.com/weft-go/weft/actor.WithSupervisor], and it supervises that
// actor's children and, for a top-level actor, the actor itself. It
// implements protoactor-go's actor.SupervisorStrategy, so protoactor's own
// props options take it too. Build one with [OneForOne], [AllForOne] or
// [RestForOne].
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
// several supervisors. A top-level actor's supervisor is protoactor's
// guardian of the strategy: one per Strategy value for the life of the
// actor system, shared by every top-level actor the strategy supervises
// (so share one Strategy among many top-level actors, rather than making
// one per actor). A guardian does not know the actors it supervises:
// under it, [AllForOne] and [RestForOne] act like [OneForOne]. Nor has it
// a supervisor to escalate to: under it, [Escalate] (a decider's, or on an
// exceeded intensity) stops the failed actor.
//
// The zero value is not usable (use the constructors) and a Strategy must
// not be copied. HandleFailure and Stop are safe for concurrent use.
type Strategy supervise.Strategy

var _ pa.SupervisorStrategy = (*Strategy)(nil)

// engine returns the strategy's engine.
func (s *Strategy) engine() *supervise.Strategy { return (*supervise.Strategy)(s) }

// Option configures a [Strategy] or a supervised [Fiber].
type Option func(*config)

// config is what the options set, read by the engine.
type config = supervise.Config

func newConfig(p Policy, opts []Option) config {
	c := config{Policy: p, Decider: DefaultDecider, Max: 10, Window: 10 * time.Second, Exceeded: Escalate, NewExceeded: newExceeded}
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
		c.Decider = d
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
	return func(c *config) { c.Max, c.Window = maxRestarts, window }
}

// WithBackoff delays restarts by b (see [Backoff]); the default is no
// delay. It panics if b.Factor is below 1 (and not zero).
func WithBackoff(b Backoff) Option {
	b.validate()
	return func(c *config) {
		c.Delay, c.ResetAfter = nil, b.ResetAfter
		if b.Base > 0 {
			c.Delay = b.Delay
		}
	}
}

// WithExceeded sets what a strategy does when the intensity is exceeded:
// [Escalate] (the default) fails the supervisor with an [*ExceededError],
// [Stop] stops the children the policy names. It panics for other
// directives. The guardian of top-level actors always stops (it has no
// supervisor to escalate to). Service trees and [Fiber] ignore it: an
// exceeded tree stops, an exceeded fiber returns the error.
func WithExceeded(d Directive) Option {
	if d != Escalate && d != Stop {
		panic("supervision: WithExceeded takes Escalate or Stop, not " + d.String())
	}
	return func(c *config) { c.Exceeded = d }
}

// WithRestart gives every child the restart kind k; the default is
// [Permanent]. A strategy only sees failures, which are abnormal ends: it
// restarts [Permanent] and [Transient] children alike and stops
// [Temporary] ones. [Fiber] honours all three kinds and defaults to
// [Transient]; a service tree takes the kinds of its child specs instead.
func WithRestart(k RestartKind) Option {
	return func(c *config) { c.Kind, c.KindSet, c.KindOf = k, true, nil }
}

// WithRestartFunc gives each child the restart kind fn returns for it (see
// [WithRestart]). fn is called on the supervisor's goroutine with the
// strategy's lock held: it must not block or call the strategy.
func WithRestartFunc(fn func(child *pa.PID) RestartKind) Option {
	return func(c *config) { c.KindOf = fn }
}

// WithObserver calls fn with every decision the strategy (or [Fiber])
// makes, on the supervisor's goroutine (or fiber) right after it: for
// logs, metrics and tests. fn must not block.
func WithObserver(fn func(Event)) Option {
	return func(c *config) {
		c.Observer = nil
		if fn != nil {
			c.Observer = func(e supervise.Event) { fn(Event(e)) }
		}
	}
}

// Event describes one decision of a supervisor about a failed (or, for a
// [Permanent] child of a service tree, ended) child. It is a plain value;
// its slices belong to the strategy and must not be modified.
type Event struct {
	// Supervisor is the supervising actor; nil for a guardian (the
	// supervisor of top-level actors) or a fiber.
	Supervisor *pa.PID
	// Child is the child that failed or ended; nil for a fiber.
	Child *pa.PID
	// Name is the child's name: its PID's ID, or the fiber's name.
	Name string
	// Reason is the failure's reason (see [Decider]); nil for a normal end.
	Reason any
	// Message is the message the child was handling when it failed, as
	// protoactor reports it; nil if it failed between messages (such as a
	// fiber woken by a timer), for a normal end and for a fiber.
	Message any
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
// while none has ended, and for children that stay; a service tree orders
// its children by their specs instead, always exactly. Under a guardian it
// acts like OneForOne.
func RestForOne(opts ...Option) *Strategy { return newStrategy(PolicyRestForOne, opts) }

func newStrategy(p Policy, opts []Option) *Strategy {
	return (*Strategy)(supervise.New(newConfig(p, opts)))
}

// Policy returns the strategy's policy.
func (s *Strategy) Policy() Policy { return s.engine().Policy() }

// HandleFailure implements protoactor-go's actor.SupervisorStrategy:
// protoactor calls it on the supervisor's goroutine (a guardian's: on the
// failed child's) when child has failed with reason while handling
// message. protoactor's own restart statistics are not used: the strategy
// keeps its own.
func (s *Strategy) HandleFailure(sys *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, rs *pa.RestartStatistics, reason, message any) {
	s.engine().HandleFailure(sys, sup, child, rs, reason, message)
}

// Stop ends the strategy's work: it cancels every pending delayed restart
// and stops the children whose failure was waiting for one (they would
// otherwise stay suspended); from then on, a failure stops the failed
// child. Call it when the supervisor stops (in a Weft behavior's Stopping
// hook): a restart sent to a child that is already stopping could bring it
// back. Stop ends the strategy for every supervisor it serves, the
// guardian of top-level actors included. After Stop returns, the strategy
// sends no restart.
//
// Stop does not wait for the children to stop, and is safe to call more
// than once and concurrently with HandleFailure.
func (s *Strategy) Stop() { s.engine().Stop() }
