package suptest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/supervision"
)

// Epoch is the start of virtual time in a [testing/synctest] bubble.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Probe records what the test actors do, in the order they do it, and
// forwards each record to a channel so that a test can wait for it
// ([Probe.WaitFor]). Make one with [NewProbe]; the zero value is not
// usable and a Probe must not be copied. Its methods are safe for
// concurrent use.
type Probe struct {
	mu  sync.Mutex // guards log
	log []string
	ch  chan string
}

// NewProbe returns an empty probe.
func NewProbe() *Probe { return &Probe{ch: make(chan string, 10000)} }

// Add records fmt.Sprintf(format, args...).
func (p *Probe) Add(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	p.mu.Lock()
	p.log = append(p.log, s)
	p.mu.Unlock()
	p.ch <- s
}

// AddAt records s with the (virtual) time since [Epoch], as "s@1.5s".
func (p *Probe) AddAt(s string) {
	p.Add("%s@%v", s, time.Since(Epoch))
}

// Take returns the records so far and clears them.
func (p *Probe) Take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.log
	p.log = nil
	for len(p.ch) > 0 {
		<-p.ch
	}
	return l
}

// WaitFor blocks until a record with the given prefix arrives, skipping
// the records before it, and returns it. It fails t after an hour (of
// virtual time, in a bubble).
func (p *Probe) WaitFor(t testing.TB, prefix string) string {
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

func (p *Probe) snapshot() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.log)
}

// Filter returns the records of log whose name (before ':') is name.
func Filter(log []string, name string) []string {
	var out []string
	for _, s := range log {
		if strings.HasPrefix(s, name+":") {
			out = append(out, s)
		}
	}
	return out
}

// Restarted returns what a [Worker] named name records when its
// incarnation inc is restarted: its Restarting hook, its fiber's cleanup,
// the Started hook of incarnation inc+1.
func Restarted(name string, inc int) []string {
	return []string{
		fmt.Sprintf("%s:restarting#%d", name, inc),
		fmt.Sprintf("%s:cleanup#%d", name, inc),
		fmt.Sprintf("%s:started#%d", name, inc+1),
	}
}

// Worker is the behavior of the supervised test actors. Each incarnation
// records its lifecycle ("NAME:started#INC", "NAME:restarting#INC",
// "NAME:stopped#INC") and runs a fiber whose cleanup (a defer) records
// "NAME:cleanup#INC". Messages: "boom" panics in the handler, "fiberboom"
// panics in a fiber, "exit" stops the actor normally, "ping" records
// itself, "block" blocks the actor's turn until Gate is closed.
//
// Make incarnations with [NewWorker], or set the fields; a Worker belongs
// to one incarnation of one actor.
type Worker struct {
	Name  string        // the records' prefix
	Probe *Probe        // where it records
	Inc   int           // incarnation number
	At    bool          // record the lifecycle with the virtual time
	Gate  chan struct{} // what "block" waits for
}

// NewWorker returns a producer of [Worker] incarnations, numbered from 1.
func NewWorker(name string, p *Probe, at bool) func() actor.Behavior[string] {
	inc := 0
	return func() actor.Behavior[string] {
		inc++
		return &Worker{Name: name, Probe: p, Inc: inc, At: at}
	}
}

func (w *Worker) rec(what string) {
	s := fmt.Sprintf("%s:%s", w.Name, what)
	if w.At {
		w.Probe.AddAt(s)
	} else {
		w.Probe.Add("%s", s)
	}
}

// Started records the start and spawns the idle fiber.
func (w *Worker) Started(self *actor.Self[string]) {
	w.rec(fmt.Sprintf("started#%d", w.Inc))
	self.Go("idle", func(f *fiber.Fiber) error {
		defer w.Probe.Add("%s:cleanup#%d", w.Name, w.Inc)
		var never fiber.Event
		return never.Wait(f)
	})
}

// Receive handles the messages [Worker] documents.
func (w *Worker) Receive(self *actor.Self[string], msg string) {
	switch msg {
	case "boom":
		panic("boom " + w.Name)
	case "fiberboom":
		self.Go("bomb", func(*fiber.Fiber) error { panic("fiber boom " + w.Name) })
	case "exit":
		self.Stop()
	case "ping":
		w.rec("ping")
	case "block":
		<-w.Gate
	}
}

// Restarting records the restart.
func (w *Worker) Restarting(*actor.Self[string]) { w.rec(fmt.Sprintf("restarting#%d", w.Inc)) }

// Stopping does nothing.
func (w *Worker) Stopping(*actor.Self[string]) {}

// Stopped records the stop.
func (w *Worker) Stopped(*actor.Self[string]) { w.rec(fmt.Sprintf("stopped#%d", w.Inc)) }

// Shutdown shuts sys down, inside a testing/synctest bubble, and fails t
// on error. A dead letter in the last moments (such as the system's Stop
// of an actor that was stopping on its own) starts protoactor's
// dead-letter throttle goroutine, which ends after the throttle interval
// (10ms with actor.NewSystem); Shutdown lets that much virtual time pass,
// so that the bubble ends with no goroutine left.
func Shutdown(t testing.TB, sys *actor.System) {
	t.Helper()
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	time.Sleep(time.Second) // virtual time
}

// Bubble runs fn as subtest name inside a testing/synctest bubble.
func Bubble(t *testing.T, name string, fn func(t *testing.T)) {
	t.Helper()
	t.Run(name, func(t *testing.T) { synctest.Test(t, fn) })
}

// SpawnParent starts a supervisor actor, "root/parent", whose children
// are [Worker]s named names, supervised by strat, and returns it and its
// children by name. The parent spawns one more child on "spawn:NAME"
// (sending its ref on an internal channel) and answers [Children] with
// the IDs of protoactor's Children, in protoactor's order. It stops strat
// when it stops, as the Strategy documentation asks.
//
// The parent is a child of a top-level actor "root", whose strategy
// records each failure of the parent (an escalation) as "root:REASON" and
// stops it.
func SpawnParent(t testing.TB, sys *actor.System, strat *supervision.Strategy, p *Probe, at bool, names ...string) (actor.Ref[any], map[string]actor.Ref[string]) {
	t.Helper()
	refs := make(chan map[string]actor.Ref[string], 100)
	parents := make(chan actor.Ref[any], 1)
	recorder := supervision.OneForOne(
		supervision.WithDecider(supervision.Always(supervision.Stop)),
		supervision.WithObserver(func(e supervision.Event) { p.Add("root:%v", e.Reason) }))
	_, err := actor.Spawn(sys, "root", func() actor.Behavior[string] {
		return &root{start: func(self *actor.Self[string]) {
			ref, err := actor.SpawnChild(self, "parent", func() actor.Behavior[any] {
				return &parent{p: p, strat: strat, names: names, refs: refs, at: at}
			}, actor.WithSupervisor(strat))
			if err != nil {
				panic(err)
			}
			parents <- ref
		}}
	}, actor.WithSupervisor(recorder))
	if err != nil {
		t.Fatal(err)
	}
	return <-parents, <-refs
}

// root is the top-level actor above a parent.
type root struct{ start func(*actor.Self[string]) }

func (r *root) Started(self *actor.Self[string])    { r.start(self) }
func (r *root) Receive(*actor.Self[string], string) {}

// parent is a supervisor actor: it spawns its children in order when it
// starts, and one more on "spawn:NAME".
type parent struct {
	p     *Probe
	strat *supervision.Strategy
	names []string
	refs  chan map[string]actor.Ref[string]
	at    bool
}

func (pr *parent) Started(self *actor.Self[any]) {
	refs := make(map[string]actor.Ref[string])
	for _, n := range pr.names {
		ref, err := actor.SpawnChild(self, n, NewWorker(n, pr.p, pr.at))
		if err != nil {
			panic(err)
		}
		refs[n] = ref
	}
	pr.refs <- refs
}

func (pr *parent) Receive(self *actor.Self[any], msg any) {
	if c, ok := msg.(Children); ok {
		var ids []string
		for _, c := range self.Raw().Children() {
			ids = append(ids, c.Id)
		}
		actor.ReplyTo(self, c).Send(strings.Join(ids, " "))
		return
	}
	s, _ := msg.(string)
	if n, ok := strings.CutPrefix(s, "spawn:"); ok {
		ref, err := actor.SpawnChild(self, n, NewWorker(n, pr.p, pr.at))
		if err != nil {
			panic(err)
		}
		pr.refs <- map[string]actor.Ref[string]{n: ref}
	}
}

func (pr *parent) Stopping(*actor.Self[any]) {
	if pr.strat != nil {
		pr.strat.Stop()
	}
}

func (pr *parent) Stopped(*actor.Self[any]) {}

// Children asks a parent for the IDs of its children, in protoactor's
// order, separated by spaces.
type Children struct{ actor.Request[any, string] }
