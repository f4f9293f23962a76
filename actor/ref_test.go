package actor_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// listMsg is the protocol of the list actor: push, dump.
type listMsg interface{ listMsg() }

// push appends v to the list of sender from.
type push struct{ from, v int }

// dump asks for the lists, by sender (a map[int][]int reply).
type dump struct{}

func (push) listMsg() {}
func (dump) listMsg() {}

func list() actor.Behavior[listMsg] {
	lists := map[int][]int{}
	return actor.BehaviorFunc[listMsg](func(self *actor.Self[listMsg], msg listMsg) {
		switch m := msg.(type) {
		case push:
			lists[m.from] = append(lists[m.from], m.v)
		case dump:
			out := make(map[int][]int, len(lists))
			for k, v := range lists {
				out[k] = slices.Clone(v)
			}
			self.Respond(out)
		}
	})
}

func TestRefSendInOrder(t *testing.T) {
	sys := newSystem(t)
	ref := spawn(t, sys, "list", list)
	const senders, n = 4, 500
	done := make(chan struct{}, senders)
	for s := range senders {
		go func() {
			for i := range n {
				ref.Send(push{from: s, v: i})
			}
			done <- struct{}{}
		}()
	}
	for range senders {
		recv(t, done, "the senders")
	}
	got, err := actor.Call[map[int][]int, listMsg](ctxFor(t), ref, dump{})
	if err != nil {
		t.Fatalf("Call(dump) error = %v; want nil", err)
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	for s := range senders {
		if !slices.Equal(got[s], want) {
			t.Errorf("messages from sender %d = %v; want 0..%d in order", s, got[s], n-1)
		}
	}
}

func TestSpawnNameTaken(t *testing.T) {
	sys := newSystem(t)
	first := spawn(t, sys, "dup", counter)
	ref, err := actor.Spawn(sys, "dup", counter)
	if !errors.Is(err, pa.ErrNameExists) {
		t.Errorf("Spawn(sys, %q) again error = %v; want pa.ErrNameExists", "dup", err)
	}
	if !ref.IsZero() {
		t.Errorf("Spawn(sys, %q) again IsZero() = false; want true", "dup")
	}
	first.Send(add{n: 3})
	if n, err := actor.Call[int, counterMsg](ctxFor(t), first, get{}); n != 3 || err != nil {
		t.Errorf("Call(first, get) = %d, %v; want 3, nil", n, err)
	}
}

func TestRefIdentity(t *testing.T) {
	sys := newSystem(t)
	named := spawn(t, sys, "named", counter)
	unnamed := spawn(t, sys, "", counter)
	var zero actor.Ref[counterMsg]
	tests := []struct {
		name   string
		ref    actor.Ref[counterMsg]
		isZero bool
		id     string // "" for any non-empty ID
		str    string // "" for pid.String()
	}{
		{name: "zero", ref: zero, isZero: true, str: "<nil>"},
		{name: "named", ref: named, id: "named"},
		{name: "unnamed", ref: unnamed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ref.IsZero(); got != tt.isZero {
				t.Errorf("IsZero() = %v; want %v", got, tt.isZero)
			}
			pid := tt.ref.PID()
			if tt.isZero {
				if pid != nil {
					t.Errorf("PID() = %v; want nil", pid)
				}
			} else {
				if pid == nil || pid.Id == "" || (tt.id != "" && pid.Id != tt.id) {
					t.Errorf("PID() = %v; want a PID with ID %q", pid, tt.id)
				}
				if pid != nil && pid.Address != sys.Raw().Address() {
					t.Errorf("PID().Address = %q; want %q", pid.Address, sys.Raw().Address())
				}
			}
			want := tt.str
			if want == "" && pid != nil {
				want = pid.String()
			}
			if got := tt.ref.String(); got != want {
				t.Errorf("String() = %q; want %q", got, want)
			}
		})
	}
	if named.PID().Equal(unnamed.PID()) {
		t.Errorf("PIDs of two actors are equal: %v", named.PID())
	}
}

func TestRefOf(t *testing.T) {
	sys := newSystem(t)
	// A plain protoactor actor, typed with RefOf.
	raw := sys.Raw().Root.Spawn(pa.PropsFromFunc(func(c pa.Context) {
		if s, ok := c.Message().(string); ok {
			c.Respond(s + "!")
		}
	}))
	t.Cleanup(func() { _ = sys.Raw().Root.StopFuture(raw).Wait() })
	shout := actor.RefOf[string](sys, raw)
	if !shout.PID().Equal(raw) {
		t.Errorf("RefOf(sys, pid).PID() = %v; want %v", shout.PID(), raw)
	}
	if got, err := actor.Call[string](ctxFor(t), shout, "hi"); got != "hi!" || err != nil {
		t.Errorf("Call(RefOf(raw), %q) = %q, %v; want %q, nil", "hi", got, err, "hi!")
	}
	// A Weft actor, through its PID.
	c := spawn(t, sys, "", counter)
	again := actor.RefOf[counterMsg](sys, c.PID())
	again.Send(add{n: 4})
	if n, err := actor.Call[int, counterMsg](ctxFor(t), c, get{}); n != 4 || err != nil {
		t.Errorf("Call(counter, get) after RefOf(...).Send(add 4) = %d, %v; want 4, nil", n, err)
	}
}

// callMsg is the protocol of the call-test actor.
type callMsg interface{ callMsg() }

type (
	echo    struct{ s string } // replied with s
	ignore  struct{}           // never replied
	wrongly struct{}           // replied with an int
)

func (echo) callMsg()    {}
func (ignore) callMsg()  {}
func (wrongly) callMsg() {}

func callee() actor.Behavior[callMsg] {
	return actor.BehaviorFunc[callMsg](func(self *actor.Self[callMsg], msg callMsg) {
		switch m := msg.(type) {
		case echo:
			self.Respond(m.s)
		case wrongly:
			self.Respond(42)
		}
	})
}

func TestCall(t *testing.T) {
	sys := newSystem(t)
	live := spawn(t, sys, "callee", callee)
	dead := spawn(t, sys, "dead", callee)
	stop(t, sys, dead)
	expired, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		to      actor.Ref[callMsg]
		msg     callMsg
		want    string
		wantErr error
	}{
		{name: "Reply", ctx: ctxFor(t), to: live, msg: echo{"hello"}, want: "hello"},
		{name: "Deadline", ctx: expired, to: live, msg: ignore{}, wantErr: context.DeadlineExceeded},
		{name: "DeadLetter", ctx: ctxFor(t), to: dead, msg: echo{"anyone?"}, wantErr: bridge.ErrDeadLetter},
		{name: "UnexpectedReply", ctx: ctxFor(t), to: live, msg: wrongly{}, wantErr: bridge.ErrUnexpectedReply},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := actor.Call[string](tt.ctx, tt.to, tt.msg)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("Call(%v, %#v) = %q, %v; want %q, %v", tt.to, tt.msg, got, err, tt.want, tt.wantErr)
			}
		})
	}
	t.Run("DeadlineWhileWaiting", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		got, err := actor.Call[string, callMsg](ctx, live, ignore{})
		if got != "" || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Call(%v, ignore{}) = %q, %v; want \"\", context.DeadlineExceeded", live, got, err)
		}
	})
	// The callee still works after a call gave up on it.
	if got, err := actor.Call[string, callMsg](ctxFor(t), live, echo{"still here"}); got != "still here" || err != nil {
		t.Errorf("Call(%v, echo) = %q, %v; want %q, nil", live, got, err, "still here")
	}
}

// gateMsg is the protocol of the gate actor: requests wait until opened.
type gateMsg interface{ gateMsg() }

type (
	pass struct{ who string } // replied with "pass <who>" once the gate is open
	open struct{}             // opens the gate
)

func (pass) gateMsg() {}
func (open) gateMsg() {}

func gate() actor.Behavior[gateMsg] {
	var waiting []*pa.PID
	var whos []string
	return actor.BehaviorFunc[gateMsg](func(self *actor.Self[gateMsg], msg gateMsg) {
		switch m := msg.(type) {
		case pass:
			waiting, whos = append(waiting, self.Sender()), append(whos, m.who)
		case open:
			for i, p := range waiting {
				self.Reply(p, "pass "+whos[i])
			}
			waiting, whos = nil, nil
		}
	})
}

// askerMsg is the protocol of the asker actor.
type askerMsg interface{ askerMsg() }

type (
	goAsk struct{} // starts a fiber that asks the gate
	ping  struct{} // replied with "pong" by the handler
)

func (goAsk) askerMsg() {}
func (ping) askerMsg()  {}

func TestAskFromFiber(t *testing.T) {
	sys := newSystem(t)
	g := spawn(t, sys, "gate", gate)
	type result struct {
		reply string
		err   error
	}
	results := make(chan result, 1)
	asker := spawn(t, sys, "asker", func() actor.Behavior[askerMsg] {
		return actor.BehaviorFunc[askerMsg](func(self *actor.Self[askerMsg], msg askerMsg) {
			switch msg.(type) {
			case goAsk:
				self.Go("asker", func(f *fiber.Fiber) error {
					r, err := actor.Ask[string, gateMsg](f, g, pass{who: "fiber"})
					results <- result{r, err}
					return err
				})
			case ping:
				self.Respond("pong")
			}
		})
	})
	asker.Send(goAsk{})
	// The fiber waits for the gate; the asker keeps serving its mailbox.
	if got, err := actor.Call[string, askerMsg](ctxFor(t), asker, ping{}); got != "pong" || err != nil {
		t.Fatalf("Call(asker, ping) while its fiber waits = %q, %v; want %q, nil", got, err, "pong")
	}
	select {
	case r := <-results:
		t.Fatalf("Ask(gate) = %q, %v before the gate opened; want it to wait", r.reply, r.err)
	default:
	}
	g.Send(open{})
	if r := recv(t, results, "the Ask reply"); r.reply != "pass fiber" || r.err != nil {
		t.Errorf("Ask[string](f, gate, pass{fiber}) = %q, %v; want %q, nil", r.reply, r.err, "pass fiber")
	}

	// Ask's errors: an unexpected reply type, a dead target, a timeout.
	dead := spawn(t, sys, "dead", callee)
	stop(t, sys, dead)
	live := spawn(t, sys, "callee", callee)
	errs := make(chan error, 3)
	spawn(t, sys, "", func() actor.Behavior[int] {
		return &hooked[int]{name: "errs", log: new(eventLog), started: func(self *actor.Self[int]) {
			self.Go("errs", func(f *fiber.Fiber) error {
				_, err := actor.Ask[string, callMsg](f, live, wrongly{})
				errs <- err
				_, err = actor.Ask[string, callMsg](f, dead, echo{"x"})
				errs <- err
				_, err = actor.Ask[string, callMsg](f, live, ignore{}, bridge.Within(time.Millisecond))
				errs <- err
				return nil
			})
		}}
	})
	for _, want := range []error{bridge.ErrUnexpectedReply, bridge.ErrDeadLetter, bridge.ErrTimeout} {
		if err := recv(t, errs, "an Ask error"); !errors.Is(err, want) {
			t.Errorf("Ask(...) error = %v; want %v", err, want)
		}
	}
}

func TestSpawnChildStopsWithParent(t *testing.T) {
	sys := newSystem(t)
	var log eventLog
	kids := make(chan actor.Ref[counterMsg], 1)
	errs := make(chan error, 1)
	parent := spawn(t, sys, "parent", func() actor.Behavior[int] {
		return &hooked[int]{name: "parent", log: &log, started: func(self *actor.Self[int]) {
			kid, err := actor.SpawnChild(self, "kid", func() actor.Behavior[counterMsg] {
				return &hooked[counterMsg]{name: "kid", log: &log, receive: counter().Receive}
			})
			if err != nil {
				t.Errorf("SpawnChild(parent, kid) error = %v; want nil", err)
			}
			_, err = actor.SpawnChild(self, "kid", counter)
			errs <- err
			kids <- kid
		}}
	})
	if err := recv(t, errs, "the second SpawnChild"); !errors.Is(err, pa.ErrNameExists) {
		t.Errorf("SpawnChild(parent, kid) again error = %v; want pa.ErrNameExists", err)
	}
	kid := recv(t, kids, "the child")
	if want := parent.PID().Id + "/kid"; kid.PID().Id != want {
		t.Errorf("child PID().Id = %q; want %q", kid.PID().Id, want)
	}
	kid.Send(add{n: 2})
	if n, err := actor.Call[int, counterMsg](ctxFor(t), kid, get{}); n != 2 || err != nil {
		t.Errorf("Call(kid, get) = %d, %v; want 2, nil", n, err)
	}
	stop(t, sys, parent)
	want := []string{"parent:Started", "kid:Started", "parent:Stopping", "kid:Stopping", "kid:Stopped", "parent:Stopped"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Errorf("hooks = %q; want %q", got, want)
	}
	if _, err := actor.Call[int, counterMsg](ctxFor(t), kid, get{}); !errors.Is(err, bridge.ErrDeadLetter) {
		t.Errorf("Call(kid of stopped parent, get) error = %v; want bridge.ErrDeadLetter", err)
	}
}

func TestMessageOutsideProtocol(t *testing.T) {
	h := newRecordHandler(slog.LevelDebug)
	sys := newSystem(t, actor.WithLogger(slog.New(h)))
	var received []int // owned by the actor; read after a Call
	ref := spawn(t, sys, "ints", func() actor.Behavior[int] {
		return actor.BehaviorFunc[int](func(self *actor.Self[int], n int) {
			if n < 0 {
				self.Respond(slices.Clone(received))
				return
			}
			received = append(received, n)
		})
	})
	strays := []any{"stray", 2.5, int64(7), &struct{ n int }{1}}
	ref.Send(1)
	for _, m := range strays {
		sys.Raw().Root.Send(ref.PID(), m) // outside the protocol: only the raw PID lets it through
	}
	ref.Send(2)
	got, err := actor.Call[[]int](ctxFor(t), ref, -1)
	if !slices.Equal(got, []int{1, 2}) || err != nil {
		t.Errorf("Call(ints, -1) = %v, %v; want [1 2], nil", got, err)
	}
	recs := h.records("weft: message outside the actor's protocol")
	var logged []string
	for _, r := range recs {
		if r.Level != slog.LevelDebug {
			t.Errorf("record %q level = %v; want DEBUG", r.Message, r.Level)
		}
		if a := fmt.Sprint(attr(r, "actor")); a != ref.PID().String() {
			t.Errorf("record actor = %s; want %s", a, ref.PID())
		}
		logged = append(logged, fmt.Sprint(attr(r, "message")))
	}
	var want []string
	for _, m := range strays {
		want = append(want, fmt.Sprint(m))
	}
	if !slices.Equal(logged, want) {
		t.Errorf("logged messages outside the protocol = %q; want %q", logged, want)
	}
	if t.Failed() {
		t.Logf("all records: %s", strings.Join(h.messages(), "; "))
	}
}
