package mailbox_test

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/leakcheck"
	"github.com/weft-go/weft/mailbox"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// newSystem returns a quiet protoactor system, shut down when the test
// ends (after the actors spawned with spawn have stopped).
func newSystem(t testing.TB) *pa.ActorSystem {
	t.Helper()
	sys := pa.NewActorSystem(
		pa.WithLoggerFactory(func(*pa.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		pa.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	t.Cleanup(sys.Shutdown)
	return sys
}

// spawn spawns props and stops the actor, waiting, when the test ends.
func spawn(t testing.TB, sys *pa.ActorSystem, props *pa.Props) *pa.PID {
	t.Helper()
	pid := sys.Root.Spawn(props)
	t.Cleanup(func() {
		if err := sys.Root.StopFuture(pid).Wait(); err != nil {
			t.Errorf("stopping %v: %v", pid, err)
		}
	})
	return pid
}

// collector is a protoactor process that collects the messages sent to
// it: a reply address for requests.
type collector struct {
	pid *pa.PID
	ch  chan any
}

func newCollector(t testing.TB, sys *pa.ActorSystem, size int) *collector {
	c := &collector{ch: make(chan any, size)}
	c.pid, _ = sys.ProcessRegistry.Add(c, "collector"+sys.ProcessRegistry.NextId())
	t.Cleanup(func() { sys.ProcessRegistry.Remove(c.pid) })
	return c
}

func (c *collector) SendUserMessage(_ *pa.PID, msg any) { c.ch <- pa.UnwrapEnvelopeMessage(msg) }
func (c *collector) SendSystemMessage(*pa.PID, any)     {}
func (c *collector) Stop(*pa.PID)                       {}

// gate is a message that blocks the actor handling it until release is
// closed, after closing entered: the queue then fills up behind it.
type gate struct {
	entered chan struct{}
	release chan struct{}
}

func newGate() gate { return gate{make(chan struct{}), make(chan struct{})} }

func (g gate) block() {
	close(g.entered)
	<-g.release
}

// manualDispatcher records scheduled turns; the test runs them.
type manualDispatcher struct {
	mu  sync.Mutex
	fns []func()
}

func (d *manualDispatcher) Schedule(fn func()) {
	d.mu.Lock()
	d.fns = append(d.fns, fn)
	d.mu.Unlock()
}

func (d *manualDispatcher) Throughput() int { return 300 }

// pending returns the number of scheduled turns not run yet.
func (d *manualDispatcher) pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.fns)
}

// run runs scheduled turns until none is left.
func (d *manualDispatcher) run() {
	for {
		d.mu.Lock()
		if len(d.fns) == 0 {
			d.mu.Unlock()
			return
		}
		fn := d.fns[0]
		d.fns = d.fns[1:]
		d.mu.Unlock()
		fn()
	}
}

// escalation is one call to EscalateFailure.
type escalation struct{ reason, msg any }

// recInvoker records what the mailbox hands it. Like protoactor's actor
// context, EscalateFailure suspends the mailbox.
type recInvoker struct {
	mb        *mailbox.Mailbox
	log       []any
	onUser    func(msg any)
	escalated []escalation
}

func (r *recInvoker) InvokeSystemMessage(msg any) { r.log = append(r.log, msg) }

func (r *recInvoker) InvokeUserMessage(msg any) {
	r.log = append(r.log, msg)
	if r.onUser != nil {
		r.onUser(msg)
	}
}

func (r *recInvoker) EscalateFailure(reason, msg any) {
	r.escalated = append(r.escalated, escalation{reason, msg})
	r.mb.PostSystemMessage(&pa.SuspendMailbox{})
}

// newManual returns a mailbox made by producer, attached to a recording
// invoker and a manual dispatcher.
func newManual(producer pa.MailboxProducer) (*mailbox.Mailbox, *recInvoker, *manualDispatcher) {
	mb := producer().(*mailbox.Mailbox)
	inv := &recInvoker{mb: mb}
	d := &manualDispatcher{}
	mb.RegisterHandlers(inv, d)
	mb.Start()
	return mb, inv, d
}

// checkBalance checks that every posted message is accounted for.
func checkBalance(t *testing.T, s mailbox.Snapshot) {
	t.Helper()
	if got := s.Processed + s.DroppedNewest + s.DroppedOldest + s.Rejected + uint64(s.Len); got != s.Posted {
		t.Errorf("Processed+Dropped+Rejected+Len = %d+%d+%d+%d+%d = %d; want Posted = %d",
			s.Processed, s.DroppedNewest, s.DroppedOldest, s.Rejected, s.Len, got, s.Posted)
	}
}

// testTimeout bounds waits that only a bug makes long.
const testTimeout = 10 * time.Second
