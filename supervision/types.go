package supervision

import "github.com/weft-go/weft/internal/supervise"

//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=Jitter

// Directive is what a [Decider] tells a supervisor to do with a failed
// child. The zero value is [Restart]. Its String method returns the
// constant's name ("Restart").
type Directive = supervise.Directive

// The directives, as in protoactor-go and Erlang/OTP.
const (
	// Restart replaces the failed child (and, under [AllForOne] and
	// [RestForOne], its group) with a fresh incarnation, subject to the
	// restart intensity and the backoff. The child keeps its PID.
	Restart = supervise.Restart
	// Resume lets the failed child carry on with its next message, state
	// kept; only that child is affected, whatever the policy.
	Resume = supervise.Resume
	// Stop stops the failed child (and its group under [AllForOne] and
	// [RestForOne]) for good.
	Stop = supervise.Stop
	// Escalate fails the supervisor itself with the same reason, so that
	// its own supervisor decides. The guardian of top-level actors has no
	// supervisor above it: there, Escalate stops the failed child.
	Escalate = supervise.Escalate
)

// RestartKind says when a child is restarted, as in Erlang/OTP child
// specifications. The zero value is [Permanent]. Its String method returns
// the constant's name ("Permanent").
type RestartKind = supervise.RestartKind

// The restart kinds.
const (
	// Permanent children are always restarted: after a failure, and also
	// (in a service tree, see [github.com/weft-go/weft/service.Tree], and
	// for [Fiber]) after they end normally.
	Permanent = supervise.Permanent
	// Transient children are restarted only after an abnormal end (a panic
	// or an error), never after a normal stop.
	Transient = supervise.Transient
	// Temporary children are never restarted: a failed temporary child is
	// stopped, and one in a group being restarted is stopped instead.
	Temporary = supervise.Temporary
)

// Policy says which children a [Strategy] restarts (or stops) when one
// fails. The zero value is [PolicyOneForOne]. Its String method returns
// the name without its prefix ("OneForOne").
type Policy = supervise.Policy

// The policies; see [OneForOne], [AllForOne] and [RestForOne].
const (
	// PolicyOneForOne acts on the failed child only.
	PolicyOneForOne = supervise.PolicyOneForOne
	// PolicyAllForOne acts on every child of the supervisor.
	PolicyAllForOne = supervise.PolicyAllForOne
	// PolicyRestForOne acts on the failed child and the children started
	// after it.
	PolicyRestForOne = supervise.PolicyRestForOne
)

// Jitter says how a [Backoff] randomizes its delays. The zero value is
// [NoJitter].
type Jitter uint8

// The jitter modes, after "Exponential Backoff And Jitter" (AWS
// Architecture Blog). d is the capped exponential delay and r a random
// number in [0, 1).
const (
	// NoJitter uses d as it is.
	NoJitter Jitter = iota
	// FullJitter uses r·d: anywhere between 0 and d.
	FullJitter
	// EqualJitter uses d/2 + r·d/2: at least half of d.
	EqualJitter
)
