package supervise

import pa "github.com/asynkron/protoactor-go/actor"

//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=Directive
//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=RestartKind
//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=Policy -trimprefix=Policy

// Directive is what a decider tells a supervisor to do with a failed
// child; package supervision documents each value. The zero value is
// [Restart].
type Directive uint8

// The directives, as in protoactor-go and Erlang/OTP.
const (
	// Restart replaces the failed child (and its group) with a fresh
	// incarnation.
	Restart Directive = iota
	// Resume lets the failed child carry on with its next message.
	Resume
	// Stop stops the failed child (and its group) for good.
	Stop
	// Escalate fails the supervisor itself with the same reason.
	Escalate
)

// Proto returns the protoactor directive of d, for supervisor events.
func (d Directive) Proto() pa.Directive {
	switch d {
	case Resume:
		return pa.ResumeDirective
	case Stop:
		return pa.StopDirective
	case Escalate:
		return pa.EscalateDirective
	default:
		return pa.RestartDirective
	}
}

// RestartKind says when a child is restarted; package supervision
// documents each value. The zero value is [Permanent].
type RestartKind uint8

// The restart kinds, as in Erlang/OTP child specifications.
const (
	// Permanent children are always restarted.
	Permanent RestartKind = iota
	// Transient children are restarted only after an abnormal end.
	Transient
	// Temporary children are never restarted.
	Temporary
)

// Policy says which children a [Strategy] restarts (or stops) when one
// fails. The zero value is [PolicyOneForOne].
type Policy uint8

// The policies.
const (
	// PolicyOneForOne acts on the failed child only.
	PolicyOneForOne Policy = iota
	// PolicyAllForOne acts on every child of the supervisor.
	PolicyAllForOne
	// PolicyRestForOne acts on the failed child and the children started
	// after it.
	PolicyRestForOne
)
