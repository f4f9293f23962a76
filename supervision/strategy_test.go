package supervision_test

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/internal/suptest"
	"github.com/weft-go/weft/supervision"
)

// fakeSup is a protoactor Supervisor that records what a strategy asks of
// it, with the virtual time, and registers its children as processes of a
// real actor system (the strategy checks them before a delayed restart).
type fakeSup struct {
	sys   *pa.ActorSystem
	self  *pa.PID
	kids  []*pa.PID
	mu    sync.Mutex
	calls []string
	ch    chan string
}

// nopProcess is a registered process that ignores everything.
type nopProcess struct{ id string }

func (*nopProcess) SendUserMessage(*pa.PID, any)   {}
func (*nopProcess) SendSystemMessage(*pa.PID, any) {}
func (*nopProcess) Stop(*pa.PID)                   {}

func newFakeSup(t testing.TB, names ...string) *fakeSup {
	t.Helper()
	sys := pa.NewActorSystem(
		pa.WithLoggerFactory(func(*pa.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		pa.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	t.Cleanup(sys.Shutdown)
	f := &fakeSup{sys: sys, self: pa.NewPID(sys.Address(), "sup"), ch: make(chan string, 1000)}
	for _, n := range names {
		f.spawn(n)
	}
	return f
}

// spawn registers a child named name.
func (f *fakeSup) spawn(name string) *pa.PID {
	pid, _ := f.sys.ProcessRegistry.Add(&nopProcess{id: name}, "sup/"+name)
	f.kids = append(f.kids, pid)
	return pid
}

// kid returns the child named name.
func (f *fakeSup) kid(name string) *pa.PID {
	for _, k := range f.kids {
		if k.Id == "sup/"+name {
			return k
		}
	}
	panic("no child " + name)
}

func names(pids []*pa.PID) string {
	var s []string
	for _, p := range pids {
		s = append(s, strings.TrimPrefix(p.Id, "sup/"))
	}
	return strings.Join(s, " ")
}

func (f *fakeSup) rec(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
	f.ch <- s
}

func (f *fakeSup) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	for len(f.ch) > 0 {
		<-f.ch
	}
	return c
}

func (f *fakeSup) Self() *pa.PID            { return f.self }
func (f *fakeSup) Children() []*pa.PID      { return f.kids }
func (f *fakeSup) EscalateFailure(r, _ any) { f.rec(fmt.Sprintf("escalate %v", r)) }
func (f *fakeSup) RestartChildren(p ...*pa.PID) {
	f.rec(fmt.Sprintf("restart %s @%v", names(p), time.Since(suptest.Epoch)))
}
func (f *fakeSup) StopChildren(p ...*pa.PID)   { f.rec("stop " + names(p)) }
func (f *fakeSup) ResumeChildren(p ...*pa.PID) { f.rec("resume " + names(p)) }

// fail reports a failure of child name to s.
func (f *fakeSup) fail(s *supervision.Strategy, name string, reason any) {
	s.HandleFailure(f.sys, f, f.kid(name), nil, reason, nil)
}

var policies = []struct {
	name string
	new  func(...supervision.Option) *supervision.Strategy
}{
	{"OneForOne", supervision.OneForOne},
	{"AllForOne", supervision.AllForOne},
	{"RestForOne", supervision.RestForOne},
}

// TestStrategySets pins which children each policy restarts or stops, and
// in which order, for each directive and restart kind.
func TestStrategySets(t *testing.T) {
	tempB := supervision.WithRestartFunc(func(c *pa.PID) supervision.RestartKind {
		if c.Id == "sup/b" {
			return supervision.Temporary
		}
		return supervision.Permanent
	})
	tests := []struct {
		name   string
		opts   []supervision.Option
		fail   string
		policy map[string][]string // by policy name
	}{
		{"restart c", nil, "c", map[string][]string{
			"OneForOne":  {"restart c @0s"},
			"AllForOne":  {"restart a b c d @0s"},
			"RestForOne": {"restart c d @0s"},
		}},
		{"restart a", nil, "a", map[string][]string{
			"OneForOne":  {"restart a @0s"},
			"AllForOne":  {"restart a b c d @0s"},
			"RestForOne": {"restart a b c d @0s"},
		}},
		{"restart last", nil, "d", map[string][]string{
			"OneForOne":  {"restart d @0s"},
			"AllForOne":  {"restart a b c d @0s"},
			"RestForOne": {"restart d @0s"},
		}},
		{"temporary sibling is stopped", []supervision.Option{tempB}, "a", map[string][]string{
			"OneForOne":  {"restart a @0s"},
			"AllForOne":  {"stop b", "restart a c d @0s"},
			"RestForOne": {"stop b", "restart a c d @0s"},
		}},
		{"temporary child is stopped alone", []supervision.Option{tempB}, "b", map[string][]string{
			"OneForOne":  {"stop b"},
			"AllForOne":  {"stop b"},
			"RestForOne": {"stop b"},
		}},
		{"all temporary", []supervision.Option{supervision.WithRestart(supervision.Temporary)}, "c", map[string][]string{
			"OneForOne":  {"stop c"},
			"AllForOne":  {"stop c"},
			"RestForOne": {"stop c"},
		}},
		{"transient restarts after failure", []supervision.Option{supervision.WithRestart(supervision.Transient)}, "c", map[string][]string{
			"OneForOne":  {"restart c @0s"},
			"AllForOne":  {"restart a b c d @0s"},
			"RestForOne": {"restart c d @0s"},
		}},
		{"stop", []supervision.Option{supervision.WithDecider(supervision.Always(supervision.Stop))}, "b", map[string][]string{
			"OneForOne":  {"stop b"},
			"AllForOne":  {"stop a b c d"},
			"RestForOne": {"stop b c d"},
		}},
		{"resume", []supervision.Option{supervision.WithDecider(supervision.Always(supervision.Resume))}, "b", map[string][]string{
			"OneForOne":  {"resume b"},
			"AllForOne":  {"resume b"},
			"RestForOne": {"resume b"},
		}},
		{"escalate", []supervision.Option{supervision.WithDecider(supervision.Always(supervision.Escalate))}, "b", map[string][]string{
			"OneForOne":  {"escalate oops"},
			"AllForOne":  {"escalate oops"},
			"RestForOne": {"escalate oops"},
		}},
	}
	for _, tt := range tests {
		for _, pol := range policies {
			suptest.Bubble(t, tt.name+"/"+pol.name, func(t *testing.T) {
				f := newFakeSup(t, "a", "b", "c", "d")
				s := pol.new(tt.opts...)
				f.fail(s, tt.fail, "oops")
				if got, want := f.take(), tt.policy[pol.name]; !slices.Equal(got, want) {
					t.Errorf("calls = %q; want %q", got, want)
				}
			})
		}
	}
}

// TestRestForOneStartOrder pins that RestForOne keeps start order when
// protoactor's Children() does not: after a child ends, protoactor's set
// moves its last child into the freed slot.
func TestRestForOneStartOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSup(t, "a", "b", "c", "d")
		s := supervision.RestForOne()
		f.fail(s, "b", "x") // the strategy learns a b c d
		f.take()
		// b ends: protoactor's PIDSet.Remove moves d into b's slot.
		f.kids = []*pa.PID{f.kid("a"), f.kid("d"), f.kid("c")}
		f.spawn("e")
		f.fail(s, "c", "x")
		if got, want := f.take(), []string{"restart c d e @0s"}; !slices.Equal(got, want) {
			t.Errorf("calls = %q; want %q", got, want)
		}
	})
}

// TestIntensity pins the restart intensity: at most N restarts within the
// window, counted per child under OneForOne and per group otherwise, then
// escalation (or stop) with an ExceededError.
func TestIntensity(t *testing.T) {
	{
		suptest.Bubble(t, "per child", func(t *testing.T) {
			f := newFakeSup(t, "a", "b")
			s := supervision.OneForOne(supervision.WithIntensity(2, time.Second))
			f.fail(s, "a", "x")
			f.fail(s, "b", "x")
			time.Sleep(100 * time.Millisecond) // virtual time
			f.fail(s, "a", "x")
			f.fail(s, "b", "x")
			f.fail(s, "a", "x3")
			want := []string{
				"restart a @0s", "restart b @0s",
				"restart a @100ms", "restart b @100ms",
				`escalate supervision: restart intensity exceeded: "sup/a" needed more than 2 restart(s) within 1s; last reason: x3`,
			}
			if got := f.take(); !slices.Equal(got, want) {
				t.Errorf("calls = %q; want %q", got, want)
			}
		})
		suptest.Bubble(t, "per group", func(t *testing.T) {
			f := newFakeSup(t, "a", "b")
			s := supervision.AllForOne(supervision.WithIntensity(2, time.Second), supervision.WithExceeded(supervision.Stop))
			f.fail(s, "a", "x")
			f.fail(s, "b", "x")
			f.fail(s, "a", "x")
			want := []string{"restart a b @0s", "restart a b @0s", "stop a b"}
			if got := f.take(); !slices.Equal(got, want) {
				t.Errorf("calls = %q; want %q", got, want)
			}
		})
		suptest.Bubble(t, "spread out", func(t *testing.T) {
			f := newFakeSup(t, "a")
			s := supervision.OneForOne(supervision.WithIntensity(2, time.Second))
			for range 10 {
				f.fail(s, "a", "x")
				time.Sleep(600 * time.Millisecond) // virtual time
			}
			for _, c := range f.take() {
				if !strings.HasPrefix(c, "restart a") {
					t.Errorf("call %q; want only restarts", c)
				}
			}
		})
		suptest.Bubble(t, "zero", func(t *testing.T) {
			f := newFakeSup(t, "a")
			var ev supervision.Event
			s := supervision.OneForOne(supervision.WithIntensity(0, time.Second),
				supervision.WithObserver(func(e supervision.Event) { ev = e }))
			f.fail(s, "a", errors.New("x"))
			if !errors.Is(ev.Err, supervision.ErrIntensityExceeded) || ev.Directive != supervision.Escalate {
				t.Errorf("event = %+v; want Escalate with ErrIntensityExceeded", ev)
			}
			var ex *supervision.ExceededError
			if !errors.As(ev.Err, &ex) || ex.Max != 0 || ex.Child.Id != "sup/a" || ex.Reason.(error).Error() != "x" {
				t.Errorf("ExceededError = %+v", ex)
			}
		})
	}
}

// TestBackoffDelaysRestarts pins the delays of the restarts of a child
// that keeps failing, under virtual time, with a fixed jitter source:
// exponential, capped, reset after a quiet period.
func TestBackoffDelaysRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSup(t, "a", "b")
		var evs []supervision.Event
		s := supervision.OneForOne(
			supervision.WithIntensity(-1, 0),
			supervision.WithBackoff(supervision.Backoff{
				Base: 100 * time.Millisecond, Factor: 3, Cap: time.Second,
				Jitter: supervision.EqualJitter, Rand: func() float64 { return 0.5 },
				ResetAfter: 10 * time.Second,
			}),
			supervision.WithObserver(func(e supervision.Event) { evs = append(evs, e) }))
		var got []string
		for range 5 {
			f.fail(s, "a", "x")
			got = append(got, <-f.ch) // blocks: virtual time runs to the restart
		}
		// Quiet for 10s after the last restart: back to the base.
		time.Sleep(10 * time.Second) // virtual time
		f.fail(s, "a", "x")
		got = append(got, <-f.ch)
		// b has its own backoff.
		f.fail(s, "b", "x")
		got = append(got, <-f.ch)
		// d(n) = min(1s, 100ms·3^n); equal jitter with r = 0.5: 3/4 of it.
		want := []string{
			"restart a @75ms",    // 0 + 75ms
			"restart a @300ms",   // 75 + 225ms
			"restart a @975ms",   // 300 + 675ms
			"restart a @1.725s",  // 975 + 750ms (capped at 1s)
			"restart a @2.475s",  // + 750ms
			"restart a @12.55s",  // 12.475 + 75ms
			"restart b @12.625s", // 12.55 + 75ms
		}
		if !slices.Equal(got, want) {
			t.Errorf("restarts = %q; want %q", got, want)
		}
		var delays []time.Duration
		for _, e := range evs {
			delays = append(delays, e.Delay)
		}
		wantDelays := []time.Duration{75 * time.Millisecond, 225 * time.Millisecond, 675 * time.Millisecond, 750 * time.Millisecond, 750 * time.Millisecond, 75 * time.Millisecond, 75 * time.Millisecond}
		if fmt.Sprint(delays) != fmt.Sprint(wantDelays) {
			t.Errorf("event delays = %v; want %v", delays, wantDelays)
		}
	})
}

// TestPendingGroupRestart pins that a failure of a child already part of
// a pending group restart is absorbed, that Stop cancels pending restarts
// (stopping the failed children, which would stay suspended), and that a
// pending restart skips a child that has been replaced by another actor.
func TestPendingGroupRestart(t *testing.T) {
	b := supervision.Backoff{Base: time.Second}
	{
		suptest.Bubble(t, "absorbed", func(t *testing.T) {
			f := newFakeSup(t, "a", "b", "c")
			var evs []supervision.Event
			s := supervision.RestForOne(supervision.WithBackoff(b),
				supervision.WithObserver(func(e supervision.Event) { evs = append(evs, e) }))
			f.fail(s, "b", "x")
			time.Sleep(100 * time.Millisecond) // virtual time
			f.fail(s, "c", "x")                // part of the pending restart: absorbed
			f.fail(s, "a", "x")                // earlier: widens it, same timer
			got := <-f.ch
			if want := "restart a b c @1s"; got != want {
				t.Errorf("restart = %q; want %q", got, want)
			}
			if len(evs) != 3 || evs[0].Failures != 1 || !evs[1].Absorbed || evs[1].Delay != 900*time.Millisecond ||
				evs[2].Absorbed || evs[2].Failures != 2 || names(evs[2].Restart) != "a b c" {
				t.Errorf("events = %+v", evs)
			}
		})
		suptest.Bubble(t, "stop", func(t *testing.T) {
			f := newFakeSup(t, "a", "b")
			s := supervision.OneForOne(supervision.WithBackoff(b))
			f.fail(s, "a", "x")
			s.Stop()
			s.Stop()
			f.fail(s, "b", "x")
			time.Sleep(time.Hour) // virtual time: the cancelled timer never fires
			if got, want := f.take(), []string{"stop a", "stop b"}; !slices.Equal(got, want) {
				t.Errorf("calls = %q; want %q", got, want)
			}
		})
		suptest.Bubble(t, "replaced", func(t *testing.T) {
			f := newFakeSup(t, "a", "b")
			s := supervision.OneForOne(supervision.WithBackoff(b))
			f.fail(s, "a", "x")
			f.fail(s, "b", "x")
			// a ends and another actor takes its name before the timer fires.
			f.sys.ProcessRegistry.Remove(f.kid("a"))
			f.sys.ProcessRegistry.Add(&nopProcess{id: "a2"}, "sup/a")
			time.Sleep(time.Hour) // virtual time
			if got, want := f.take(), []string{"restart b @1s"}; !slices.Equal(got, want) {
				t.Errorf("calls = %q; want %q", got, want)
			}
		})
	}
}

// TestSupervisorEvents checks that decisions are published on the event
// stream as protoactor SupervisorEvents.
func TestSupervisorEvents(t *testing.T) {
	f := newFakeSup(t, "a")
	var got []*pa.SupervisorEvent
	sub := f.sys.EventStream.Subscribe(func(e any) {
		if se, ok := e.(*pa.SupervisorEvent); ok {
			got = append(got, se)
		}
	})
	defer f.sys.EventStream.Unsubscribe(sub)
	s := supervision.OneForOne(supervision.WithDecider(supervision.OnError(errStop, supervision.Stop, nil)))
	f.fail(s, "a", "x")
	f.fail(s, "a", errStop)
	if len(got) != 2 || got[0].Directive != pa.RestartDirective || got[1].Directive != pa.StopDirective || got[1].Reason != errStop {
		t.Errorf("events = %+v", got)
	}
}

var errStop = errors.New("stop me")

// guardianSup is a fakeSup seen as protoactor's guardian of top-level
// actors: it has no Self, and does not know its children.
type guardianSup struct{ f *fakeSup }

func (g guardianSup) Children() []*pa.PID          { panic("guardian does not hold its children PIDs") }
func (g guardianSup) EscalateFailure(_, _ any)     { panic("guardian cannot escalate failure") }
func (g guardianSup) RestartChildren(p ...*pa.PID) { g.f.RestartChildren(p...) }
func (g guardianSup) StopChildren(p ...*pa.PID)    { g.f.StopChildren(p...) }
func (g guardianSup) ResumeChildren(p ...*pa.PID)  { g.f.ResumeChildren(p...) }
func (g guardianSup) fail(s *supervision.Strategy, name string) {
	s.HandleFailure(g.f.sys, g, g.f.kid(name), nil, "x", nil)
}

// TestGuardianHistories checks that a guardian's per-child restart counts
// survive the failures of many other actors (the strategy forgets only the
// counts of actors that are gone), and that the guardian stops, rather
// than escalates, a child that exceeds the intensity.
func TestGuardianHistories(t *testing.T) {
	var others []string
	for i := range 40 {
		others = append(others, fmt.Sprint("k", i))
	}
	f := newFakeSup(t, append([]string{"a"}, others...)...)
	g := guardianSup{f}
	s := supervision.OneForOne(supervision.WithIntensity(2, time.Hour))
	g.fail(s, "a")
	g.fail(s, "a")
	for _, n := range others {
		g.fail(s, n)
	}
	for _, n := range others[:20] {
		f.sys.ProcessRegistry.Remove(f.kid(n)) // gone: their counts may go
	}
	for _, n := range others[20:] {
		g.fail(s, n)
	}
	f.take()
	g.fail(s, "a")
	if got, want := f.take(), []string{"stop a"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q; want %q", got, want)
	}
}
