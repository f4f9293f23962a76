// Package pids formats protoactor PIDs one way for every package of the
// module: "address/id", as in "nonhost/prices" (protoactor's own String is
// the protobuf text form, `Address:"nonhost" Id:"prices"`).
package pids

import pa "github.com/asynkron/protoactor-go/actor"

// String returns pid as "address/id", or "<nil>" for a nil pid.
func String(pid *pa.PID) string {
	if pid == nil {
		return "<nil>"
	}
	return pid.Address + "/" + pid.Id
}
