package actor_test

import (
	"errors"
	"testing"

	pa "github.com/asynkron/protoactor-go/actor"

	"github.com/weft-go/weft/actor"
)

// Protocol of the external-hook tests.
type (
	extMsg interface{ extMsg() }
	extAsk struct {
		actor.Request[extMsg, string]
		Do string // "send", "fail" or "stop"
	}
)

func (extAsk) extMsg() {}

func extBehavior() actor.Behavior[extMsg] {
	return actor.BehaviorFunc[extMsg](func(self *actor.Self[extMsg], m extMsg) {
		q := m.(extAsk)
		switch q.Do {
		case "send":
			actor.ReplyTo(self, q).Send("sent")
		case "fail":
			actor.ReplyTo(self, q).Fail(errors.New("failed"))
		case "stop":
			self.Stop() // holding the request
		}
	})
}

// TestPropsOf: one PropsOf value spawns several actors through
// protoactor, each of which stops cleanly.
func TestPropsOf(t *testing.T) {
	sys := newSystem(t)
	p := actor.PropsOf(sys, extBehavior)
	for range 3 {
		pid := sys.Raw().Root.Spawn(p)
		if err := sys.Raw().Root.StopFuture(pid).Wait(); err != nil {
			t.Fatalf("stopping an actor spawned from PropsOf: %v", err)
		}
	}
}

// TestBindReply: a request bound with BindReply is answered to its
// function: with the reply, with the responder's error, and with
// ErrDeadTarget when the responder stops holding it.
func TestBindReply(t *testing.T) {
	sys := newSystem(t)
	type answer struct {
		v   string
		err error
	}
	for _, c := range []struct {
		do   string
		want string
		err  error
	}{{"send", "sent", nil}, {"fail", "", nil}, {"stop", "", actor.ErrDeadTarget}} {
		pid := sys.Raw().Root.Spawn(actor.PropsOf(sys, extBehavior))
		got := make(chan answer, 2)
		msg := actor.BindReply(extAsk{Do: c.do}, func(v string, err error) { got <- answer{v, err} })
		sys.Raw().Root.RequestWithCustomSender(pid, msg, pa.NewPID("elsewhere", "asker"))
		a := recv(t, got, "the answer of "+c.do)
		switch {
		case c.do == "fail":
			if a.err == nil || a.err.Error() != "failed" {
				t.Errorf("%s: answer %q, %v; want the responder's error", c.do, a.v, a.err)
			}
		case a.v != c.want || !errors.Is(a.err, c.err):
			t.Errorf("%s: answer %q, %v; want %q, %v", c.do, a.v, a.err, c.want, c.err)
		}
		_ = sys.Raw().Root.StopFuture(pid).Wait()
		select {
		case a := <-got:
			t.Errorf("%s: answered twice (then %q, %v)", c.do, a.v, a.err)
		default:
		}
	}
}
