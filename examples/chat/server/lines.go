package server

import (
	"sync/atomic"
	"time"

	"github.com/weft-go/weft/actor"
)

// rawLine is one line read from a client.
type rawLine struct {
	text    string // the line, without its terminator; empty if tooLong
	tooLong bool   // the line was longer than the limit and was discarded
}

// timer delivers a message to a connection, in its turns, once its time
// has come: the ping check and the registration timeout, which need no
// fiber (nor goroutine) while they wait. A nil timer does nothing.
//
// The timer's function reaches the connection's ref only through target,
// which Cancel clears: Go's runtime keeps a stopped timer, and what its
// function holds, until the time it was set for (minutes for the ping
// check), and a finished connection must not stay reachable that long.
type timer struct {
	t      *time.Timer
	target *atomic.Pointer[actor.Ref[connMsg]]
}

// newTimer returns a timer that sends msg to ref after d.
func newTimer(d time.Duration, ref actor.Ref[connMsg], msg connMsg) *timer {
	target := new(atomic.Pointer[actor.Ref[connMsg]])
	target.Store(&ref)
	return &timer{target: target, t: time.AfterFunc(d, func() {
		if r := target.Load(); r != nil {
			r.Send(msg)
		}
	})}
}

// reset sends the message again after d.
func (t *timer) reset(d time.Duration) {
	if t != nil && t.t != nil {
		t.t.Reset(d)
	}
}

// Cancel stops the timer and lets it go (a stopped timer is not reset);
// its message is not sent unless it was already. The cause is for the
// reader (errRegistered).
func (t *timer) Cancel(cause error) {
	if t != nil && t.t != nil {
		t.t.Stop()
		t.target.Store(nil)
		t.t = nil
	}
}

// pingCheck is the ping timer's tick: time to check the client is alive.
type pingCheck struct{}

// registrationTimeout is the registration timer's message: the time to
// register is up.
type registrationTimeout struct{}

// startCommands, sent by the registration fiber as it ends, starts the
// command loop's fiber.
type startCommands struct{}

func (pingCheck) connMsg()           {}
func (registrationTimeout) connMsg() {}
func (startCommands) connMsg()       {}
