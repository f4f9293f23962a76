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
	"github.com/weft-go/weft/fiber"
)

// listMsg is the protocol of the list actor: push, dump.
type listMsg interface{ listMsg() }

// push appends v to the list of sender from.
type push struct{ from, v int }

// dump asks for the lists, by sender.
type dump struct {
	actor.Request[listMsg, map[int][]int]
}

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
			_ = actor.ReplyTo(self, m).Send(out)
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
	got, err := actor.Call(ctxFor(t), ref, dump{})
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
	if n, err := actor.Call(ctxFor(t), first, get{}); n != 3 || err != nil {
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
		str    string // "" for "address/id"
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
				want = pid.Address + "/" + pid.Id
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

// rawCallee spawns a plain protoactor actor that answers the requests of
// callMsg with protoactor's Respond: echo with its string plus "!", wrongly
// with an int.
func rawCallee(t *testing.T, sys *actor.System) *pa.PID {
	t.Helper()
	raw := sys.Raw().Root.Spawn(pa.PropsFromFunc(func(c pa.Context) {
		switch m := c.Message().(type) {
		case echo:
			c.Respond(m.s + "!")
		case wrongly:
			c.Respond(42)
		}
	}))
	t.Cleanup(func() { _ = sys.Raw().Root.StopFuture(raw).Wait() })
	return raw
}

func TestRefOf(t *testing.T) {
	sys := newSystem(t)
	// A plain protoactor actor, typed with RefOf: it answers with Respond.
	raw := rawCallee(t, sys)
	shout := actor.RefOf[callMsg](sys, raw)
	if !shout.PID().Equal(raw) {
		t.Errorf("RefOf(sys, pid).PID() = %v; want %v", shout.PID(), raw)
	}
	if got, err := actor.Call(ctxFor(t), shout, echo{s: "hi"}); got != "hi!" || err != nil {
		t.Errorf("Call(RefOf(raw), echo{hi}) = %q, %v; want %q, nil", got, err, "hi!")
	}
	// A Weft actor, through its PID.
	c := spawn(t, sys, "", counter)
	again := actor.RefOf[counterMsg](sys, c.PID())
	again.Send(add{n: 4})
	if n, err := actor.Call(ctxFor(t), c, get{}); n != 4 || err != nil {
		t.Errorf("Call(counter, get) after RefOf(...).Send(add 4) = %d, %v; want 4, nil", n, err)
	}
}

// errUnexpectedReply is the error of a request answered with a value of
// another type than the request's reply type (only a protoactor responder
// can do that).
var errUnexpectedReply = actor.ErrUnexpectedReply

// matches reports whether err matches want, and for errUnexpectedReply
// whether err names the types too.
func matches(err, want error) bool {
	if want == errUnexpectedReply {
		return errors.Is(err, want) && strings.Contains(err.Error(), "got int, want string")
	}
	return errors.Is(err, want)
}

// The calls of TestCall, one per request type of callMsg.
func callEcho(s string) func(context.Context, actor.Ref[callMsg]) (string, error) {
	return func(ctx context.Context, to actor.Ref[callMsg]) (string, error) {
		return actor.Call(ctx, to, echo{s: s})
	}
}

func callIgnore(ctx context.Context, to actor.Ref[callMsg]) (string, error) {
	return actor.Call(ctx, to, ignore{})
}

func callWrongly(ctx context.Context, to actor.Ref[callMsg]) (string, error) {
	return actor.Call(ctx, to, wrongly{})
}

// callMsg is the protocol of the call-test actor.
type callMsg interface{ callMsg() }

type (
	echo struct { // replied with s
		actor.Request[callMsg, string]
		s string
	}
	ignore  struct{ actor.Request[callMsg, string] } // never replied
	wrongly struct{ actor.Request[callMsg, string] } // replied with an int by rawCallee
)

func (echo) callMsg()    {}
func (ignore) callMsg()  {}
func (wrongly) callMsg() {}

func callee() actor.Behavior[callMsg] {
	return actor.BehaviorFunc[callMsg](func(self *actor.Self[callMsg], msg callMsg) {
		if m, ok := msg.(echo); ok {
			_ = actor.ReplyTo(self, m).Send(m.s)
		}
	})
}

func TestCall(t *testing.T) {
	sys := newSystem(t)
	live := spawn(t, sys, "callee", callee)
	raw := actor.RefOf[callMsg](sys, rawCallee(t, sys))
	dead := spawn(t, sys, "dead", callee)
	stop(t, dead)
	expired, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()

	tests := []struct {
		name    string
		ctx     context.Context
		to      actor.Ref[callMsg]
		msg     callMsg
		call    func(ctx context.Context, to actor.Ref[callMsg]) (string, error)
		want    string
		wantErr error
	}{
		{name: "Reply", ctx: ctxFor(t), to: live, call: callEcho("hello"), want: "hello"},
		{name: "Deadline", ctx: expired, to: live, call: callIgnore, wantErr: context.DeadlineExceeded},
		{name: "DeadTarget", ctx: ctxFor(t), to: dead, call: callEcho("anyone?"), wantErr: actor.ErrDeadTarget},
		{name: "UnexpectedReply", ctx: ctxFor(t), to: raw, call: callWrongly, wantErr: errUnexpectedReply},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call(tt.ctx, tt.to)
			if got != tt.want || !matches(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("Call(%v, %s) = %q, %v; want %q, %v", tt.to, tt.name, got, err, tt.want, tt.wantErr)
			}
		})
	}
	t.Run("DeadlineWhileWaiting", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		got, err := actor.Call(ctx, live, ignore{})
		if got != "" || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Call(%v, ignore{}) = %q, %v; want \"\", context.DeadlineExceeded", live, got, err)
		}
	})
	// The callee still works after a call gave up on it.
	if got, err := actor.Call(ctxFor(t), live, echo{s: "still here"}); got != "still here" || err != nil {
		t.Errorf("Call(%v, echo) = %q, %v; want %q, nil", live, got, err, "still here")
	}
}

// gateMsg is the protocol of the gate actor: requests wait until opened.
type gateMsg interface{ gateMsg() }

type (
	pass struct { // replied with "pass <who>" once the gate is open
		actor.Request[gateMsg, string]
		who string
	}
	open struct{} // opens the gate
)

func (pass) gateMsg() {}
func (open) gateMsg() {}

func gate() actor.Behavior[gateMsg] {
	var waiting []actor.Reply[string]
	var whos []string
	return actor.BehaviorFunc[gateMsg](func(self *actor.Self[gateMsg], msg gateMsg) {
		switch m := msg.(type) {
		case pass:
			waiting, whos = append(waiting, actor.ReplyTo(self, m)), append(whos, m.who)
		case open:
			for i, r := range waiting {
				_ = r.Send("pass " + whos[i])
			}
			waiting, whos = nil, nil
		}
	})
}

// askerMsg is the protocol of the asker actor.
type askerMsg interface{ askerMsg() }

type (
	goAsk struct{} // starts a fiber that asks the gate
	ping  struct {
		actor.Request[askerMsg, string]
	} // replied with "pong" by the handler
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
			switch m := msg.(type) {
			case goAsk:
				self.Go("asker", func(f *fiber.Fiber) error {
					r, err := actor.Ask(f, g, pass{who: "fiber"})
					results <- result{r, err}
					return err
				})
			case ping:
				_ = actor.ReplyTo(self, m).Send("pong")
			}
		})
	})
	asker.Send(goAsk{})
	// The fiber waits for the gate; the asker keeps serving its mailbox.
	if got, err := actor.Call(ctxFor(t), asker, ping{}); got != "pong" || err != nil {
		t.Fatalf("Call(asker, ping) while its fiber waits = %q, %v; want %q, nil", got, err, "pong")
	}
	select {
	case r := <-results:
		t.Fatalf("Ask(gate) = %q, %v before the gate opened; want it to wait", r.reply, r.err)
	default:
	}
	g.Send(open{})
	if r := recv(t, results, "the Ask reply"); r.reply != "pass fiber" || r.err != nil {
		t.Errorf("Ask(f, gate, pass{fiber}) = %q, %v; want %q, nil", r.reply, r.err, "pass fiber")
	}

	// Ask's errors: an unexpected reply type, a dead target, a timeout.
	dead := spawn(t, sys, "dead", callee)
	stop(t, dead)
	live := spawn(t, sys, "callee", callee)
	raw := actor.RefOf[callMsg](sys, rawCallee(t, sys))
	errs := make(chan error, 3)
	spawn(t, sys, "", func() actor.Behavior[int] {
		return &hooked[int]{name: "errs", log: new(eventLog), started: func(self *actor.Self[int]) {
			self.Go("errs", func(f *fiber.Fiber) error {
				_, err := actor.Ask(f, raw, wrongly{})
				errs <- err
				_, err = actor.Ask(f, dead, echo{s: "x"})
				errs <- err
				_, err = actor.Ask(f, live, ignore{}, actor.Within(time.Millisecond))
				errs <- err
				return nil
			})
		}}
	})
	for _, want := range []error{errUnexpectedReply, actor.ErrDeadTarget, actor.ErrTimeout} {
		if err := recv(t, errs, "an Ask error"); !matches(err, want) {
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
	if n, err := actor.Call(ctxFor(t), kid, get{}); n != 2 || err != nil {
		t.Errorf("Call(kid, get) = %d, %v; want 2, nil", n, err)
	}
	stop(t, parent)
	want := []string{"parent:Started", "kid:Started", "parent:Stopping", "kid:Stopping", "kid:Stopped", "parent:Stopped"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Errorf("hooks = %q; want %q", got, want)
	}
	if _, err := actor.Call(ctxFor(t), kid, get{}); !errors.Is(err, actor.ErrDeadTarget) {
		t.Errorf("Call(kid of stopped parent, get) error = %v; want actor.ErrDeadTarget", err)
	}
}

// intsMsg is the protocol of the ints actor: items, and a request for the
// items received so far.
type intsMsg interface{ intsMsg() }

type (
	item     int
	received struct{ actor.Request[intsMsg, []int] }
)

func (item) intsMsg()     {}
func (received) intsMsg() {}

func TestMessageOutsideProtocol(t *testing.T) {
	h := newRecordHandler(slog.LevelDebug)
	sys := newSystem(t, actor.WithLogger(slog.New(h)))
	var items []int // owned by the actor; read after a Call
	ref := spawn(t, sys, "ints", func() actor.Behavior[intsMsg] {
		return actor.BehaviorFunc[intsMsg](func(self *actor.Self[intsMsg], msg intsMsg) {
			switch m := msg.(type) {
			case received:
				_ = actor.ReplyTo(self, m).Send(slices.Clone(items))
			case item:
				items = append(items, int(m))
			}
		})
	})
	strays := []any{"stray", 2.5, int64(7), 3, &struct{ n int }{1}}
	ref.Send(item(1))
	for _, m := range strays {
		sys.Raw().Root.Send(ref.PID(), m) // outside the protocol: only the raw PID lets it through
	}
	ref.Send(item(2))
	got, err := actor.Call(ctxFor(t), ref, received{})
	if !slices.Equal(got, []int{1, 2}) || err != nil {
		t.Errorf("Call(ints, received) = %v, %v; want [1 2], nil", got, err)
	}
	recs := h.records("weft: message outside the actor's protocol")
	var logged []string
	for _, r := range recs {
		if r.Level != slog.LevelDebug {
			t.Errorf("record %q level = %v; want DEBUG", r.Message, r.Level)
		}
		if a := fmt.Sprint(attr(r, "actor")); a != ref.String() {
			t.Errorf("record actor = %s; want %s", a, ref)
		}
		logged = append(logged, fmt.Sprint(attr(r, "type")))
	}
	var want []string // the types only: a message's content may be private
	for _, m := range strays {
		want = append(want, fmt.Sprintf("%T", m))
	}
	if !slices.Equal(logged, want) {
		t.Errorf("logged messages outside the protocol = %q; want %q", logged, want)
	}
	if t.Failed() {
		t.Logf("all records: %s", strings.Join(h.messages(), "; "))
	}
}
