package supervision_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/supervision"
)

// restarted is what a worker records when it is restarted: the old
// incarnation's Restarting hook, its fiber's cleanup, the new Started.
func restarted(name string, inc int) []string {
	return []string{
		name + ":restarting#" + itoa(inc),
		name + ":cleanup#" + itoa(inc),
		name + ":started#" + itoa(inc+1),
	}
}

func itoa(n int) string { return string(rune('0' + n)) }

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
			bubble(t, s.Policy().String()+"/"+msg, func(t *testing.T) {
				sys := actor.NewSystem()
				defer shutdown(t, sys)
				p := newProbe()
				_, kids := spawnParent(t, sys, s, p, false, "a", "b", "c", "d")
				synctest.Wait()
				p.take()
				kids["b"].Send(msg)
				synctest.Wait()
				log := p.take()
				for _, n := range []string{"a", "b", "c", "d"} {
					var want []string
					if strings.Contains(strings.Join(tt.restarted, ""), n) {
						want = restarted(n, 1)
					}
					if got := filter(log, n); !equal(got, want) {
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
		defer shutdown(t, sys)
		p := newProbe()
		var reason any
		s := supervision.OneForOne(supervision.WithObserver(func(e supervision.Event) { reason = e.Reason }))
		_, kids := spawnParent(t, sys, s, p, false, "a")
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
	bubble(t, "burst", func(t *testing.T) {
		sys := actor.NewSystem()
		defer shutdown(t, sys)
		p := newProbe()
		_, kids := spawnParent(t, sys, supervision.OneForOne(supervision.WithIntensity(2, time.Minute)), p, false, "a", "b")
		synctest.Wait()
		p.take()
		for range 3 {
			kids["a"].Send("boom")
			synctest.Wait()
		}
		log := p.take()
		want := `guardian:supervision: restart intensity exceeded: "parent/a" needed more than 2 restart(s) within 1m0s; last reason: boom a`
		if g := filter(log, "guardian"); len(g) != 1 || g[0] != want {
			t.Errorf("guardian log = %q; want [%q]", g, want)
		}
		wantA := append(append(restarted("a", 1), restarted("a", 2)...), "a:cleanup#3", "a:stopped#3")
		if got := filter(log, "a"); !equal(got, wantA) {
			t.Errorf("a's log = %q; want %q", got, wantA)
		}
		if got := filter(log, "b"); !equal(got, []string{"b:cleanup#1", "b:stopped#1"}) {
			t.Errorf("b's log = %q; want it stopped with the parent", got)
		}
	})
	bubble(t, "spread out", func(t *testing.T) {
		sys := actor.NewSystem()
		defer shutdown(t, sys)
		p := newProbe()
		_, kids := spawnParent(t, sys, supervision.OneForOne(supervision.WithIntensity(2, time.Minute)), p, false, "a")
		for range 6 {
			kids["a"].Send("boom")
			synctest.Wait()
			time.Sleep(31 * time.Second) // virtual time
		}
		if g := filter(p.take(), "guardian"); len(g) != 0 {
			t.Errorf("guardian log = %q; want nothing", g)
		}
	})
}

// TestBackoffWithActors pins the virtual times at which a child that fails
// at each start is restarted.
func TestBackoffWithActors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer shutdown(t, sys)
		p := newProbe()
		s := supervision.OneForOne(
			supervision.WithIntensity(-1, 0),
			supervision.WithBackoff(supervision.Backoff{Base: 100 * time.Millisecond, Cap: 500 * time.Millisecond, ResetAfter: time.Minute}))
		_, kids := spawnParent(t, sys, s, p, true, "a")
		p.waitFor(t, "a:started#1")
		for range 5 {
			kids["a"].Send("boom")
			p.waitFor(t, "a:started")
		}
		time.Sleep(time.Minute) // virtual time: quiet period
		kids["a"].Send("boom")
		p.waitFor(t, "a:started")
		var starts []string
		for _, s := range p.take() {
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
		if !equal(starts, want) {
			t.Errorf("starts = %q; want %q", starts, want)
		}
	})
}

// TestRestartKindsWithActors checks that a Temporary child is stopped, not
// restarted, and that Resume keeps the incarnation.
func TestRestartKindsWithActors(t *testing.T) {
	bubble(t, "temporary", func(t *testing.T) {
		sys := actor.NewSystem()
		defer shutdown(t, sys)
		p := newProbe()
		_, kids := spawnParent(t, sys, supervision.OneForOne(supervision.WithRestart(supervision.Temporary)), p, false, "a")
		synctest.Wait()
		p.take()
		kids["a"].Send("boom")
		synctest.Wait()
		if got := p.take(); !equal(got, []string{"a:cleanup#1", "a:stopped#1"}) {
			t.Errorf("log = %q; want a stopped", got)
		}
	})
	bubble(t, "resume", func(t *testing.T) {
		sys := actor.NewSystem()
		defer shutdown(t, sys)
		p := newProbe()
		_, kids := spawnParent(t, sys, supervision.OneForOne(supervision.WithDecider(supervision.Always(supervision.Resume))), p, false, "a")
		synctest.Wait()
		p.take()
		kids["a"].Send("boom")
		kids["a"].Send("ping")
		synctest.Wait()
		if got := p.take(); !equal(got, []string{"a:ping"}) {
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
		defer shutdown(t, sys)
		p := newProbe()
		parentRef, kids := spawnParent(t, sys, supervision.OneForOne(), p, false, "a", "b", "c", "d")
		children := func() string {
			s, err := actor.Call[string](context.Background(), parentRef, "children")
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if got, want := children(), "parent/a parent/b parent/c parent/d"; got != want {
			t.Errorf("Children() = %q; want %q", got, want)
		}
		kids["b"].Send("exit")
		synctest.Wait()
		if got, want := children(), "parent/a parent/d parent/c"; got != want {
			t.Errorf("Children() after b ended = %q; want %q", got, want)
		}
	})
}

// TestGuardian checks a strategy given to a top-level actor with
// actor.WithGuardian: it restarts the actor itself, after its backoff; a
// guardian does not know its children, so AllForOne acts like OneForOne.
func TestGuardian(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer shutdown(t, sys)
		p := newProbe()
		s := supervision.AllForOne(supervision.WithBackoff(supervision.Backoff{Base: time.Second}))
		solo, err := actor.Spawn(sys, "solo", newWorker("solo", p, true), actor.WithGuardian(s))
		if err != nil {
			t.Fatal(err)
		}
		other, err := actor.Spawn(sys, "other", newWorker("other", p, true), actor.WithGuardian(s))
		if err != nil {
			t.Fatal(err)
		}
		_ = other
		synctest.Wait()
		p.take()
		solo.Send("boom")
		p.waitFor(t, "solo:started#2")
		synctest.Wait()
		want := []string{"solo:restarting#1@1s", "solo:cleanup#1", "solo:started#2@1s"}
		if got := p.take(); !equal(got, want) {
			t.Errorf("log = %q; want %q", got, want)
		}
	})
}
