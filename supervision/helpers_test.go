package supervision_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/supervision"
)

// epoch is the start of virtual time in a testing/synctest bubble.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// probe records what the test actors do, in the order they do it, with
// the (virtual) time since epoch, and forwards each record to a channel
// so that a test can wait for it.
type probe struct {
	mu  sync.Mutex
	log []string
	ch  chan string
}

func newProbe() *probe { return &probe{ch: make(chan string, 10000)} }

func (p *probe) add(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	p.mu.Lock()
	p.log = append(p.log, s)
	p.mu.Unlock()
	p.ch <- s
}

// addAt records s with the virtual time.
func (p *probe) addAt(s string) {
	p.add("%s@%v", s, time.Since(epoch))
}

// take returns the log so far and clears it.
func (p *probe) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.log
	p.log = nil
	for len(p.ch) > 0 {
		<-p.ch
	}
	return l
}

// waitFor blocks until a record with the given prefix arrives (records
// before it are skipped).
func (p *probe) waitFor(t testing.TB, prefix string) string {
	t.Helper()
	timeout := time.After(time.Hour) // virtual in a bubble
	for {
		select {
		case s := <-p.ch:
			if strings.HasPrefix(s, prefix) {
				return s
			}
		case <-timeout:
			t.Fatalf("no %q record; log: %q", prefix, p.snapshot())
			return ""
		}
	}
}

func (p *probe) snapshot() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// filter returns the records of the log whose name (before ':') is name.
func filter(log []string, name string) []string {
	var out []string
	for _, s := range log {
		if strings.HasPrefix(s, name+":") {
			out = append(out, s)
		}
	}
	return out
}

// worker is the behavior of the supervised test actors. Each incarnation
// records its lifecycle and runs a fiber whose cleanup (a defer) is
// recorded too. Messages: "boom" panics in the handler, "fiberboom" panics
// in a fiber, "exit" stops the actor normally, "ping" records itself.
type worker struct {
	name string
	p    *probe
	inc  int // incarnation number
	at   bool
	gate chan struct{} // "block" blocks the actor's turn until it is closed
}

// newWorker returns a producer of worker incarnations.
func newWorker(name string, p *probe, at bool) func() actor.Behavior[string] {
	inc := 0
	return func() actor.Behavior[string] {
		inc++
		return &worker{name: name, p: p, inc: inc, at: at}
	}
}

func (w *worker) rec(what string) {
	s := fmt.Sprintf("%s:%s", w.name, what)
	if w.at {
		w.p.addAt(s)
	} else {
		w.p.add("%s", s)
	}
}

func (w *worker) Started(self *actor.Self[string]) {
	w.rec(fmt.Sprintf("started#%d", w.inc))
	self.Go("idle", func(f *fiber.Fiber) error {
		defer w.p.add("%s:cleanup#%d", w.name, w.inc)
		var never fiber.Event
		return never.Wait(f)
	})
}

func (w *worker) Receive(self *actor.Self[string], msg string) {
	switch msg {
	case "boom":
		panic("boom " + w.name)
	case "fiberboom":
		self.Go("bomb", func(*fiber.Fiber) error { panic("fiber boom " + w.name) })
	case "exit":
		self.Stop()
	case "ping":
		w.rec("ping")
	case "block":
		<-w.gate
	}
}

func (w *worker) Restarting(*actor.Self[string]) { w.rec(fmt.Sprintf("restarting#%d", w.inc)) }
func (w *worker) Stopping(*actor.Self[string])   {}
func (w *worker) Stopped(*actor.Self[string])    { w.rec(fmt.Sprintf("stopped#%d", w.inc)) }

// shutdown shuts sys down, inside a testing/synctest bubble, and fails t
// on error. A dead letter in the last moments (such as the system's Stop
// of an actor that was stopping on its own) starts protoactor's
// dead-letter throttle goroutine, which ends after the throttle interval
// (10ms with actor.NewSystem); shutdown lets that much virtual time pass,
// so that the bubble ends with no goroutine left.
func shutdown(t testing.TB, sys *actor.System) {
	t.Helper()
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	time.Sleep(time.Second) // virtual time
}

// parent is a supervisor actor: it spawns its children in order when it
// starts, and one more on "spawn:NAME". It stops its strategy when it
// stops, as the Strategy documentation asks.
type parent struct {
	p     *probe
	strat *supervision.Strategy
	names []string
	refs  chan map[string]actor.Ref[string]
	at    bool
}

func (pr *parent) Started(self *actor.Self[string]) {
	refs := make(map[string]actor.Ref[string])
	for _, n := range pr.names {
		ref, err := actor.SpawnChild(self, n, newWorker(n, pr.p, pr.at))
		if err != nil {
			panic(err)
		}
		refs[n] = ref
	}
	pr.refs <- refs
}

func (pr *parent) Receive(self *actor.Self[string], msg string) {
	if msg == "children" {
		var ids []string
		for _, c := range self.Turn().Children() {
			ids = append(ids, c.Id)
		}
		self.Respond(strings.Join(ids, " "))
		return
	}
	if n, ok := strings.CutPrefix(msg, "spawn:"); ok {
		ref, err := actor.SpawnChild(self, n, newWorker(n, pr.p, pr.at))
		if err != nil {
			panic(err)
		}
		pr.refs <- map[string]actor.Ref[string]{n: ref}
	}
}

func (pr *parent) Stopping(*actor.Self[string]) {
	if pr.strat != nil {
		pr.strat.Stop()
	}
}
func (pr *parent) Stopped(*actor.Self[string]) {}

// spawnParent starts a parent supervising children named names with
// strat, and returns it and its children.
func spawnParent(t testing.TB, sys *actor.System, strat *supervision.Strategy, p *probe, at bool, names ...string) (actor.Ref[string], map[string]actor.Ref[string]) {
	t.Helper()
	refs := make(chan map[string]actor.Ref[string], 100)
	opts := []actor.SpawnOption{actor.WithSupervisor(strat), actor.WithGuardian(&guardian{p: p})}
	ref, err := actor.Spawn(sys, "parent", func() actor.Behavior[string] {
		return &parent{p: p, strat: strat, names: names, refs: refs, at: at}
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ref, <-refs
}

// guardian supervises the test parents: it records their failures (an
// escalation) and stops them.
type guardian struct{ p *probe }

func (g *guardian) HandleFailure(_ *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, _ *pa.RestartStatistics, reason, _ any) {
	g.p.add("guardian:%v", reason)
	sup.StopChildren(child)
}

// equal reports whether two string slices are equal.
func equal(a, b []string) bool { return slices.Equal(a, b) }

// panicErr returns the *fiber.PanicError of a fiber that panicked with v.
func panicErr(v any) error {
	return fiber.Run(context.Background(), func(*fiber.Fiber) error { panic(v) })
}
