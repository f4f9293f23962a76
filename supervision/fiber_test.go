package supervision_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/suptest"
	"github.com/weft-go/weft/supervision"
)

// script returns a child fiber function that plays one step per
// incarnation: "panic", "error", "nil", or "sleep" (until cancelled); each
// incarnation records its start (with the virtual time) and its cleanup.
func script(p *suptest.Probe, steps ...string) func(*fiber.Fiber) error {
	n := 0
	return func(f *fiber.Fiber) error {
		n++
		i := n
		p.AddAt(fmt.Sprintf("child:start#%d", i))
		defer p.Add("child:cleanup#%d", i)
		step := "nil"
		if i <= len(steps) {
			step = steps[i-1]
		}
		switch step {
		case "panic":
			panic(fmt.Sprintf("panic #%d", i))
		case "error":
			return fmt.Errorf("error #%d", i)
		case "sleep":
			return f.Sleep(time.Hour)
		case "quiet":
			if err := f.Sleep(10 * time.Second); err != nil {
				return err
			}
			return errors.New("late error")
		}
		return nil
	}
}

var fiberBackoff = supervision.WithBackoff(supervision.Backoff{Base: 100 * time.Millisecond, ResetAfter: 5 * time.Second})

// TestFiber pins the fiber-level supervisor: restart kinds, decider,
// intensity and backoff, with the virtual times of each incarnation.
func TestFiber(t *testing.T) {
	tests := []struct {
		name  string
		steps []string
		opts  []supervision.Option
		log   []string
		err   string
	}{
		{"transient: restarted after failures, done after success", []string{"panic", "error", "nil"}, []supervision.Option{fiberBackoff},
			[]string{"child:start#1@0s", "child:cleanup#1", "child:start#2@100ms", "child:cleanup#2", "child:start#3@300ms", "child:cleanup#3"}, ""},
		{"permanent: restarted after success, until the intensity is exceeded", nil,
			[]supervision.Option{supervision.WithRestart(supervision.Permanent), supervision.WithIntensity(2, time.Minute)},
			[]string{"child:start#1@0s", "child:cleanup#1", "child:start#2@0s", "child:cleanup#2", "child:start#3@0s", "child:cleanup#3"},
			`supervision: restart intensity exceeded: "child" needed more than 2 restart(s) within 1m0s; last reason: <nil>`},
		{"temporary: never restarted", []string{"error"}, []supervision.Option{supervision.WithRestart(supervision.Temporary)},
			[]string{"child:start#1@0s", "child:cleanup#1"}, "error #1"},
		{"decider stops", []string{"error", "error"}, []supervision.Option{supervision.WithDecider(supervision.Always(supervision.Stop))},
			[]string{"child:start#1@0s", "child:cleanup#1"}, "error #1"},
		{"resume restarts", []string{"error", "nil"}, []supervision.Option{supervision.WithDecider(supervision.Always(supervision.Resume))},
			[]string{"child:start#1@0s", "child:cleanup#1", "child:start#2@0s", "child:cleanup#2"}, ""},
		{"intensity exceeded by failures", []string{"error", "error", "error"}, []supervision.Option{fiberBackoff, supervision.WithIntensity(2, time.Minute)},
			[]string{"child:start#1@0s", "child:cleanup#1", "child:start#2@100ms", "child:cleanup#2", "child:start#3@300ms", "child:cleanup#3"},
			`supervision: restart intensity exceeded: "child" needed more than 2 restart(s) within 1m0s; last reason: error #3`},
		{"backoff reset after a quiet period", []string{"error", "error", "quiet", "error", "nil"}, []supervision.Option{fiberBackoff},
			[]string{"child:start#1@0s", "child:cleanup#1", "child:start#2@100ms", "child:cleanup#2", "child:start#3@300ms", "child:cleanup#3",
				"child:start#4@10.4s", "child:cleanup#4", "child:start#5@10.6s", "child:cleanup#5"}, ""},
	}
	for _, tt := range tests {
		suptest.Bubble(t, tt.name, func(t *testing.T) {
			p := suptest.NewProbe()
			err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
				return supervision.Fiber(f, "child", script(p, tt.steps...), tt.opts...)
			})
			if got := fmt.Sprint(err); (tt.err == "" && err != nil) || (tt.err != "" && got != tt.err) {
				t.Errorf("Fiber = %v; want %q", err, tt.err)
			}
			if got := p.Take(); !slices.Equal(got, tt.log) {
				t.Errorf("log = %q; want %q", got, tt.log)
			}
		})
	}
}

// TestFiberErrors checks the errors Fiber returns: the PanicError of a
// panicking child the decider stops, the ExceededError, and the
// cancellation error of a cancelled parent (the child's cleanup has run).
func TestFiberErrors(t *testing.T) {
	suptest.Bubble(t, "panic", func(t *testing.T) {
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			return supervision.Fiber(f, "child", script(suptest.NewProbe(), "panic"), supervision.WithDecider(supervision.Always(supervision.Escalate)))
		})
		var pe *fiber.PanicError
		if !errors.As(err, &pe) || pe.Fiber != "child" || pe.Value != "panic #1" {
			t.Errorf("Fiber = %v; want the child's PanicError", err)
		}
	})
	suptest.Bubble(t, "exceeded", func(t *testing.T) {
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			return supervision.Fiber(f, "child", script(suptest.NewProbe(), "error"), supervision.WithIntensity(0, 0))
		})
		var ex *supervision.ExceededError
		if !errors.Is(err, supervision.ErrIntensityExceeded) || !errors.As(err, &ex) || ex.Name != "child" || ex.Child != nil {
			t.Errorf("Fiber = %v; want an ExceededError", err)
		}
	})
	for _, steps := range [][]string{{"sleep"}, {"error"}} {
		suptest.Bubble(t, "cancelled while "+steps[0], func(t *testing.T) {
			p := suptest.NewProbe()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			var got error
			err := fiber.Run(ctx, func(f *fiber.Fiber) error {
				got = supervision.Fiber(f, "child", script(p, steps...), supervision.WithBackoff(supervision.Backoff{Base: time.Second}))
				return got
			})
			if !errors.Is(got, context.DeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Fiber = %v, Run = %v; want DeadlineExceeded", got, err)
			}
			if log := p.Take(); !slices.Equal(log, []string{"child:start#1@0s", "child:cleanup#1"}) {
				t.Errorf("log = %q", log)
			}
		})
	}
}

// TestFiberInActor checks that a fiber supervisor inside an actor waits
// out its backoff without blocking the actor, which keeps serving its
// mailbox, and that the actor's stop cancels it and runs the cleanups.
func TestFiberInActor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		ref, err := actor.Spawn(sys, "host", func() actor.Behavior[string] {
			return &fiberHost{p: p}
		})
		if err != nil {
			t.Fatal(err)
		}
		p.WaitFor(t, "child:start#2") // at 1s
		ref.Send("ping")              // served while the supervisor waits 2s
		p.WaitFor(t, "host:ping")
		p.WaitFor(t, "child:start#3")
		synctest.Wait()
		want := []string{"child:start#1@0s", "child:cleanup#1", "child:start#2@1s", "child:cleanup#2", "host:ping@1s", "child:start#3@3s", "child:cleanup#3"}
		if got := p.Take(); !slices.Equal(got, want) {
			t.Errorf("log = %q; want %q", got, want)
		}
		ref.Send("stop") // during the 4s backoff
		p.WaitFor(t, "host:supervisor")
		if got := p.Take(); !slices.Equal(got, []string{"host:supervisor: canceled=true"}) {
			t.Errorf("log = %q", got)
		}
	})
}

// fiberHost runs a fiber supervisor whose child always fails.
type fiberHost struct{ p *suptest.Probe }

func (h *fiberHost) Started(self *actor.Self[string]) {
	self.Go("supervisor", func(f *fiber.Fiber) error {
		err := supervision.Fiber(f, "child", script(h.p, "error", "error", "error", "sleep"),
			supervision.WithBackoff(supervision.Backoff{Base: time.Second}))
		h.p.Add("host:supervisor: canceled=%v", errors.Is(err, context.Canceled))
		return nil
	})
}

func (h *fiberHost) Receive(self *actor.Self[string], msg string) {
	switch msg {
	case "ping":
		h.p.AddAt("host:ping")
	case "stop":
		self.Stop()
	}
}
