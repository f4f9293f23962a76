package actor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/supervision"
)

// isCancel reports whether err is what a fiber's suspension point returns
// when its actor stops (cause actor.ErrStopped) or restarts (cause
// actor.ErrRestarted).
func isCancel(err, cause error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(err, cause)
}

func TestLifecycleStop(t *testing.T) {
	sys := newSystem(t)
	var log eventLog
	errs := make(chan error, 2)
	ref := spawn(t, sys, "life", func() actor.Behavior[int] {
		return &hooked[int]{name: "life", log: &log, started: func(self *actor.Self[int]) {
			self.Go("sleeper", func(f *fiber.Fiber) error {
				defer log.add("sleeper:cleanup")
				f.Spawn("receiver", func(f *fiber.Fiber) error {
					defer log.add("receiver:cleanup")
					_, err := actor.Receive[string](f)
					errs <- err
					return err
				})
				err := f.Sleep(patience)
				errs <- err
				return err
			})
		}}
	})
	stop(t, ref)
	got := log.get()
	// The two fibers' cleanups run between Stopping and Stopped, in the
	// scheduler's order.
	if len(got) == 5 {
		slices.Sort(got[2:4])
	}
	want := []string{"life:Started", "life:Stopping", "receiver:cleanup", "sleeper:cleanup", "life:Stopped"}
	if !slices.Equal(got, want) {
		t.Errorf("hooks and cleanups = %q; want %q", got, want)
	}
	for range 2 {
		if err := recv(t, errs, "a fiber's wait error"); !isCancel(err, actor.ErrStopped) {
			t.Errorf("wait of a fiber of a stopped actor error = %v; want context.Canceled and actor.ErrStopped", err)
		}
	}
}

// lifeMsg is the protocol of the restarting actor of TestLifecycleRestart.
type lifeMsg interface{ lifeMsg() }

type (
	bump  struct{ n int }                       // adds n to the state
	state struct{ actor.Request[lifeMsg, int] } // asks for the state
	crash struct{}                              // the handler panics
)

func (bump) lifeMsg()  {}
func (state) lifeMsg() {}
func (crash) lifeMsg() {}

func TestLifecycleRestart(t *testing.T) {
	sys := newSystem(t)
	var log eventLog
	var produced atomic.Int32
	started := make(chan int, 2)
	sleepErrs := make(chan error, 2)
	ref := spawn(t, sys, "phoenix", func() actor.Behavior[lifeMsg] {
		inc := int(produced.Add(1))
		name := fmt.Sprintf("#%d", inc)
		n := 0 // each incarnation has its own
		return &hooked[lifeMsg]{name: name, log: &log,
			started: func(self *actor.Self[lifeMsg]) {
				self.Go("sleeper", func(f *fiber.Fiber) error {
					defer log.add(name + ":cleanup")
					err := f.Sleep(patience)
					sleepErrs <- err
					return err
				})
				started <- inc
			},
			receive: func(self *actor.Self[lifeMsg], msg lifeMsg) {
				switch m := msg.(type) {
				case bump:
					n += m.n
				case state:
					_ = actor.ReplyTo(self, m).Send(n)
				case crash:
					panic("boom")
				}
			},
		}
	})
	if inc := recv(t, started, "Started"); inc != 1 {
		t.Fatalf("first Started from incarnation %d; want 1", inc)
	}
	ref.Send(bump{5})
	if n, err := actor.Call(ctxFor(t), ref, state{}); n != 5 || err != nil {
		t.Fatalf("Call(phoenix, state) = %d, %v; want 5, nil", n, err)
	}
	ref.Send(crash{}) // the handler panics; the default strategy restarts
	if inc := recv(t, started, "Started after the restart"); inc != 2 {
		t.Fatalf("second Started from incarnation %d; want 2", inc)
	}
	if n, err := actor.Call(ctxFor(t), ref, state{}); n != 0 || err != nil {
		t.Errorf("Call(phoenix, state) after the restart = %d, %v; want 0 (fresh state), nil", n, err)
	}
	if got := produced.Load(); got != 2 {
		t.Errorf("produce called %d times; want 2", got)
	}
	if err := recv(t, sleepErrs, "the old sleeper's error"); !isCancel(err, actor.ErrRestarted) {
		t.Errorf("Sleep of a fiber of the failed incarnation error = %v; want context.Canceled and actor.ErrRestarted", err)
	}
	stop(t, ref)
	want := []string{
		"#1:Started", "#1:Restarting", "#1:cleanup",
		"#2:Started", "#2:Stopping", "#2:cleanup", "#2:Stopped",
	}
	if got := log.get(); !slices.Equal(got, want) {
		t.Errorf("hooks and cleanups = %q; want %q", got, want)
	}
}

// numMsg is the protocol of the number echo: a request answered with its
// number.
type numMsg interface{ numMsg() }

type num struct {
	actor.Request[numMsg, int]
	n int
}

func (num) numMsg() {}

// numEcho returns the behavior of an actor that answers each num with its n.
func numEcho() actor.Behavior[numMsg] {
	return actor.BehaviorFunc[numMsg](func(self *actor.Self[numMsg], msg numMsg) {
		if m, ok := msg.(num); ok {
			_ = actor.ReplyTo(self, m).Send(m.n)
		}
	})
}

func TestFibersRunInsideTurns(t *testing.T) {
	sys := newSystem(t)
	echo := spawn(t, sys, "echo", numEcho)
	const msgs = 300
	done := make(chan int, 1)
	errs := make(chan error, msgs)
	ref := spawn(t, sys, "busy", func() actor.Behavior[int] {
		// The actor's state, shared by the handler and the fibers without
		// locks: the race detector checks that they never run at once.
		n, live, got, reported := 0, 0, 0, false
		finish := func() {
			if got == msgs && live == 0 && !reported {
				reported = true
				done <- n
			}
		}
		return actor.BehaviorFunc[int](func(self *actor.Self[int], i int) {
			got++
			n++
			live++
			self.Go(fmt.Sprint("worker-", i), func(f *fiber.Fiber) error {
				defer func() {
					live--
					finish()
				}()
				step := func(what string, err error) error {
					if err != nil {
						return fmt.Errorf("%s: %w", what, err)
					}
					if bridge.HostOf(f).Turn() == nil {
						return fmt.Errorf("fiber %s resumed outside a turn after %s", f.Name(), what)
					}
					n++
					return nil
				}
				if err := step("spawn", nil); err != nil {
					return err
				}
				if err := step("Yield", f.Yield()); err != nil {
					return err
				}
				if err := step("Sleep", f.Sleep(time.Microsecond)); err != nil {
					return err
				}
				r, err := actor.Ask(f, echo, num{n: i})
				if err == nil && r != i {
					err = fmt.Errorf("got %d; want %d", r, i)
				}
				if err := step("Ask", err); err != nil {
					errs <- err
					return err
				}
				return nil
			})
		})
	})
	for i := range msgs {
		ref.Send(i)
	}
	if n := recv(t, done, "every fiber to finish"); n != msgs*5 {
		t.Errorf("state after %d messages with a fiber each = %d; want %d", msgs, n, msgs*5)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// wordMsg is a protocol of words, and a request answered with a string.
type wordMsg interface{ wordMsg() }

type (
	word    string   // a plain message
	wordReq struct { // a request: answered with a string
		actor.Request[wordMsg, string]
		s string
	}
)

func (word) wordMsg()    {}
func (wordReq) wordMsg() {}

func TestSelfStop(t *testing.T) {
	sys := newSystem(t)
	var log eventLog
	stopped := make(chan struct{})
	ref := spawn(t, sys, "quitter", func() actor.Behavior[wordMsg] {
		return &hooked[wordMsg]{name: "quitter", log: &log,
			receive: func(self *actor.Self[wordMsg], msg wordMsg) {
				if msg == word("stop") {
					self.Stop()
					log.add("after Stop") // the turn goes on
					return
				}
				log.add(fmt.Sprint("got ", msg))
			},
			stopped: func(*actor.Self[wordMsg]) { close(stopped) },
		}
	})
	ref.Send(word("a"))
	ref.Send(word("stop"))
	ref.Send(word("b")) // after the stop: never handled
	recv(t, stopped, "Stopped")
	want := []string{"quitter:Started", "got a", "after Stop", "quitter:Stopping", "quitter:Stopped"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Errorf("events = %q; want %q", got, want)
	}
	if _, err := actor.Call(ctxFor(t), ref, wordReq{s: "c"}); !errors.Is(err, actor.ErrDeadTarget) {
		t.Errorf("Call(stopped actor) error = %v; want actor.ErrDeadTarget", err)
	}
}

// TestReplyToAndAsker answers requests from the handler and from a fiber
// (before its first suspension), and checks that a request sent with Send
// has no asker.
func TestReplyToAndAsker(t *testing.T) {
	sys := newSystem(t)
	answered := make(chan error, 4) // what the first answer returned
	ref := spawn(t, sys, "responder", func() actor.Behavior[wordMsg] {
		return actor.BehaviorFunc[wordMsg](func(self *actor.Self[wordMsg], msg wordMsg) {
			m, ok := msg.(wordReq)
			if !ok {
				return
			}
			reply := actor.ReplyTo(self, m)
			if m.s == "fiber" {
				self.Go("replier", func(*fiber.Fiber) error {
					answered <- reply.Send("from a fiber") // before its first suspension: same turn
					return nil
				})
				return
			}
			answered <- reply.Send("re: " + m.s)
		})
	})
	ref.Send(wordReq{s: "plain"})
	if err := recv(t, answered, "the plain message"); !errors.Is(err, actor.ErrNoAsker) {
		t.Errorf("Reply.Send of a request sent with Send = %v; want actor.ErrNoAsker", err)
	}
	for _, tt := range []struct{ msg, want string }{
		{"call", "re: call"},
		{"fiber", "from a fiber"},
	} {
		got, err := actor.Call(ctxFor(t), ref, wordReq{s: tt.msg})
		if got != tt.want || err != nil {
			t.Errorf("Call(responder, %q) = %q, %v; want %q, nil", tt.msg, got, err, tt.want)
		}
		if err := recv(t, answered, "the call"); err != nil {
			t.Errorf("Reply.Send for Call(%q) = %v; want nil", tt.msg, err)
		}
	}
}

// failure is what a recordingStrategy saw.
type failure struct {
	who     *pa.PID
	reason  any
	message any
}

// recordingStrategy returns a strategy that applies directive to every
// failure and records each on the returned channel.
func recordingStrategy(directive supervision.Directive, buffer int) (*supervision.Strategy, chan failure) {
	failures := make(chan failure, buffer)
	return supervision.OneForOne(supervision.WithDecider(supervision.Always(directive)),
		supervision.WithObserver(func(e supervision.Event) {
			failures <- failure{who: e.Child, reason: e.Reason, message: e.Message}
		})), failures
}

// bombMsg is the protocol of the bomb actor.
type bombMsg interface{ bombMsg() }

type (
	panicNow struct{} // the handler panics with "boom"
	detonate struct{} // the "bomber" fiber receives it and panics with "kaboom"
)

func (panicNow) bombMsg() {}
func (detonate) bombMsg() {}

func TestFailureGoesToSupervisor(t *testing.T) {
	tests := []struct {
		name      string
		msg       bombMsg
		directive supervision.Directive
		check     func(reason any) string // "" if the reason is right
		want      []string
	}{
		{
			name: "HandlerPanicStop", msg: panicNow{}, directive: supervision.Stop,
			check: func(reason any) string {
				if reason != "boom" {
					return fmt.Sprintf("%#v; want %q", reason, "boom")
				}
				return ""
			},
			want: []string{"#1:Started", "#1:Stopping", "#1:cleanup", "#1:Stopped"},
		},
		{
			name: "FiberPanicStop", msg: detonate{}, directive: supervision.Stop,
			want: []string{"#1:Started", "#1:Stopping", "#1:cleanup", "#1:Stopped"},
		},
		{
			name: "FiberPanicRestart", msg: detonate{}, directive: supervision.Restart,
			want: []string{"#1:Started", "#1:Restarting", "#1:cleanup", "#2:Started"},
		},
	}
	fiberPanic := func(reason any) string {
		pe, ok := reason.(*fiber.PanicError)
		if !ok {
			return fmt.Sprintf("%T %v; want a *fiber.PanicError", reason, reason)
		}
		if pe.Fiber != "bomber" || pe.Value != "kaboom" || !strings.Contains(string(pe.Stack), "behavior_test.go") {
			return fmt.Sprintf("PanicError{Fiber: %q, Value: %v, Stack: %d bytes}; want fiber %q, value %q, a stack through behavior_test.go",
				pe.Fiber, pe.Value, len(pe.Stack), "bomber", "kaboom")
		}
		return ""
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.check == nil {
				tt.check = fiberPanic
			}
			sys := newSystem(t)
			var log eventLog
			strategy, failures := recordingStrategy(tt.directive, 10)
			settled := make(chan struct{}) // the last hook of want ran
			settle := sync.OnceFunc(func() { close(settled) })
			var produced atomic.Int32
			ref := spawn(t, sys, "bomb", func() actor.Behavior[bombMsg] {
				inc := produced.Add(1)
				name := fmt.Sprintf("#%d", inc)
				return &hooked[bombMsg]{name: name, log: &log,
					started: func(self *actor.Self[bombMsg]) {
						if inc == 2 {
							settle()
							return
						}
						self.Go("bystander", func(f *fiber.Fiber) error {
							defer log.add(name + ":cleanup")
							return f.Sleep(patience)
						})
						self.Go("bomber", func(f *fiber.Fiber) error {
							if _, err := actor.Receive[detonate](f); err != nil {
								return err
							}
							panic("kaboom")
						})
					},
					receive: func(self *actor.Self[bombMsg], msg bombMsg) {
						if _, ok := msg.(panicNow); ok {
							panic("boom")
						}
					},
					stopped: func(*actor.Self[bombMsg]) { settle() },
				}
			}, actor.WithSupervisor(strategy))
			ref.Send(tt.msg)
			f := recv(t, failures, "the failure")
			if problem := tt.check(f.reason); problem != "" {
				t.Errorf("failure reason = %s", problem)
			}
			if !f.who.Equal(ref.PID()) {
				t.Errorf("failure who = %v; want %v", f.who, ref.PID())
			}
			if f.message != tt.msg {
				t.Errorf("failure message = %#v; want %#v", f.message, tt.msg)
			}
			recv(t, settled, "the directive's effect")
			select {
			case f := <-failures:
				t.Errorf("second failure: %v %T %v; want none", f.who, f.reason, f.reason)
			default:
			}
			if got := log.get(); !slices.Equal(got, tt.want) {
				t.Errorf("hooks and cleanups = %q; want %q", got, tt.want)
			}
		})
	}
}
