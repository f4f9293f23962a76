package service_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"weak"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/internal/suptest"
	"github.com/weft-go/weft/service"
	"github.com/weft-go/weft/supervision"
)

// spec returns the spec of a worker child.
func spec(name string, p *suptest.Probe, kind supervision.RestartKind) service.Child {
	return service.Child{Name: name, Start: service.StartActor(suptest.NewWorker(name, p, false)), Restart: kind}
}

// startTree starts tree and fails t on error.
func startTree(t *testing.T, sys *actor.System, tree service.Tree) *service.Supervisor {
	t.Helper()
	svc, err := tree.Start(context.Background(), sys, "tree")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return svc
}

// send sends msg to the running child name of svc.
func send(t *testing.T, svc *service.Supervisor, name, msg string) {
	t.Helper()
	ref, ok := service.Lookup[string](svc, name)
	if !ok {
		t.Fatalf("child %q is not running", name)
	}
	ref.Send(msg)
}

// TestTreeStartAndStopOrder pins that a tree starts its children in order,
// each after the previous has handled Started, and stops them in reverse
// order, each after the next has stopped; Stop waits and is idempotent.
func TestTreeStartAndStopOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		svc := startTree(t, sys, service.Tree{Children: []service.Child{
			spec("a", p, supervision.Permanent), spec("b", p, supervision.Transient), spec("c", p, supervision.Temporary),
		}})
		if got, want := p.Take(), []string{"a:started#1", "b:started#1", "c:started#1"}; !slices.Equal(got, want) {
			t.Errorf("start log = %q; want %q", got, want)
		}
		if pid := svc.PID("b"); pid == nil || pid.Id != "tree/b" {
			t.Errorf("PID(b) = %v; want tree/b", pid)
		}
		if err := svc.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
		want := []string{"c:cleanup#1", "c:stopped#1", "b:cleanup#1", "b:stopped#1", "a:cleanup#1", "a:stopped#1"}
		if got := p.Take(); !slices.Equal(got, want) {
			t.Errorf("stop log = %q; want %q", got, want)
		}
		if err := svc.Stop(context.Background()); err != nil {
			t.Errorf("second Stop: %v", err)
		}
		select {
		case <-svc.Done():
		default:
			t.Error("Done not closed after Stop")
		}
		if err := svc.Err(); err != nil {
			t.Errorf("Err = %v; want nil", err)
		}
		if _, ok := service.Lookup[string](svc, "a"); ok {
			t.Error("Lookup(a) found a child after Stop")
		}
	})
}

// TestTreeStartFailure pins that a child that fails to start makes Start
// stop the children already started, in reverse order, and return the
// error; later children are not started.
func TestTreeStartFailure(t *testing.T) {
	boom := errors.New("no database")
	failing := map[string]service.StartFunc{
		"error": func(*actor.Self[any], string) (*pa.PID, error) { return nil, boom },
		"panic": func(*actor.Self[any], string) (*pa.PID, error) { panic("start panic") },
		"panics in Started": service.StartActor(func() actor.Behavior[string] {
			return &panicky{}
		}),
		"not a child": func(self *actor.Self[any], _ string) (*pa.PID, error) {
			ref, err := actor.Spawn(self.System(), "stray", suptest.NewWorker("stray", suptest.NewProbe(), false))
			return ref.PID(), err
		},
	}
	for name, start := range failing {
		suptest.Bubble(t, name, func(t *testing.T) {
			sys := actor.NewSystem()
			defer suptest.Shutdown(t, sys)
			p := suptest.NewProbe()
			_, err := service.Tree{Children: []service.Child{
				spec("a", p, supervision.Permanent), spec("b", p, supervision.Permanent),
				{Name: "x", Start: start},
				spec("c", p, supervision.Permanent),
			}}.Start(context.Background(), sys, "tree")
			if !errors.Is(err, service.ErrStartFailed) || !strings.Contains(err.Error(), `"x"`) {
				t.Errorf("Start error = %v; want ErrStartFailed for x", err)
			}
			if name == "error" && !errors.Is(err, boom) {
				t.Errorf("Start error = %v; want it to wrap the start function's", err)
			}
			want := []string{"a:started#1", "b:started#1", "b:cleanup#1", "b:stopped#1", "a:cleanup#1", "a:stopped#1"}
			if got := p.Take(); !slices.Equal(got, want) {
				t.Errorf("log = %q; want %q", got, want)
			}
		})
	}
}

// panicky panics in Started.
type panicky struct{}

func (*panicky) Started(*actor.Self[string])         { panic("cannot start") }
func (*panicky) Receive(*actor.Self[string], string) {}

// TestTreeStopDeadlines pins the graceful stop (a poison pill, after the
// messages already queued), the forced stop after the stop timeout (the
// queued messages are dropped), and the error for a child that does not
// stop even by force.
func TestTreeStopDeadlines(t *testing.T) {
	tests := []struct {
		name    string
		release time.Duration // when the child's blocked turn ends
		log     []string
		stopped time.Duration // when Stop returns
		err     error
	}{
		{"graceful", 500 * time.Millisecond, []string{"a:ping", "a:cleanup#1", "a:stopped#1"}, 500 * time.Millisecond, nil},
		{"forced", 1500 * time.Millisecond, []string{"a:cleanup#1", "a:stopped#1"}, 1500 * time.Millisecond, nil},
		{"timeout", 3 * time.Second, []string{"a:cleanup#1", "a:stopped#1"}, 2 * time.Second, service.ErrStopTimeout},
	}
	for _, tt := range tests {
		suptest.Bubble(t, tt.name, func(t *testing.T) {
			sys := actor.NewSystem()
			defer suptest.Shutdown(t, sys)
			p := suptest.NewProbe()
			gate := make(chan struct{})
			svc := startTree(t, sys, service.Tree{Children: []service.Child{{
				Name: "a", StopTimeout: time.Second,
				Start: service.StartActor(func() actor.Behavior[string] { return &suptest.Worker{Name: "a", Probe: p, Inc: 1, Gate: gate} }),
			}}})
			p.Take()
			send(t, svc, "a", "block")
			send(t, svc, "a", "ping")
			go func() {
				time.Sleep(tt.release) // virtual time
				close(gate)
			}()
			start := time.Now()
			err := svc.Stop(context.Background())
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("Stop = %v; want %v", err, tt.err)
			}
			if d := time.Since(start); d != tt.stopped {
				t.Errorf("Stop returned after %v; want %v", d, tt.stopped)
			}
			time.Sleep(time.Until(start.Add(tt.release))) // virtual time
			synctest.Wait()
			if got := p.Take(); !slices.Equal(got, tt.log) {
				t.Errorf("log = %q; want %q", got, tt.log)
			}
		})
	}
}

// TestTreeRestartOrder pins the exact, global order of a tree's group
// restarts: one child at a time, in start order, each restarted after the
// previous has handled Started.
func TestTreeRestartOrder(t *testing.T) {
	tests := []struct {
		policy func(...supervision.Option) *supervision.Strategy
		want   []string
	}{
		{supervision.OneForOne, suptest.Restarted("b", 1)},
		{supervision.AllForOne, slices.Concat(suptest.Restarted("a", 1), suptest.Restarted("b", 1), suptest.Restarted("c", 1), suptest.Restarted("d", 1))},
		{supervision.RestForOne, slices.Concat(suptest.Restarted("b", 1), suptest.Restarted("c", 1), suptest.Restarted("d", 1))},
	}
	for _, tt := range tests {
		s := tt.policy()
		suptest.Bubble(t, s.Policy().String(), func(t *testing.T) {
			sys := actor.NewSystem()
			defer suptest.Shutdown(t, sys)
			p := suptest.NewProbe()
			svc := startTree(t, sys, service.Tree{Strategy: s, Children: []service.Child{
				spec("a", p, supervision.Permanent), spec("b", p, supervision.Permanent),
				spec("c", p, supervision.Transient), spec("d", p, supervision.Permanent),
			}})
			p.Take()
			send(t, svc, "b", "boom")
			synctest.Wait()
			if got := p.Take(); !slices.Equal(got, tt.want) {
				t.Errorf("log = %q; want %q", got, tt.want)
			}
			if err := svc.Stop(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestTreeRestartKinds pins the restart kinds in a tree: a Permanent child
// is started anew after it stops on its own, a Transient one only after a
// failure, a Temporary one never; a temporary sibling in a group restart
// is stopped.
func TestTreeRestartKinds(t *testing.T) {
	tests := []struct {
		name     string
		kind     supervision.RestartKind
		msg      string
		log      []string
		running  bool
		strategy *supervision.Strategy
	}{
		{"permanent exit", supervision.Permanent, "exit", []string{"x:cleanup#1", "x:stopped#1", "x:started#2"}, true, nil},
		{"permanent boom", supervision.Permanent, "boom", suptest.Restarted("x", 1), true, nil},
		{"transient exit", supervision.Transient, "exit", []string{"x:cleanup#1", "x:stopped#1"}, false, nil},
		{"transient boom", supervision.Transient, "boom", suptest.Restarted("x", 1), true, nil},
		{"temporary exit", supervision.Temporary, "exit", []string{"x:cleanup#1", "x:stopped#1"}, false, nil},
		{"temporary boom", supervision.Temporary, "boom", []string{"x:cleanup#1", "x:stopped#1"}, false, nil},
		{"permanent exit, all for one", supervision.Permanent, "exit",
			[]string{"x:cleanup#1", "x:stopped#1", "t:cleanup#1", "t:stopped#1", "a:restarting#1", "a:cleanup#1", "a:started#2", "x:started#2"}, true, supervision.AllForOne()},
	}
	for _, tt := range tests {
		suptest.Bubble(t, tt.name, func(t *testing.T) {
			sys := actor.NewSystem()
			defer suptest.Shutdown(t, sys)
			p := suptest.NewProbe()
			children := []service.Child{spec("x", p, tt.kind)}
			if tt.strategy != nil {
				children = []service.Child{spec("a", p, supervision.Permanent), spec("x", p, tt.kind), spec("t", p, supervision.Temporary)}
			}
			svc := startTree(t, sys, service.Tree{Strategy: tt.strategy, Children: children})
			p.Take()
			send(t, svc, "x", tt.msg)
			synctest.Wait()
			if got := p.Take(); !slices.Equal(got, tt.log) {
				t.Errorf("log = %q; want %q", got, tt.log)
			}
			if running := svc.PID("x") != nil; running != tt.running {
				t.Errorf("x running = %v; want %v", running, tt.running)
			}
			if err := svc.Stop(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestTreeIntensityExceeded checks that a tree whose child fails more than
// the intensity allows stops its children in reverse order and ends with
// the ExceededError; an escalating decider ends it with ErrEscalated.
func TestTreeIntensityExceeded(t *testing.T) {
	tests := []struct {
		name     string
		strategy *supervision.Strategy
		fails    int
		want     error
	}{
		{"exceeded", supervision.OneForOne(supervision.WithIntensity(1, time.Minute)), 2, supervision.ErrIntensityExceeded},
		{"escalated", supervision.OneForOne(supervision.WithDecider(supervision.Always(supervision.Escalate))), 1, service.ErrEscalated},
	}
	for _, tt := range tests {
		suptest.Bubble(t, tt.name, func(t *testing.T) {
			sys := actor.NewSystem()
			defer suptest.Shutdown(t, sys)
			p := suptest.NewProbe()
			svc := startTree(t, sys, service.Tree{Strategy: tt.strategy, Children: []service.Child{
				spec("a", p, supervision.Permanent), spec("b", p, supervision.Permanent), spec("c", p, supervision.Permanent),
			}})
			for range tt.fails {
				send(t, svc, "b", "boom")
				synctest.Wait()
			}
			<-svc.Done()
			if err := svc.Err(); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "boom b") {
				t.Errorf("Err = %v; want %v", err, tt.want)
			}
			log := p.Take()
			var stops []string
			for _, s := range log {
				if strings.Contains(s, ":stopped") {
					stops = append(stops, s[:1])
				}
			}
			if got := strings.Join(stops, ""); got != "cba" {
				t.Errorf("stop order = %q; want cba (log %q)", got, log)
			}
			if err := svc.Stop(context.Background()); err != nil {
				t.Errorf("Stop after the end = %v", err)
			}
		})
	}
}

// TestTreeBackoff pins the virtual times of a tree's delayed restarts.
func TestTreeBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		s := supervision.AllForOne(supervision.WithBackoff(supervision.Backoff{Base: time.Second}))
		svc := startTree(t, sys, service.Tree{Strategy: s, Children: []service.Child{
			{Name: "a", Start: service.StartActor(suptest.NewWorker("a", p, true))},
			{Name: "b", Start: service.StartActor(suptest.NewWorker("b", p, true))},
		}})
		p.Take()
		for range 3 {
			send(t, svc, "b", "boom")
			p.WaitFor(t, "b:started")
		}
		var starts []string
		for _, s := range p.Take() {
			if strings.Contains(s, "started") {
				starts = append(starts, s)
			}
		}
		want := []string{"a:started#2@1s", "b:started#2@1s", "a:started#3@3s", "b:started#3@3s", "a:started#4@7s", "b:started#4@7s"}
		if !slices.Equal(starts, want) {
			t.Errorf("starts = %q; want %q", starts, want)
		}
		// A failure with a restart pending, then the system shuts down:
		// the pending restart is cancelled and nothing is left running.
		send(t, svc, "a", "boom")
		synctest.Wait()
	})
}

// TestTreeShutdownBySystem checks that the actor system's shutdown stops a
// running tree, its children and its pending restarts.
func TestTreeShutdownBySystem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		p := suptest.NewProbe()
		svc := startTree(t, sys, service.Tree{
			Strategy: supervision.OneForOne(supervision.WithBackoff(supervision.Backoff{Base: time.Hour})),
			Children: []service.Child{spec("a", p, supervision.Permanent), spec("b", p, supervision.Permanent)},
		})
		send(t, svc, "a", "boom")
		synctest.Wait()
		suptest.Shutdown(t, sys)
		<-svc.Done()
		if err := svc.Err(); err != nil {
			t.Errorf("Err = %v", err)
		}
		log := p.Take()
		if got := suptest.Filter(log, "b"); !slices.Equal(got, []string{"b:started#1", "b:cleanup#1", "b:stopped#1"}) {
			t.Errorf("b's log = %q", got)
		}
	})
}

// TestTreeStartCancelled checks that Start gives up when its context is
// done and that the tree then stops.
func TestTreeStartCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		gate := make(chan struct{})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := service.Tree{Children: []service.Child{
			spec("a", p, supervision.Permanent),
			{Name: "slow", Start: service.StartActor(func() actor.Behavior[string] { return &blockStart{gate} })},
		}}.Start(ctx, sys, "tree")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Start = %v; want DeadlineExceeded", err)
		}
		close(gate)
		synctest.Wait()
		if got := p.Take(); !slices.Equal(got, []string{"a:started#1", "a:cleanup#1", "a:stopped#1"}) {
			t.Errorf("log = %q", got)
		}
	})
}

// blockStart blocks in Started until its gate is closed.
type blockStart struct{ gate chan struct{} }

func (b *blockStart) Started(*actor.Self[string])         { <-b.gate }
func (b *blockStart) Receive(*actor.Self[string], string) {}

func TestTreeMisusePanics(t *testing.T) {
	start := service.StartActor(suptest.NewWorker("x", suptest.NewProbe(), false))
	for _, children := range [][]service.Child{
		{{Start: start}},
		{{Name: "a", Start: start}, {Name: "a", Start: start}},
		{{Name: "a"}},
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, "service: ") {
					t.Errorf("children %v: recover() = %q; want a service panic", children, r)
				}
			}()
			_, _ = service.Tree{Children: children}.Start(context.Background(), nil, "")
		}()
	}
}

// TestTreeOwnFailure checks that a failure of the tree's own actor (here
// a panicking observer of its strategy) ends the service with an error
// wrapping ErrTreeFailed, and stops its children.
func TestTreeOwnFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		defer suptest.Shutdown(t, sys)
		p := suptest.NewProbe()
		broken := supervision.OneForOne(supervision.WithObserver(func(supervision.Event) { panic("observer bug") }))
		svc := startTree(t, sys, service.Tree{Strategy: broken, Children: []service.Child{
			spec("a", p, supervision.Permanent), spec("b", p, supervision.Permanent),
		}})
		p.Take()
		send(t, svc, "a", "boom")
		<-svc.Done()
		if err := svc.Err(); !errors.Is(err, service.ErrTreeFailed) || !strings.Contains(err.Error(), "observer bug") {
			t.Errorf("Err = %v; want ErrTreeFailed with the panic", err)
		}
		synctest.Wait()
		log := p.Take()
		for _, n := range []string{"a", "b"} {
			if got := suptest.Filter(log, n); !slices.Contains(got, n+":stopped#1") {
				t.Errorf("%s's log = %q; want it stopped", n, got)
			}
		}
		if err := svc.Stop(context.Background()); err != nil {
			t.Errorf("Stop after the end = %v", err)
		}
	})
}

// TestTreeReleasedAfterStop checks that a stopped tree's state (here, what
// its children's start functions hold) is not kept alive by the guardian
// of its strategy, which protoactor keeps as long as the actor system.
func TestTreeReleasedAfterStop(t *testing.T) {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())
	svc, payload := startHeavyTree(t, sys)
	if err := svc.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.GC()
	if payload.Value() != nil {
		t.Error("a stopped tree's start function is still reachable")
	}
}

// startHeavyTree starts a tree whose only reference to a large payload is
// its child's start function.
func startHeavyTree(t *testing.T, sys *actor.System) (*service.Supervisor, weak.Pointer[[1 << 16]byte]) {
	payload := new([1 << 16]byte)
	p := suptest.NewProbe()
	start := service.StartActor(func() actor.Behavior[string] {
		payload[0]++
		return &suptest.Worker{Name: "a", Probe: p, Inc: int(payload[0])}
	})
	return startTree(t, sys, service.Tree{Children: []service.Child{{Name: "a", Start: start}}}), weak.Make(payload)
}
