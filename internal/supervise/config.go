package supervise

import (
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
)

// Config configures a [Strategy], and package supervision's fiber
// supervisor. Package supervision's options set it, starting from its
// defaults; the engine does not validate it. A Config is a plain value:
// a [Strategy] keeps its own copy.
type Config struct {
	// Policy is the strategy's policy.
	Policy Policy
	// Decider maps the reason of a failure to a directive; it must not be
	// nil.
	Decider func(reason any) Directive
	// Max and Window are the restart intensity: at most Max restarts
	// (negative: any number) within Window (zero or less: ever).
	Max    int
	Window time.Duration
	// Exceeded is what a strategy without [Hooks.Exit] does when the
	// intensity is exceeded: [Escalate] or [Stop]. A guardian, which has
	// no supervisor to escalate to, always stops.
	Exceeded Directive
	// Delay is the backoff: the delay before restart number attempt
	// (counted from 0) of a burst. Nil means no backoff.
	Delay func(attempt int) time.Duration
	// ResetAfter is the backoff's quiet period: a child that has run that
	// long since its last restart starts a new burst. Zero means never.
	ResetAfter time.Duration
	// Kind is every child's restart kind when KindOf is nil; KindSet
	// reports that an option set it.
	Kind    RestartKind
	KindSet bool
	// KindOf returns a child's restart kind; nil means Kind.
	KindOf func(child *pa.PID) RestartKind
	// Observer is called with every decision; nil means none.
	Observer func(Event)
	// NewExceeded returns the error that reports an exceeded intensity
	// (package supervision's *ExceededError); it must not be nil.
	NewExceeded func(child *pa.PID, name string, maxRestarts int, window time.Duration, reason any) error
}

// Observe passes ev to c's observer, if any.
func (c *Config) Observe(ev Event) {
	if c.Observer != nil {
		c.Observer(ev)
	}
}

// Event describes one decision about a failed (or ended) child. Its fields
// are those of package supervision's Event, which documents them, in the
// same order and with the same types, so that each converts to the other.
type Event struct {
	// Supervisor is the supervising actor; nil for a guardian or a fiber.
	Supervisor *pa.PID
	// Child is the child that failed or ended; nil for a fiber.
	Child *pa.PID
	// Name is the child's name.
	Name string
	// Reason is the failure's reason; nil for a normal end.
	Reason any
	// Message is the message the child was handling when it failed.
	Message any
	// Directive is what was done.
	Directive Directive
	// Restart and Stop list the children restarted and stopped, in start
	// order.
	Restart, Stop []*pa.PID
	// Delay is the backoff delay before the restart.
	Delay time.Duration
	// Failures is the number of failures in the intensity window.
	Failures int
	// Absorbed reports that the failure joined a pending group restart.
	Absorbed bool
	// Err is the error of an exceeded intensity.
	Err error
}
