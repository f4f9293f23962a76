package actor_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
)

// patience bounds every wait of these tests on a channel; it is a safety
// net that turns a hang into a failure, never what a test waits for.
const patience = 10 * time.Second

// quiet is the logger of the tests' systems unless they pass their own:
// the default, slog.Default, would print fiber errors and protoactor's
// warnings into the test output.
var quiet = slog.New(slog.DiscardHandler)

// newSystem returns a system that is shut down, and whose Shutdown is
// checked, when t ends. It logs nowhere unless opts has a WithLogger.
func newSystem(t testing.TB, opts ...actor.Option) *actor.System {
	t.Helper()
	sys := actor.NewSystem(append([]actor.Option{actor.WithLogger(quiet)}, opts...)...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		if err := sys.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown(ctx) = %v; want nil", err)
		}
	})
	return sys
}

// spawn spawns a top-level actor or fails t.
func spawn[M any](t testing.TB, sys *actor.System, name string, produce func() actor.Behavior[M], opts ...actor.SpawnOption) actor.Ref[M] {
	t.Helper()
	ref, err := actor.Spawn(sys, name, produce, opts...)
	if err != nil {
		t.Fatalf("Spawn(sys, %q, ...) error = %v; want nil", name, err)
	}
	return ref
}

// recv receives from ch, failing t if nothing comes within patience.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// ctxFor returns a context bounded by patience and cancelled when t ends.
func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return ctx
}

// stop stops the actor of ref from outside and waits until it is gone.
func stop[M any](t testing.TB, ref actor.Ref[M]) {
	t.Helper()
	if err := ref.Stop(ctxFor(t)); err != nil {
		t.Fatalf("%v.Stop(ctx) = %v; want nil", ref, err)
	}
}

// isClosed reports whether ch is closed, without waiting.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// eventLog is a list of events recorded from several actors (so from
// several goroutines). Safe for concurrent use.
type eventLog struct {
	mu     sync.Mutex // guards events
	events []string
}

func (l *eventLog) add(event string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, event)
}

func (l *eventLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// hooked is a behavior of protocol M that records its lifecycle hooks as
// "name:Hook" in log, and calls the optional functions.
type hooked[M any] struct {
	name    string
	log     *eventLog
	started func(self *actor.Self[M])
	receive func(self *actor.Self[M], msg M)
	stopped func(self *actor.Self[M])
}

var (
	_ actor.Starter[int]   = (*hooked[int])(nil)
	_ actor.Stopper[int]   = (*hooked[int])(nil)
	_ actor.Restarter[int] = (*hooked[int])(nil)
)

func (h *hooked[M]) Receive(self *actor.Self[M], msg M) {
	if h.receive != nil {
		h.receive(self, msg)
	}
}

func (h *hooked[M]) Started(self *actor.Self[M]) {
	h.log.add(h.name + ":Started")
	if h.started != nil {
		h.started(self)
	}
}

func (h *hooked[M]) Stopping(*actor.Self[M]) { h.log.add(h.name + ":Stopping") }

func (h *hooked[M]) Stopped(self *actor.Self[M]) {
	h.log.add(h.name + ":Stopped")
	if h.stopped != nil {
		h.stopped(self)
	}
}

func (h *hooked[M]) Restarting(*actor.Self[M]) { h.log.add(h.name + ":Restarting") }

// recordHandler is a slog.Handler that keeps the records at or above its
// level. Its copies (WithAttrs, WithGroup) share the records and drop the
// attributes. Safe for concurrent use.
type recordHandler struct {
	level slog.Level
	mu    *sync.Mutex    // guards recs
	recs  *[]slog.Record // shared with the copies
}

func newRecordHandler(level slog.Level) *recordHandler {
	return &recordHandler{level: level, mu: new(sync.Mutex), recs: new([]slog.Record)}
}

func (h *recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.recs = append(*h.recs, r.Clone())
	return nil
}

func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }

func (h *recordHandler) WithGroup(string) slog.Handler { return h }

// records returns the records kept so far whose message is msg.
func (h *recordHandler) records(msg string) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Record
	for _, r := range *h.recs {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

// messages returns the messages of the records kept so far.
func (h *recordHandler) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range *h.recs {
		out = append(out, r.Message)
	}
	return out
}

// attr returns the value of r's attribute key, or nil.
func attr(r slog.Record, key string) any {
	var v any
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.Any()
			return false
		}
		return true
	})
	return v
}

// counterMsg is the protocol of the counter actor: add, get.
type counterMsg interface{ counterMsg() }

// add adds n to the counter.
type add struct{ n int }

// get asks for the counter's value.
type get struct{ actor.Request[counterMsg, int] }

func (add) counterMsg() {}
func (get) counterMsg() {}

// counter returns the behavior of a counter actor.
func counter() actor.Behavior[counterMsg] {
	n := 0
	return actor.BehaviorFunc[counterMsg](func(self *actor.Self[counterMsg], msg counterMsg) {
		switch m := msg.(type) {
		case add:
			n += m.n
		case get:
			_ = actor.ReplyTo(self, m).Send(n)
		}
	})
}
