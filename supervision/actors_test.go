package supervision_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/suptest"
	"github.com/weft-go/weft/supervision"
)

// TestPoliciesWithActors pins the restart sets of each policy with real
// Weft actors: every restarted child goes through Restarting, the
// cancellation of its fibers (their deferred cleanups run) and Started of
// a new incarnation; the others are untouched.
func TestPoliciesWithActors(t *testing.T) {
	tests := []struct {
		policy    func(...supervision.Option) *supervision.Strategy
		restarted []string
	}{
		{supervision.OneForOne, []string{"b"}},
		{supervision.AllForOne, []string{"a", "b", "c", "d"}},
		{supervision.RestForOne, []string{"b", "c", "d"}},
	}
	for _, tt := range tests {
		for _, msg := range []string{"boom", "fiberboom"} {
			s := tt.policy()
			suptest.Bubble(t, s.Policy().String()+"/"+msg, func(t *testing.T) {
				sys := actor.NewSystem()
				defer suptest.Shutdown(t, sys)
				p := suptest.NewProbe()
				_, kids := suptest.SpawnParent(t, sys, s, p, false, "a", "b", "c", "d")
				synctest.Wait()
				p.Take()
				kids["b"].Send(msg)
				synctest.Wait()
				log := p.Take()
				for _, n := range []string{"a", "b", "c", "d"} {
					var want []string
					if strings.Contains(strings.Join(tt.restarted, ""), n) {
						want = suptest.Restarted(n, 1)
					}
					if got := suptest.Filter(log, n); !slices.Equal(got, want) {
						t.Errorf("%s: log = %q; want %q", n, got, want)
					}
				}
			})
		}
	}
}

// TestFiberPanicReason checks that the reason of a fiber's panic is the
// *fiber.PanicError, with the fiber's name and panic value.
func TestFiberPanicReason(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		var reason any
		s := supervision.OneForOne(supervision.WithObserver(func(e supervision.Event) { reason = e.Reason }))
		_, kids := suptest.SpawnParent(t, sys, s, p, false, "a")
		kids["a"].Send("fiberboom")
		synctest.Wait()
		var pe *fiber.PanicError
		if err, _ := reason.(error); !errors.As(err, &pe) || pe.Fiber != "bomb" || pe.Value != "fiber boom a" {
			t.Errorf("reason = %v; want the fiber's PanicError", reason)
		}
	})
}

// TestEscalationAfterIntensity checks that a child failing more than the
// intensity allows escalates to the parent's supervisor with an
// ExceededError, which then stops the parent and its children, and that
// failures spread out over time do not.
func TestEscalationAfterIntensity(t *testing.T) {
	suptest.Bubble(t, "burst", func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		_, kids := suptest.SpawnParent(t, sys, supervision.OneForOne(supervision.WithIntensity(2, time.Minute)), p, false, "a", "b")
		synctest.Wait()
		p.Take()
		for range 3 {
			kids["a"].Send("boom")
			synctest.Wait()
		}
		log := p.Take()
		want := `root:supervision: restart intensity exceeded: "root/parent/a" needed more than 2 restart(s) within 1m0s; last reason: boom a`
		if g := suptest.Filter(log, "root"); len(g) != 1 || g[0] != want {
			t.Errorf("root log = %q; want [%q]", g, want)
		}
		wantA := append(append(suptest.Restarted("a", 1), suptest.Restarted("a", 2)...), "a:cleanup#3", "a:stopped#3")
		if got := suptest.Filter(log, "a"); !slices.Equal(got, wantA) {
			t.Errorf("a's log = %q; want %q", got, wantA)
		}
		if got := suptest.Filter(log, "b"); !slices.Equal(got, []string{"b:cleanup#1", "b:stopped#1"}) {
			t.Errorf("b's log = %q; want it stopped with the parent", got)
		}
	})
	suptest.Bubble(t, "spread out", func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		_, kids := suptest.SpawnParent(t, sys, supervision.OneForOne(supervision.WithIntensity(2, time.Minute)), p, false, "a")
		for range 6 {
			kids["a"].Send("boom")
			synctest.Wait()
			time.Sleep(31 * time.Second) // virtual time
		}
		if g := suptest.Filter(p.Take(), "root"); len(g) != 0 {
			t.Errorf("root log = %q; want nothing", g)
		}
	})
}

// TestBackoffWithActors pins the virtual times at which a child that fails
// at each start is restarted.
func TestBackoffWithActors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		s := supervision.OneForOne(
			supervision.WithIntensity(-1, 0),
			supervision.WithBackoff(supervision.Backoff{Base: 100 * time.Millisecond, Cap: 500 * time.Millisecond, ResetAfter: time.Minute}))
		_, kids := suptest.SpawnParent(t, sys, s, p, true, "a")
		p.WaitFor(t, "a:started#1")
		for range 5 {
			kids["a"].Send("boom")
			p.WaitFor(t, "a:started")
		}
		time.Sleep(time.Minute) // virtual time: quiet period
		kids["a"].Send("boom")
		p.WaitFor(t, "a:started")
		var starts []string
		for _, s := range p.Take() {
			if strings.HasPrefix(s, "a:started") {
				starts = append(starts, s)
			}
		}
		want := []string{
			"a:started#1@0s",
			"a:started#2@100ms",
			"a:started#3@300ms",
			"a:started#4@700ms",
			"a:started#5@1.2s", // capped
			"a:started#6@1.7s",
			"a:started#7@1m1.8s", // reset after a quiet minute
		}
		if !slices.Equal(starts, want) {
			t.Errorf("starts = %q; want %q", starts, want)
		}
	})
}

// TestRestartKindsWithActors checks that a Temporary child is stopped, not
// restarted, and that Resume keeps the incarnation.
func TestRestartKindsWithActors(t *testing.T) {
	suptest.Bubble(t, "temporary", func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		_, kids := suptest.SpawnParent(t, sys, supervision.OneForOne(supervision.WithRestart(supervision.Temporary)), p, false, "a")
		synctest.Wait()
		p.Take()
		kids["a"].Send("boom")
		synctest.Wait()
		if got := p.Take(); !slices.Equal(got, []string{"a:cleanup#1", "a:stopped#1"}) {
			t.Errorf("log = %q; want a stopped", got)
		}
	})
	suptest.Bubble(t, "resume", func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		_, kids := suptest.SpawnParent(t, sys, supervision.OneForOne(supervision.WithDecider(supervision.Always(supervision.Resume))), p, false, "a")
		synctest.Wait()
		p.Take()
		kids["a"].Send("boom")
		kids["a"].Send("ping")
		synctest.Wait()
		if got := p.Take(); !slices.Equal(got, []string{"a:ping"}) {
			t.Errorf("log = %q; want a resumed", got)
		}
	})
}

// TestProtoactorChildrenOrder pins the protoactor behavior RestForOne works
// around: Supervisor.Children() lists children in spawn order only until
// one ends; then the last child takes the freed slot.
func TestProtoactorChildrenOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		parentRef, kids := suptest.SpawnParent(t, sys, supervision.OneForOne(), p, false, "a", "b", "c", "d")
		children := func() string {
			s, err := actor.Call(context.Background(), parentRef, suptest.Children{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if got, want := children(), "root/parent/a root/parent/b root/parent/c root/parent/d"; got != want {
			t.Errorf("Children() = %q; want %q", got, want)
		}
		kids["b"].Send("exit")
		synctest.Wait()
		if got, want := children(), "root/parent/a root/parent/d root/parent/c"; got != want {
			t.Errorf("Children() after b ended = %q; want %q", got, want)
		}
	})
}

// TestTopLevel checks a strategy given to top-level actors with
// actor.WithSupervisor: it supervises each actor itself (as protoactor's
// guardian of the strategy) and restarts it after its backoff; a guardian
// does not know its children, so AllForOne acts like OneForOne.
func TestTopLevel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		s := supervision.AllForOne(supervision.WithBackoff(supervision.Backoff{Base: time.Second}))
		solo, err := actor.Spawn(sys, "solo", suptest.NewWorker("solo", p, true), actor.WithSupervisor(s))
		if err != nil {
			t.Fatal(err)
		}
		other, err := actor.Spawn(sys, "other", suptest.NewWorker("other", p, true), actor.WithSupervisor(s))
		if err != nil {
			t.Fatal(err)
		}
		_ = other
		synctest.Wait()
		p.Take()
		solo.Send("boom")
		p.WaitFor(t, "solo:started#2")
		synctest.Wait()
		want := []string{"solo:restarting#1@1s", "solo:cleanup#1", "solo:started#2@1s"}
		if got := p.Take(); !slices.Equal(got, want) {
			t.Errorf("log = %q; want %q", got, want)
		}
	})
}

// TestTopLevelEscalation checks that escalating from the guardian of
// top-level actors, which has no supervisor above it (protoactor's guardian
// panics, killing the process), stops the failed actor instead: on an
// exceeded intensity, with the ExceededError in the event, and on a
// decider's Escalate.
func TestTopLevelEscalation(t *testing.T) {
	tests := []struct {
		name  string
		opt   supervision.Option
		fails int
		err   error
	}{
		{"exceeded", supervision.WithIntensity(1, time.Minute), 2, supervision.ErrIntensityExceeded},
		{"decider", supervision.WithDecider(supervision.Always(supervision.Escalate)), 1, nil},
	}
	for _, tt := range tests {
		suptest.Bubble(t, tt.name, func(t *testing.T) {
			sys := actor.NewSystem()
			defer suptest.Shutdown(t, sys)
			p := suptest.NewProbe()
			var last supervision.Event
			s := supervision.OneForOne(tt.opt, supervision.WithObserver(func(e supervision.Event) { last = e }))
			solo, err := actor.Spawn(sys, "solo", suptest.NewWorker("solo", p, false), actor.WithSupervisor(s))
			if err != nil {
				t.Fatal(err)
			}
			for range tt.fails {
				solo.Send("boom")
				synctest.Wait()
			}
			if got := p.Take(); got[len(got)-1] != "solo:stopped#"+fmt.Sprint(tt.fails) {
				t.Errorf("log = %q; want solo stopped", got)
			}
			if last.Directive != supervision.Stop || last.Supervisor != nil || !errors.Is(last.Err, tt.err) || (tt.err == nil) != (last.Err == nil) {
				t.Errorf("last event = %+v; want Stop by the guardian, Err %v", last, tt.err)
			}
		})
	}
}
