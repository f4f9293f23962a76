package actor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// deskMsg is the protocol of the desk actor, whose requests exercise the
// responder's side of the request contract.
type deskMsg interface{ deskMsg() }

// price is the reply to a quote.
type price struct {
	sym   string
	value int
}

type (
	// quote is answered with the price of sym by a fiber, after it has
	// slept for after.
	quote struct {
		actor.Request[deskMsg, price]
		sym   string
		after time.Duration
	}
	// twice is answered twice through one handle, then once more through
	// a copy and through a second handle; the desk reports what each
	// answer returned.
	twice struct{ actor.Request[deskMsg, string] }
	// failing is failed with err by a fiber, after a Yield.
	failing struct {
		actor.Request[deskMsg, string]
		err error
	}
	// awaited is answered from the goroutine of a fiber.Await call.
	awaited struct{ actor.Request[deskMsg, string] }
	// handedOut is answered by the test, from its own goroutine.
	handedOut struct{ actor.Request[deskMsg, string] }
	// hold is kept unanswered: by the behavior, or by a fiber asleep for
	// ever if inFiber.
	hold struct {
		actor.Request[deskMsg, string]
		inFiber bool
	}
	deskCrash struct{} // the handler panics: the default strategy restarts the desk
	quit      struct{} // the desk stops itself
)

func (quote) deskMsg()     {}
func (twice) deskMsg()     {}
func (failing) deskMsg()   {}
func (awaited) deskMsg()   {}
func (handedOut) deskMsg() {}
func (hold) deskMsg()      {}
func (deskCrash) deskMsg() {}
func (quit) deskMsg()      {}

// deskEvents is what a desk reports to its test.
type deskEvents struct {
	answers chan []error             // what the answers of a twice returned
	held    chan struct{}            // a hold is held
	handles chan actor.Reply[string] // the handles of handedOut requests
}

func newDeskEvents() *deskEvents {
	return &deskEvents{
		answers: make(chan []error, 4),
		held:    make(chan struct{}, 4),
		handles: make(chan actor.Reply[string], 4),
	}
}

// desk returns the produce function of a desk reporting to ev.
func desk(ev *deskEvents) func() actor.Behavior[deskMsg] {
	return func() actor.Behavior[deskMsg] {
		var kept []actor.Reply[string] // the holds the behavior keeps
		return actor.BehaviorFunc[deskMsg](func(self *actor.Self[deskMsg], msg deskMsg) {
			switch m := msg.(type) {
			case quote:
				reply := actor.ReplyTo(self, m) // taken in the turn, used after a suspension
				self.Go("quote "+m.sym, func(f *fiber.Fiber) error {
					if err := f.Sleep(m.after); err != nil {
						return reply.Fail(err)
					}
					return reply.Send(price{sym: m.sym, value: len(m.sym)})
				})
			case twice:
				reply := actor.ReplyTo(self, m)
				errs := []error{reply.Send("first"), reply.Send("second"), reply.Fail(errors.New("third"))}
				errs = append(errs, reply.Send("a copy"), actor.ReplyTo(self, m).Send("a second handle"))
				ev.answers <- errs
			case failing:
				reply := actor.ReplyTo(self, m)
				self.Go("failer", func(f *fiber.Fiber) error {
					if err := f.Yield(); err != nil {
						return err
					}
					return reply.Fail(m.err)
				})
			case awaited:
				reply := actor.ReplyTo(self, m)
				self.Go("awaiter", func(f *fiber.Fiber) error {
					_, err := fiber.Await(f, func(context.Context) (struct{}, error) {
						return struct{}{}, reply.Send("from an Await goroutine")
					})
					return err
				})
			case handedOut:
				ev.handles <- actor.ReplyTo(self, m)
			case hold:
				reply := actor.ReplyTo(self, m)
				if m.inFiber {
					self.Go("holder", func(f *fiber.Fiber) error {
						if err := f.Sleep(time.Hour); err != nil {
							return err // cancelled: the request stays unanswered
						}
						return reply.Send("too late")
					})
				} else {
					kept = append(kept, reply)
				}
				ev.held <- struct{}{}
			case deskCrash:
				panic("desk crash")
			case quit:
				self.Stop()
			}
		})
	}
}

// result is the outcome of a request.
type result[R any] struct {
	reply R
	err   error
}

// inFiber runs fn in a fiber of a new actor of sys.
func inFiber(t testing.TB, sys *actor.System, fn func(f *fiber.Fiber)) {
	t.Helper()
	spawn(t, sys, "", func() actor.Behavior[struct{}] {
		return &hooked[struct{}]{name: "runner", log: new(eventLog), started: func(self *actor.Self[struct{}]) {
			self.Go("runner", func(f *fiber.Fiber) error {
				fn(f)
				return nil
			})
		}}
	})
}

// asking names the two ways to make a request: Call, from the test's
// goroutine, and Ask, from a fiber of another actor.
var asking = []string{"Call", "Ask"}

// startRequest sends req to to, with Call from a goroutine of the test or
// with Ask from a fiber of a new actor (how), and returns where its result
// arrives. The Call's context is cancelled when the test ends, at the
// latest after patience; the Ask has no deadline but opts.
func startRequest[Q actor.RequestOf[P, R], P, R any](t *testing.T, sys *actor.System, how string, to actor.Ref[P], req Q, opts ...actor.WaitOption) <-chan result[R] {
	t.Helper()
	out := make(chan result[R], 1)
	switch how {
	case "Call":
		ctx := ctxFor(t)
		go func() {
			r, err := actor.Call(ctx, to, req)
			out <- result[R]{r, err}
		}()
	case "Ask":
		inFiber(t, sys, func(f *fiber.Fiber) {
			r, err := actor.Ask(f, to, req, opts...)
			out <- result[R]{r, err}
		})
	default:
		t.Fatalf("startRequest: unknown way %q", how)
	}
	return out
}

// request is startRequest, waiting for the result.
func request[Q actor.RequestOf[P, R], P, R any](t *testing.T, sys *actor.System, how string, to actor.Ref[P], req Q, opts ...actor.WaitOption) (R, error) {
	t.Helper()
	r := recv(t, startRequest(t, sys, how, to, req, opts...), how+"'s result")
	return r.reply, r.err
}

// TestRequestInfersReply asks a desk from many concurrent askers, with Call
// and with Ask: each quote is answered by a fiber after a Sleep, in another
// order than it was asked, and each asker gets its own answer, typed as the
// request's reply type without type arguments at the call site.
func TestRequestInfersReply(t *testing.T) {
	sys := newSystem(t)
	d := spawn(t, sys, "desk", desk(newDeskEvents()))
	const askers = 8
	t.Run("Call", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([]price, askers)
		errs := make([]error, askers)
		for i := range askers {
			wg.Go(func() {
				// The later askers are answered first.
				got[i], errs[i] = actor.Call(ctxFor(t), d, quote{sym: fmt.Sprint("S", i), after: time.Duration(askers-i) * time.Millisecond})
			})
		}
		wg.Wait()
		for i := range askers {
			if want := (price{fmt.Sprint("S", i), 2}); got[i] != want || errs[i] != nil {
				t.Errorf("Call(desk, quote{S%d}) = %+v, %v; want %+v, nil", i, got[i], errs[i], want)
			}
		}
	})
	t.Run("Ask", func(t *testing.T) {
		type answer struct {
			i   int
			p   price
			err error
		}
		answers := make(chan answer, askers)
		inFiber(t, sys, func(f *fiber.Fiber) {
			for i := range askers {
				f.Spawn(fmt.Sprint("asker ", i), func(f *fiber.Fiber) error {
					p, err := actor.Ask(f, d, quote{sym: fmt.Sprint("S", i), after: time.Duration(askers-i) * time.Millisecond})
					answers <- answer{i, p, err}
					return nil
				})
			}
		})
		var order []int
		for range askers {
			a := recv(t, answers, "an Ask's answer")
			order = append(order, a.i)
			if want := (price{fmt.Sprint("S", a.i), 2}); a.p != want || a.err != nil {
				t.Errorf("Ask(f, desk, quote{S%d}) = %+v, %v; want %+v, nil", a.i, a.p, a.err, want)
			}
		}
		if slices.IsSorted(order) {
			t.Logf("answers came in the order asked (%v): the test did not exercise reordering", order)
		}
	})
}

// errMine is the error a responder fails requests with.
var errMine = errors.New("my failure")

// TestReplyAnswers checks the ways a responder answers, for an asker that
// uses Call and one that uses Ask.
func TestReplyAnswers(t *testing.T) {
	for _, how := range asking {
		t.Run(how, func(t *testing.T) {
			sys := newSystem(t)
			ev := newDeskEvents()
			d := spawn(t, sys, "desk", desk(ev))

			if got, err := request(t, sys, how, d, awaited{}); got != "from an Await goroutine" || err != nil {
				t.Errorf("%s(desk, awaited) = %q, %v; want %q, nil", how, got, err, "from an Await goroutine")
			}

			res := startRequest(t, sys, how, d, handedOut{})
			reply := recv(t, ev.handles, "the handedOut handle")
			sent := make(chan error, 1)
			go func() { sent <- reply.Send("from the test's goroutine") }()
			if err := recv(t, sent, "Reply.Send from a goroutine"); err != nil {
				t.Errorf("Reply.Send from another goroutine = %v; want nil", err)
			}
			if r := recv(t, res, "the handedOut answer"); r.reply != "from the test's goroutine" || r.err != nil {
				t.Errorf("%s(desk, handedOut) = %q, %v; want %q, nil", how, r.reply, r.err, "from the test's goroutine")
			}

			if got, err := request(t, sys, how, d, twice{}); got != "first" || err != nil {
				t.Errorf("%s(desk, twice) = %q, %v; want %q, nil", how, got, err, "first")
			}
			errs := recv(t, ev.answers, "the answers of twice")
			for i, what := range []string{"Send", "second Send", "Fail after Send", "Send of a copy", "Send of a second handle"} {
				var want error
				if i > 0 {
					want = actor.ErrAnswered
				}
				if !errors.Is(errs[i], want) || (errs[i] == nil) != (want == nil) {
					t.Errorf("%s = %v; want %v", what, errs[i], want)
				}
			}

			_, err := request(t, sys, how, d, failing{err: errMine})
			if !errors.Is(err, errMine) {
				t.Errorf("%s(desk, failing{errMine}) error = %v; want one matching errMine", how, err)
			}
		})
	}
}

// TestReplyNoAsker checks the answers to requests that nobody waits for: a
// request sent with Send, and the zero Reply.
func TestReplyNoAsker(t *testing.T) {
	sys := newSystem(t)
	ev := newDeskEvents()
	d := spawn(t, sys, "desk", desk(ev))
	d.Send(twice{})
	for i, err := range recv(t, ev.answers, "the answers of a twice sent with Send") {
		if !errors.Is(err, actor.ErrNoAsker) {
			t.Errorf("answer %d of a request sent with Send = %v; want actor.ErrNoAsker", i, err)
		}
	}
	var zero actor.Reply[int]
	if err := zero.Send(1); !errors.Is(err, actor.ErrNoAsker) {
		t.Errorf("zero Reply.Send(1) = %v; want actor.ErrNoAsker", err)
	}
	if err := zero.Fail(errMine); !errors.Is(err, actor.ErrNoAsker) {
		t.Errorf("zero Reply.Fail(errMine) = %v; want actor.ErrNoAsker", err)
	}
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Errorf("Reply.Fail(nil) did not panic")
			}
		}()
		_ = zero.Fail(nil)
	}()
}

// TestRequestUnanswered checks that an asker learns at once, not at a
// timeout, that its request will not be answered: the responder stops or
// restarts while holding it (in its behavior's state or in a sleeping
// fiber), or does not exist.
func TestRequestUnanswered(t *testing.T) {
	tests := []struct {
		name    string
		inFiber bool
		end     func(t *testing.T, d actor.Ref[deskMsg])
		want    error
		notWant error
	}{
		{name: "StopHeldByBehavior", end: stopDesk, want: actor.ErrDeadTarget, notWant: actor.ErrRestarted},
		{name: "StopHeldByFiber", inFiber: true, end: stopDesk, want: actor.ErrDeadTarget, notWant: actor.ErrRestarted},
		{name: "SelfStopHeldByFiber", inFiber: true, end: func(_ *testing.T, d actor.Ref[deskMsg]) { d.Send(quit{}) }, want: actor.ErrDeadTarget, notWant: actor.ErrRestarted},
		{name: "RestartHeldByBehavior", end: crashDesk, want: actor.ErrRestarted, notWant: actor.ErrDeadTarget},
		{name: "RestartHeldByFiber", inFiber: true, end: crashDesk, want: actor.ErrRestarted, notWant: actor.ErrDeadTarget},
	}
	for _, tt := range tests {
		for _, how := range asking {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				sys := newSystem(t)
				ev := newDeskEvents()
				d := spawn(t, sys, "desk", desk(ev))
				res := startRequest(t, sys, how, d, hold{inFiber: tt.inFiber})
				recv(t, ev.held, "the request to be held")
				tt.end(t, d)
				r := recv(t, res, "the failed request")
				if !errors.Is(r.err, tt.want) || errors.Is(r.err, tt.notWant) || errors.Is(r.err, context.DeadlineExceeded) {
					t.Errorf("%s(desk, hold) = %q, %v; want an error matching %v (and neither %v nor a deadline)", how, r.reply, r.err, tt.want, tt.notWant)
				}
			})
		}
	}
	for _, how := range asking {
		t.Run("DeadRef/"+how, func(t *testing.T) {
			sys := newSystem(t)
			d := spawn(t, sys, "desk", desk(newDeskEvents()))
			stop(t, d)
			_, err := request(t, sys, how, d, quote{sym: "X"})
			if !errors.Is(err, actor.ErrDeadTarget) || errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s(stopped desk, quote) error = %v; want actor.ErrDeadTarget", how, err)
			}
		})
	}
}

func stopDesk(t *testing.T, d actor.Ref[deskMsg]) { stop(t, d) }

func crashDesk(_ *testing.T, d actor.Ref[deskMsg]) { d.Send(deskCrash{}) }

// TestAskWithin checks that Within bounds an Ask with ErrTimeout.
func TestAskWithin(t *testing.T) {
	sys := newSystem(t)
	ev := newDeskEvents()
	d := spawn(t, sys, "desk", desk(ev))
	_, err := request(t, sys, "Ask", d, hold{}, actor.Within(time.Millisecond))
	if !errors.Is(err, actor.ErrTimeout) || errors.Is(err, actor.ErrDeadTarget) {
		t.Errorf("Ask(desk, hold, Within(1ms)) error = %v; want actor.ErrTimeout", err)
	}
	if p, err := request(t, sys, "Ask", d, quote{sym: "AB"}, actor.Within(patience)); p != (price{"AB", 2}) || err != nil {
		t.Errorf("Ask(desk, quote{AB}, Within(patience)) = %+v, %v; want {AB 2}, nil", p, err)
	}
}

// jobMsg is the protocol of a front actor that forwards jobs to a back
// actor of the same protocol.
type jobMsg interface{ jobMsg() }

type (
	// job is answered by the back actor; the front stops after forwarding
	// it if thenStop, and the back then answers once the front is gone.
	job struct {
		actor.Request[jobMsg, string]
		thenStop bool
	}
	frontGone struct{ t actor.Terminated }
)

func (job) jobMsg()       {}
func (frontGone) jobMsg() {}

// TestRequestForwarded checks that a request the asked actor hands on to
// another actor with Forward is answered by that one, also when the first
// actor stops right after forwarding it.
func TestRequestForwarded(t *testing.T) {
	for _, thenStop := range []bool{false, true} {
		for _, how := range asking {
			t.Run(fmt.Sprintf("%s/thenStop=%t", how, thenStop), func(t *testing.T) {
				sys := newSystem(t)
				frontCh := make(chan actor.Ref[jobMsg], 1)
				back := spawn(t, sys, "back", func() actor.Behavior[jobMsg] {
					var waiting []actor.Reply[string]
					return actor.BehaviorFunc[jobMsg](func(self *actor.Self[jobMsg], msg jobMsg) {
						switch m := msg.(type) {
						case job:
							reply := actor.ReplyTo(self, m)
							if !m.thenStop {
								_ = reply.Send("done by back")
								return
							}
							waiting = append(waiting, reply)
							self.Watch(<-frontCh, func(t actor.Terminated) jobMsg { return frontGone{t} })
						case frontGone:
							for _, r := range waiting {
								_ = r.Send("done by back after " + m.t.Actor + " stopped")
							}
						}
					})
				})
				front := spawn(t, sys, "front", func() actor.Behavior[jobMsg] {
					return actor.BehaviorFunc[jobMsg](func(self *actor.Self[jobMsg], msg jobMsg) {
						if m, ok := msg.(job); ok {
							actor.Forward(back, m)
							if m.thenStop {
								self.Stop()
							}
						}
					})
				})
				frontCh <- front
				want := "done by back"
				if thenStop {
					want = "done by back after nonhost/front stopped"
				}
				if got, err := request(t, sys, how, front, job{thenStop: thenStop}); got != want || err != nil {
					t.Errorf("%s(front, job{thenStop: %t}) = %q, %v; want %q, nil", how, thenStop, got, err, want)
				}
			})
		}
	}
}

// lookup is a protocol of one type, itself a request: the request type is
// the protocol, as for a Ref[lookup].
type lookup struct {
	actor.Request[lookup, string]
	key string
}

// TestRequestIsProtocol asks an actor whose protocol is a single request
// type, by Call and by Ask: the request must reach the responder bound to
// its asker (a conversion to the protocol type would copy it unbound).
func TestRequestIsProtocol(t *testing.T) {
	sys := newSystem(t)
	dict := spawn(t, sys, "dict", func() actor.Behavior[lookup] {
		return actor.BehaviorFunc[lookup](func(self *actor.Self[lookup], l lookup) {
			if err := actor.ReplyTo(self, l).Send("value of " + l.key); err != nil {
				t.Errorf("Reply.Send = %v; want nil", err)
			}
		})
	})
	if got, err := actor.Call(ctxFor(t), dict, lookup{key: "a"}); got != "value of a" || err != nil {
		t.Errorf("Call(dict, lookup{a}) = %q, %v; want %q, nil", got, err, "value of a")
	}
	answers := make(chan string, 1)
	inFiber(t, sys, func(f *fiber.Fiber) {
		f.Spawn("asker", func(f *fiber.Fiber) error {
			got, err := actor.Ask(f, dict, lookup{key: "b"}, actor.Within(patience))
			if err != nil {
				got = err.Error()
			}
			answers <- got
			return nil
		})
	})
	if got := recv(t, answers, "the Ask's answer"); got != "value of b" {
		t.Errorf("Ask(dict, lookup{b}) = %q; want %q", got, "value of b")
	}
}

// ptrReq is a request type used through a pointer, which Ask and Call
// refuse.
type ptrReq struct {
	actor.Request[any, int]
}

// TestRequestByPointerPanics checks that a pointer to a request type is
// refused with a clear panic before anything is sent.
func TestRequestByPointerPanics(t *testing.T) {
	sys := newSystem(t)
	ref := spawn(t, sys, "any", func() actor.Behavior[any] {
		return actor.BehaviorFunc[any](func(*actor.Self[any], any) {})
	})
	defer func() {
		p, _ := recover().(string)
		if want := "actor: request type *actor_test.ptrReq must be a struct"; !strings.HasPrefix(p, want) {
			t.Errorf("Call with a *ptrReq panicked with %q; want a panic starting with %q", p, want)
		}
	}()
	_, _ = actor.Call(ctxFor(t), ref, &ptrReq{})
}

// strayReq declares itself a request of counterMsg but does not implement
// counterMsg.
type strayReq struct {
	actor.Request[counterMsg, int]
}

// TestRequestOutsideProtocolPanics checks that Call and Forward refuse a
// request type that names a protocol it does not implement.
func TestRequestOutsideProtocolPanics(t *testing.T) {
	sys := newSystem(t)
	ref := spawn(t, sys, "counter", counter)
	for name, fn := range map[string]func(){
		"Call":    func() { _, _ = actor.Call(ctxFor(t), ref, strayReq{}) },
		"Forward": func() { actor.Forward(ref, strayReq{}) },
	} {
		func() {
			defer func() {
				p, _ := recover().(string)
				if want := "actor: actor_test.strayReq is a Request of actor_test.counterMsg but does not implement it"; p != want {
					t.Errorf("%s(strayReq{}) panicked with %q; want %q", name, p, want)
				}
			}()
			fn()
		}()
	}
}

// lastWordMsg is the protocol of an actor that answers one request and
// stops.
type lastWordMsg interface{ lastWordMsg() }

// lastWord is answered, and then its actor stops, in the same turn.
type lastWord struct {
	actor.Request[lastWordMsg, int]
	n int
}

func (lastWord) lastWordMsg() {}

// TestAskTargetAnswersThenStops checks that an actor that answers a
// request and stops in the same turn gives its asker the answer, not
// ErrDeadTarget: the asker learns of the stop ahead of its mailbox's
// other messages, the reply among them.
func TestAskTargetAnswersThenStops(t *testing.T) {
	sys := newSystem(t)
	const rounds = 200
	errs := make(chan []error, 1)
	spawn(t, sys, "asker", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("ask", func(f *fiber.Fiber) error {
				var failed []error
				for i := range rounds {
					target, err := actor.Spawn(sys, "", func() actor.Behavior[lastWordMsg] {
						return actor.BehaviorFunc[lastWordMsg](func(self *actor.Self[lastWordMsg], msg lastWordMsg) {
							if r, ok := msg.(lastWord); ok {
								actor.ReplyTo(self, r).Send(r.n)
								self.Stop()
							}
						})
					})
					if err != nil {
						return err
					}
					got, err := actor.Ask(f, target, lastWord{n: i})
					if err == nil && got != i {
						err = fmt.Errorf("round %d: got %d", i, got)
					}
					if err != nil {
						failed = append(failed, err)
					}
				}
				errs <- failed
				return nil
			})
		})
	}).Send("go")
	if failed := recv(t, errs, "the asks"); len(failed) > 0 {
		t.Fatalf("%d of %d asks failed though their target answered; first: %v", len(failed), rounds, failed[0])
	}
}
