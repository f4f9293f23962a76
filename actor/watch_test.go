package actor_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/supervision"
)

// watchMsg is the protocol of the watcher actor, which watches what it is
// told to and reports the notices it gets.
type watchMsg interface{ watchMsg() }

type (
	// gone is the notice of a watched actor's end.
	gone struct{ t actor.Terminated }
	// watchIt makes the watcher watch target; if inFiber, a fiber then
	// waits for the next notice with Receive.
	watchIt struct {
		actor.Request[watchMsg, struct{}]
		target  actor.Target
		inFiber bool
	}
	// unwatchIt makes the watcher unwatch target.
	unwatchIt struct {
		actor.Request[watchMsg, struct{}]
		target actor.Target
	}
	// askThenWatch makes a fiber of the watcher ask target and watch it
	// (before the Ask if watchFirst, after it otherwise), then ask each of
	// others once, so that the watcher has more idle request targets than
	// its host keeps watching.
	askThenWatch struct {
		actor.Request[watchMsg, struct{}]
		target     actor.Ref[numMsg]
		others     []actor.Ref[numMsg]
		watchFirst bool
	}
)

func (gone) watchMsg()         {}
func (watchIt) watchMsg()      {}
func (unwatchIt) watchMsg()    {}
func (askThenWatch) watchMsg() {}

// watcher returns the produce function of a watcher that sends the notices
// its behavior gets to toBehavior, and those its fibers get to toFiber.
func watcher(toBehavior, toFiber chan<- actor.Terminated) func() actor.Behavior[watchMsg] {
	return func() actor.Behavior[watchMsg] {
		notice := func(t actor.Terminated) watchMsg { return gone{t} }
		return actor.BehaviorFunc[watchMsg](func(self *actor.Self[watchMsg], msg watchMsg) {
			switch m := msg.(type) {
			case gone:
				toBehavior <- m.t
			case watchIt:
				self.Watch(m.target, notice)
				if m.inFiber {
					self.Go("waiter", func(f *fiber.Fiber) error {
						g, err := actor.Receive[gone](f)
						if err != nil {
							return err
						}
						toFiber <- g.t
						return nil
					})
				}
				_ = actor.ReplyTo(self, m).Send(struct{}{})
			case unwatchIt:
				self.Unwatch(m.target)
				_ = actor.ReplyTo(self, m).Send(struct{}{})
			case askThenWatch:
				reply := actor.ReplyTo(self, m)
				self.Go("asker", func(f *fiber.Fiber) error {
					if m.watchFirst {
						self.Watch(m.target, notice)
					}
					if _, err := actor.Ask(f, m.target, num{n: 1}); err != nil {
						return reply.Fail(err)
					}
					if !m.watchFirst {
						self.Watch(m.target, notice)
					}
					for _, o := range m.others {
						if _, err := actor.Ask(f, o, num{n: 2}); err != nil {
							return reply.Fail(err)
						}
					}
					return reply.Send(struct{}{})
				})
			}
		})
	}
}

// call makes a Call that must succeed.
func call[Q actor.RequestOf[P, R], P, R any](t *testing.T, to actor.Ref[P], req Q) R {
	t.Helper()
	r, err := actor.Call(ctxFor(t), to, req)
	if err != nil {
		t.Fatalf("Call(%v, %T) error = %v; want nil", to, req, err)
	}
	return r
}

// noTerminated fails t if ch holds a notice.
func noTerminated(t *testing.T, ch <-chan actor.Terminated, where string) {
	t.Helper()
	select {
	case n := <-ch:
		t.Errorf("notice %+v delivered to the %s; want none", n, where)
	default:
	}
}

// TestWatch checks where the notice of a watched actor goes: to the
// behavior, or to a fiber waiting for it with Receive (and then not to the
// behavior); the notice of an actor that does not exist; and that Unwatch
// ends a watch.
func TestWatch(t *testing.T) {
	t.Run("Behavior", func(t *testing.T) {
		sys := newSystem(t)
		toBehavior, toFiber := make(chan actor.Terminated, 4), make(chan actor.Terminated, 4)
		w := spawn(t, sys, "watcher", watcher(toBehavior, toFiber))
		target := spawn(t, sys, "target", counter)
		call(t, w, watchIt{target: target})
		stop(t, target)
		if n := recv(t, toBehavior, "the notice"); n.Actor != "nonhost/target" || n.Err != nil {
			t.Errorf("notice = %+v; want {Actor: nonhost/target, Err: nil}", n)
		}
		noTerminated(t, toFiber, "fibers")
	})
	t.Run("Fiber", func(t *testing.T) {
		sys := newSystem(t)
		toBehavior, toFiber := make(chan actor.Terminated, 4), make(chan actor.Terminated, 4)
		w := spawn(t, sys, "watcher", watcher(toBehavior, toFiber))
		target := spawn(t, sys, "target", counter)
		call(t, w, watchIt{target: target, inFiber: true})
		stop(t, target)
		if n := recv(t, toFiber, "the notice"); n.Actor != "nonhost/target" || n.Err != nil {
			t.Errorf("notice received by the fiber = %+v; want {Actor: nonhost/target, Err: nil}", n)
		}
		// Had the behavior got it too, it would have been in the turn that
		// woke the fiber, before the fiber ran.
		noTerminated(t, toBehavior, "behavior")
	})
	t.Run("NotFound", func(t *testing.T) {
		sys := newSystem(t)
		toBehavior, toFiber := make(chan actor.Terminated, 4), make(chan actor.Terminated, 4)
		w := spawn(t, sys, "watcher", watcher(toBehavior, toFiber))
		dead := spawn(t, sys, "dead", counter)
		stop(t, dead)
		call(t, w, watchIt{target: dead})
		if n := recv(t, toBehavior, "the notice"); n.Actor != "nonhost/dead" || !errors.Is(n.Err, actor.ErrDeadTarget) {
			t.Errorf("notice of a dead actor = %+v; want Actor nonhost/dead, Err matching actor.ErrDeadTarget", n)
		}
	})
	t.Run("Unwatch", func(t *testing.T) {
		sys := newSystem(t)
		toBehavior, toFiber := make(chan actor.Terminated, 4), make(chan actor.Terminated, 4)
		w := spawn(t, sys, "watcher", watcher(toBehavior, toFiber))
		unwatched := spawn(t, sys, "unwatched", counter)
		control := spawn(t, sys, "control", counter)
		call(t, w, watchIt{target: unwatched})
		call(t, w, watchIt{target: control})
		call(t, w, unwatchIt{target: unwatched})
		// Stopping unwatched first: a notice of it (if the watch were still
		// there) would be in the watcher's mailbox before control's.
		stop(t, unwatched)
		stop(t, control)
		if n := recv(t, toBehavior, "control's notice"); n.Actor != "nonhost/control" {
			t.Errorf("first notice after Unwatch(unwatched) = %+v; want control's", n)
		}
		noTerminated(t, toBehavior, "behavior")
	})
}

// TestWatchRequestTarget checks that a watch of an actor that is also a
// request target outlives the request: the bridge drops the watches of
// idle request targets once it has many, but not one made with Watch.
func TestWatchRequestTarget(t *testing.T) {
	const others = 70 // more request targets than a host keeps watching (64)
	for _, watchFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("watchFirst=%t", watchFirst), func(t *testing.T) {
			sys := newSystem(t)
			toBehavior, toFiber := make(chan actor.Terminated, 4), make(chan actor.Terminated, 4)
			w := spawn(t, sys, "watcher", watcher(toBehavior, toFiber))
			target := spawn(t, sys, "target", numEcho)
			echoes := make([]actor.Ref[numMsg], others)
			for i := range echoes {
				echoes[i] = spawn(t, sys, "", numEcho)
			}
			call(t, w, askThenWatch{target: target, others: echoes, watchFirst: watchFirst})
			stop(t, target)
			if n := recv(t, toBehavior, "the notice"); n.Actor != "nonhost/target" || n.Err != nil {
				t.Errorf("notice = %+v; want {Actor: nonhost/target, Err: nil}", n)
			}
		})
	}
}

// stoppable is an actor whose fiber, once started, blocks in an Await call
// that ignores its context until release is closed, so that stopping the
// actor takes as long as the test wants. If gate is not nil, its Stopped
// hook closes inStopped and waits for gate.
type stoppable struct {
	blocked, release, cleaned, stopped chan struct{}
	inStopped, gate                    chan struct{}
}

func newStoppable() *stoppable {
	return &stoppable{blocked: make(chan struct{}), release: make(chan struct{}), cleaned: make(chan struct{}),
		stopped: make(chan struct{}), inStopped: make(chan struct{})}
}

func (s *stoppable) behavior() actor.Behavior[struct{}] {
	return &hooked[struct{}]{name: "stoppable", log: new(eventLog),
		started: func(self *actor.Self[struct{}]) {
			self.Go("blocked", func(f *fiber.Fiber) error {
				defer close(s.cleaned)
				_, err := fiber.Await(f, func(context.Context) (struct{}, error) {
					close(s.blocked)
					<-s.release
					return struct{}{}, nil
				})
				return err
			})
		},
		stopped: func(*actor.Self[struct{}]) {
			if s.gate != nil {
				close(s.inStopped)
				<-s.gate
			}
			close(s.stopped)
		},
	}
}

// TestRefStop checks that Ref.Stop waits until the actor has stopped, its
// fibers' cleanups and its Stopped hook run, is safe to call again and
// while another call waits, and returns the cause of a context that is
// done first.
func TestRefStop(t *testing.T) {
	t.Run("Waits", func(t *testing.T) {
		sys := newSystem(t)
		s := newStoppable()
		ref := spawn(t, sys, "stoppable", s.behavior)
		recv(t, s.blocked, "the fiber to block")
		result := make(chan error, 1)
		go func() { result <- ref.Stop(ctxFor(t)) }()
		select {
		case err := <-result:
			t.Fatalf("Stop(ctx) = %v while the fiber's cleanup is blocked; want it to wait", err)
		default:
		}
		close(s.release)
		if err := recv(t, result, "Stop"); err != nil {
			t.Errorf("Stop(ctx) = %v; want nil", err)
		}
		if !isClosed(s.cleaned) || !isClosed(s.stopped) {
			t.Errorf("after Stop(ctx): cleanup ran = %t, Stopped ran = %t; want both", isClosed(s.cleaned), isClosed(s.stopped))
		}
		if err := ref.Stop(ctxFor(t)); err != nil {
			t.Errorf("Stop(ctx) of a stopped actor = %v; want nil", err)
		}
	})
	t.Run("CallWhileStopping", func(t *testing.T) {
		sys := newSystem(t)
		s := newStoppable()
		s.gate = make(chan struct{})
		openGate := sync.OnceFunc(func() { close(s.gate) })
		defer openGate()
		ref := spawn(t, sys, "stoppable", s.behavior)
		recv(t, s.blocked, "the fiber to block")
		first := make(chan error, 1)
		go func() { first <- ref.Stop(ctxFor(t)) }()
		close(s.release)
		recv(t, s.inStopped, "the Stopped hook")
		// The second Stop is made while Stopped runs; its context opens
		// the gate once Stop waits on it, so that Stopped can return.
		ctx := &probeCtx{Context: ctxFor(t), waiting: make(chan struct{})}
		go func() {
			<-ctx.waiting
			openGate()
		}()
		if err := ref.Stop(ctx); err != nil || !isClosed(s.stopped) {
			t.Errorf("Stop(ctx) made while Stopped runs = %v, Stopped had returned = %t; want nil, true", err, isClosed(s.stopped))
		}
		if err := recv(t, first, "the first Stop"); err != nil || !isClosed(s.stopped) {
			t.Errorf("first Stop(ctx) = %v, Stopped had returned = %t; want nil, true", err, isClosed(s.stopped))
		}
	})
	t.Run("ContextDone", func(t *testing.T) {
		sys := newSystem(t)
		s := newStoppable()
		ref := spawn(t, sys, "stoppable", s.behavior)
		recv(t, s.blocked, "the fiber to block")
		cause := errors.New("no time to wait")
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		if err := ref.Stop(ctx); !errors.Is(err, cause) {
			t.Errorf("Stop(done ctx) = %v; want an error matching its cause", err)
		}
		close(s.release) // the actor stops all the same
		recv(t, s.stopped, "the actor to stop")
		if err := ref.Stop(ctxFor(t)); err != nil {
			t.Errorf("Stop(ctx) after a Stop that gave up = %v; want nil", err)
		}
	})
	t.Run("ZeroRef", func(t *testing.T) {
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "actor: ") {
				t.Errorf("Stop on a zero Ref panicked with %v; want an \"actor: \" panic", r)
			}
		}()
		var zero actor.Ref[int]
		_ = zero.Stop(context.Background())
	})
}

// TestFiberCancelCause checks the cause a fiber's waits report when its
// actor ends: actor.ErrStopped when it stops (whoever stops it) and
// actor.ErrRestarted when its supervisor restarts it.
func TestFiberCancelCause(t *testing.T) {
	tests := []struct {
		name      string
		end       func(t *testing.T, sys *actor.System, ref actor.Ref[lifeMsg])
		cause     error
		other     error
		restarted bool
	}{
		{name: "RefStop", end: func(t *testing.T, _ *actor.System, ref actor.Ref[lifeMsg]) { stop(t, ref) }, cause: actor.ErrStopped, other: actor.ErrRestarted},
		{name: "SelfStop", end: func(_ *testing.T, _ *actor.System, ref actor.Ref[lifeMsg]) { ref.Send(bump{-1}) }, cause: actor.ErrStopped, other: actor.ErrRestarted},
		{name: "Shutdown", end: func(t *testing.T, sys *actor.System, _ actor.Ref[lifeMsg]) {
			if err := sys.Shutdown(ctxFor(t)); err != nil {
				t.Errorf("Shutdown(ctx) = %v; want nil", err)
			}
		}, cause: actor.ErrStopped, other: actor.ErrRestarted},
		{name: "Restart", end: func(_ *testing.T, _ *actor.System, ref actor.Ref[lifeMsg]) { ref.Send(crash{}) }, cause: actor.ErrRestarted, other: actor.ErrStopped, restarted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := newSystem(t)
			type waits struct{ sleep, await, ctx error }
			results := make(chan waits, 2)
			started := make(chan struct{}, 2)
			var once sync.Once
			ref := spawn(t, sys, "ending", func() actor.Behavior[lifeMsg] {
				first := false
				once.Do(func() { first = true })
				return &hooked[lifeMsg]{name: "ending", log: new(eventLog),
					started: func(self *actor.Self[lifeMsg]) {
						if !first {
							started <- struct{}{} // the restarted incarnation
							return
						}
						self.Go("sleeper", func(f *fiber.Fiber) error {
							var w waits
							defer func() { results <- w }()
							child := f.Spawn("awaiter", func(f *fiber.Fiber) error {
								_, w.await = fiber.Await(f, func(ctx context.Context) (struct{}, error) {
									<-ctx.Done()
									return struct{}{}, context.Cause(ctx)
								})
								return nil
							})
							w.sleep = f.Sleep(time.Hour)
							_ = f.Join(child)
							w.ctx = context.Cause(f.Context())
							return nil
						})
						started <- struct{}{}
					},
					receive: func(self *actor.Self[lifeMsg], msg lifeMsg) {
						switch m := msg.(type) {
						case bump:
							if m.n < 0 {
								self.Stop()
							}
						case crash:
							panic("ending crash")
						}
					},
				}
			})
			recv(t, started, "the fibers to start")
			tt.end(t, sys, ref)
			w := recv(t, results, "the fibers' errors")
			for _, c := range []struct {
				what string
				err  error
			}{{"Sleep", w.sleep}, {"Await in a child fiber", w.await}, {"context.Cause(f.Context())", w.ctx}} {
				if !errors.Is(c.err, tt.cause) || errors.Is(c.err, tt.other) {
					t.Errorf("%s error = %v; want one matching %v (not %v)", c.what, c.err, tt.cause, tt.other)
				}
				if c.what == "Sleep" && !errors.Is(c.err, context.Canceled) {
					t.Errorf("%s error = %v; want one matching context.Canceled", c.what, c.err)
				}
			}
			if tt.restarted {
				recv(t, started, "the restarted incarnation")
			}
		})
	}
}

// TestFiberErrorLogged checks that an error returned by a fiber of Go is
// logged with the actor's and the fiber's names, and that nil and a
// fiber's cancellation error are not.
func TestFiberErrorLogged(t *testing.T) {
	h := newRecordHandler(slog.LevelDebug)
	sys := newSystem(t, actor.WithLogger(slog.New(h)))
	ref := spawn(t, sys, "worker", func() actor.Behavior[counterMsg] {
		return &hooked[counterMsg]{name: "worker", log: new(eventLog), started: func(self *actor.Self[counterMsg]) {
			self.Go("failing", func(*fiber.Fiber) error { return fmt.Errorf("wrapped: %w", errMine) })
			self.Go("fine", func(*fiber.Fiber) error { return nil })
			self.Go("sleeper", func(f *fiber.Fiber) error { return f.Sleep(time.Hour) })
		}, receive: counter().Receive}
	})
	call(t, ref, get{}) // Started, and the failing fiber, ran before
	stop(t, ref)        // the sleeper returns its cancellation error
	recs := h.records("weft: fiber failed")
	if len(recs) != 1 {
		t.Fatalf("records of %q = %d; want 1 (all records: %q)", "weft: fiber failed", len(recs), h.messages())
	}
	r := recs[0]
	if r.Level != slog.LevelError || attr(r, "actor") != "nonhost/worker" || attr(r, "fiber") != "failing" {
		t.Errorf("record = %v, actor %v, fiber %v; want ERROR, nonhost/worker, failing", r.Level, attr(r, "actor"), attr(r, "fiber"))
	}
	if err, _ := attr(r, "error").(error); !errors.Is(err, errMine) {
		t.Errorf("record error = %v; want one matching errMine", attr(r, "error"))
	}
}

// TestEscalateFiberErrors checks that with EscalateFiberErrors the error
// of a fiber fails the actor, whose supervisor receives a *FiberError, and
// that without it the actor goes on.
func TestEscalateFiberErrors(t *testing.T) {
	for _, escalate := range []bool{true, false} {
		t.Run(fmt.Sprintf("escalate=%t", escalate), func(t *testing.T) {
			sys := newSystem(t)
			strategy, failures := recordingStrategy(supervision.Stop, 4)
			opts := []actor.SpawnOption{actor.WithSupervisor(strategy)}
			if escalate {
				opts = append(opts, actor.EscalateFiberErrors())
			}
			stopped := make(chan struct{})
			ref := spawn(t, sys, "escalating", func() actor.Behavior[counterMsg] {
				return &hooked[counterMsg]{name: "escalating", log: new(eventLog),
					receive: func(self *actor.Self[counterMsg], msg counterMsg) {
						if _, ok := msg.(add); ok {
							self.Go("failing", func(*fiber.Fiber) error { return errMine })
							return
						}
						counter().Receive(self, msg)
					},
					stopped: func(*actor.Self[counterMsg]) { close(stopped) },
				}
			}, opts...)
			ref.Send(add{n: 1})
			if !escalate {
				// The failure, had there been one, would have happened in
				// the turn of add, before the turn of get.
				if _, err := actor.Call(ctxFor(t), ref, get{}); err != nil {
					t.Errorf("Call(get) after a fiber error = %v; want nil", err)
				}
				select {
				case f := <-failures:
					t.Errorf("failure %T %v without EscalateFiberErrors; want none", f.reason, f.reason)
				default:
				}
				return
			}
			f := recv(t, failures, "the failure")
			fe, ok := f.reason.(*actor.FiberError)
			if !ok {
				t.Fatalf("failure reason = %T %v; want a *actor.FiberError", f.reason, f.reason)
			}
			if fe.Actor != ref.String() || fe.Fiber != "failing" || !errors.Is(fe, errMine) || !f.who.Equal(ref.PID()) {
				t.Errorf("FiberError = %+v of %v; want Actor %v, Fiber failing, Err errMine", fe, f.who, ref)
			}
			if msg := fe.Error(); !strings.Contains(msg, ref.String()) || !strings.Contains(msg, `"failing"`) || !strings.Contains(msg, errMine.Error()) {
				t.Errorf("FiberError.Error() = %q; want the actor, the fiber and the error", msg)
			}
			recv(t, stopped, "the stop directive")
		})
	}
}

// TestActorFailureLogged checks that an actor's failure is logged once its
// supervisor has decided, with the actor, the directive and the reason:
// by protoactor's default strategy (a restart) and by a strategy of
// package supervision (a stop).
func TestActorFailureLogged(t *testing.T) {
	for _, tt := range []struct {
		name, directive string
		opts            []actor.SpawnOption
	}{
		{"default", "Restart", nil},
		{"supervision", "Stop", []actor.SpawnOption{actor.WithSupervisor(supervision.OneForOne(supervision.WithDecider(supervision.Always(supervision.Stop))))}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newRecordHandler(slog.LevelDebug)
			sys := newSystem(t, actor.WithLogger(slog.New(h)))
			ref := spawn(t, sys, "fragile", func() actor.Behavior[counterMsg] {
				return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
					if _, ok := msg.(add); ok {
						panic(errMine)
					}
					counter().Receive(self, msg)
				})
			}, tt.opts...)
			ref.Send(add{n: 1})
			ctx, cancel := context.WithTimeout(context.Background(), patience)
			defer cancel()
			// The decision is logged on the supervisor's goroutine before the
			// restart or the stop: the Call after the failing message returns
			// after it (answered by the new incarnation, or failed by the
			// stop).
			_, _ = actor.Call(ctx, ref, get{})
			if err := ref.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			recs := h.records("weft: actor failed")
			if len(recs) != 1 {
				t.Fatalf("records of %q = %d; want 1 (all records: %q)", "weft: actor failed", len(recs), h.messages())
			}
			r := recs[0]
			if r.Level != slog.LevelError || attr(r, "actor") != "nonhost/fragile" || attr(r, "directive") != tt.directive {
				t.Errorf("record = %v, actor %v, directive %v; want ERROR, nonhost/fragile, %s", r.Level, attr(r, "actor"), attr(r, "directive"), tt.directive)
			}
			if err, _ := attr(r, "reason").(error); !errors.Is(err, errMine) {
				t.Errorf("record reason = %v; want errMine", attr(r, "reason"))
			}
		})
	}
}
