package mailbox_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/mailbox"
)

// ctrl is a control message.
type ctrl string

func (ctrl) ControlMessage() {}

// sysMsg stands for a protoactor system message.
type sysMsg string

// names renders handled messages, envelopes unwrapped.
func names(log []any) string {
	var b []string
	for _, m := range log {
		if _, ok := m.(*pa.Stop); ok {
			b = append(b, "Stop")
			continue
		}
		b = append(b, fmt.Sprint(pa.UnwrapEnvelopeMessage(m)))
	}
	return strings.Join(b, " ")
}

func TestLaneOrder(t *testing.T) {
	tests := []struct {
		name     string
		producer pa.MailboxProducer
		want     string
	}{
		{"Unbounded", mailbox.Unbounded(), "s1 s2 u1 c1 u2 c2 c3"},
		{"UnboundedPriority", mailbox.Unbounded(mailbox.WithPriority()), "s1 s2 c1 c2 c3 u1 u2"},
		{"Bounded", mailbox.Bounded(10, mailbox.Reject), "s1 s2 u1 c1 u2 c2 c3"},
		{"BoundedPriority", mailbox.Bounded(10, mailbox.Reject, mailbox.WithPriority()), "s1 s2 c1 c2 c3 u1 u2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mb, inv, d := newManual(tt.producer)
			mb.PostUserMessage("u1")
			mb.PostUserMessage(ctrl("c1"))
			mb.PostSystemMessage(sysMsg("s1"))
			mb.PostUserMessage("u2")
			mb.PostUserMessage(ctrl("c2"))
			mb.PostSystemMessage(sysMsg("s2"))
			mb.PostUserMessage(&pa.MessageEnvelope{Message: ctrl("c3")})
			if n := d.pending(); n != 1 {
				t.Errorf("%d turns scheduled; want 1", n)
			}
			d.run()
			if got := names(inv.log); got != tt.want {
				t.Errorf("handled %q; want %q", got, tt.want)
			}
		})
	}
}

func TestSuspendResume(t *testing.T) {
	mb, inv, d := newManual(mailbox.Unbounded())
	mb.PostSystemMessage(&pa.SuspendMailbox{})
	d.run()
	mb.PostUserMessage("u1")
	if n := d.pending(); n != 0 {
		t.Errorf("user message to a suspended mailbox scheduled %d turns; want 0", n)
	}
	mb.PostSystemMessage(sysMsg("s1")) // still handled while suspended
	d.run()
	if got, want := names(inv.log), "s1"; got != want {
		t.Errorf("suspended: handled %q; want %q", got, want)
	}
	if n := mb.UserMessageCount(); n != 1 {
		t.Errorf("UserMessageCount() = %d; want 1", n)
	}
	mb.PostSystemMessage(&pa.ResumeMailbox{})
	d.run()
	if got, want := names(inv.log), "s1 u1"; got != want {
		t.Errorf("resumed: handled %q; want %q", got, want)
	}
}

func TestPanicEscalates(t *testing.T) {
	errBoom := errors.New("boom")
	mb, inv, d := newManual(mailbox.Unbounded())
	inv.onUser = func(msg any) {
		if msg == "boom" {
			panic(errBoom)
		}
	}
	mb.PostUserMessage("a")
	mb.PostUserMessage("boom")
	mb.PostUserMessage("b")
	d.run()
	if len(inv.escalated) != 1 || inv.escalated[0].reason != errBoom || inv.escalated[0].msg != "boom" {
		t.Fatalf("escalated %v; want one escalation (reason %v, message boom)", inv.escalated, errBoom)
	}
	// EscalateFailure suspended the mailbox: b waits, system messages don't.
	mb.PostSystemMessage(sysMsg("s"))
	d.run()
	if got, want := names(inv.log), "a boom s"; got != want {
		t.Errorf("after the panic: handled %q; want %q", got, want)
	}
	mb.PostSystemMessage(&pa.ResumeMailbox{})
	d.run()
	if got, want := names(inv.log), "a boom s b"; got != want {
		t.Errorf("after resume: handled %q; want %q", got, want)
	}
}

func TestDropOldestLanes(t *testing.T) {
	m := mailbox.NewMetrics()
	mb, inv, d := newManual(mailbox.Bounded(2, mailbox.DropOldest, mailbox.WithPriority(), mailbox.WithMetrics(m)))
	mb.PostUserMessage("u1")
	mb.PostUserMessage(ctrl("c1"))
	mb.PostUserMessage(ctrl("c2")) // pushes u1 out: ordinary messages go first
	mb.PostUserMessage("u2")       // only control messages queued: u2 is dropped
	mb.PostUserMessage(ctrl("c3")) // pushes c1 out
	d.run()
	if got, want := names(inv.log), "c2 c3"; got != want {
		t.Errorf("handled %q; want %q", got, want)
	}
	s := m.Snapshot()
	if s.DroppedOldest != 2 || s.DroppedNewest != 1 || s.Processed != 2 || s.Posted != 5 {
		t.Errorf("Snapshot() = %+v; want DroppedOldest 2, DroppedNewest 1, Processed 2, Posted 5", s)
	}
	checkBalance(t, s)
}

func TestOffer(t *testing.T) {
	for _, p := range []mailbox.Policy{mailbox.DropNewest, mailbox.Reject, mailbox.Suspend} {
		t.Run(p.String(), func(t *testing.T) {
			m := mailbox.NewMetrics()
			mb, inv, d := newManual(mailbox.Bounded(1, p, mailbox.WithMetrics(m)))
			if err := mb.Offer("a"); err != nil {
				t.Errorf("Offer(a) = %v; want nil", err)
			}
			if err := mb.Offer("b"); !errors.Is(err, mailbox.ErrFull) {
				t.Errorf("Offer(b) on a full mailbox = %v; want ErrFull", err)
			}
			d.run()
			if got, want := names(inv.log), "a"; got != want {
				t.Errorf("handled %q; want %q", got, want)
			}
			if s := m.Snapshot(); s.Rejected != 1 || s.Posted != 2 {
				t.Errorf("Snapshot() = %+v; want Rejected 1, Posted 2", s)
			}
		})
	}
	t.Run("DropOldest", func(t *testing.T) {
		mb, inv, d := newManual(mailbox.Bounded(1, mailbox.DropOldest))
		for _, msg := range []string{"a", "b"} {
			if err := mb.Offer(msg); err != nil {
				t.Errorf("Offer(%s) = %v; want nil", msg, err)
			}
		}
		d.run()
		if got, want := names(inv.log), "b"; got != want {
			t.Errorf("handled %q; want %q", got, want)
		}
	})
}

func TestPostOrPark(t *testing.T) {
	m := mailbox.NewMetrics()
	mb, inv, d := newManual(mailbox.Bounded(1, mailbox.Suspend, mailbox.WithMetrics(m)))
	if p, err := mb.PostOrPark("a"); p != nil || err != nil {
		t.Fatalf("PostOrPark(a) = %v, %v; want nil, nil", p, err)
	}
	pb, err := mb.PostOrPark("b")
	if pb == nil || err != nil {
		t.Fatalf("PostOrPark(b) on a full mailbox = %v, %v; want a Pending", pb, err)
	}
	pc, _ := mb.PostOrPark("c")
	pd, _ := mb.PostOrPark("d")
	var notified []string
	pb.Notify(func() { notified = append(notified, "b") })
	pc.Notify(func() { notified = append(notified, "c") })
	pd.Notify(func() { notified = append(notified, "d") })
	if done, _ := pb.Result(); done {
		t.Errorf("b decided before any room")
	}
	if s := m.Snapshot(); s.Waiting != 3 || s.Posted != 1 {
		t.Errorf("Snapshot() = %+v; want Waiting 3, Posted 1", s)
	}
	mb.PostUserMessage("x") // a goroutine sender is refused, not parked
	if !pc.Cancel() {
		t.Errorf("Cancel() of a parked message = false; want true")
	}
	if pc.Cancel() {
		t.Errorf("second Cancel() = true; want false")
	}
	d.run()
	if got, want := names(inv.log), "a b d"; got != want {
		t.Errorf("handled %q; want %q", got, want)
	}
	if got, want := strings.Join(notified, " "), "b d"; got != want {
		t.Errorf("notified %q; want %q", got, want)
	}
	for _, p := range []*mailbox.Pending{pb, pd} {
		if done, err := p.Result(); !done || err != nil {
			t.Errorf("Result() = %v, %v; want true, nil", done, err)
		}
	}
	if done, _ := pc.Result(); done {
		t.Errorf("withdrawn message decided")
	}
	late := false
	pb.Notify(func() { late = true }) // already decided: called at once
	if !late {
		t.Errorf("Notify after the decision did not call its function")
	}
	s := m.Snapshot()
	if s.Waiting != 0 || s.Posted != 4 || s.Processed != 3 || s.Rejected != 1 || s.HighWater != 1 {
		t.Errorf("Snapshot() = %+v; want Waiting 0, Posted 4, Processed 3, Rejected 1, HighWater 1", s)
	}
	checkBalance(t, s)

	// Another policy does not park.
	mr, _, _ := newManual(mailbox.Bounded(1, mailbox.Reject))
	mr.PostUserMessage("a")
	if p, err := mr.PostOrPark("b"); p != nil || !errors.Is(err, mailbox.ErrFull) {
		t.Errorf("PostOrPark on a full Reject mailbox = %v, %v; want nil, ErrFull", p, err)
	}
}

func TestParkedRefusedOnStop(t *testing.T) {
	m := mailbox.NewMetrics()
	mb, inv, d := newManual(mailbox.Bounded(1, mailbox.Suspend, mailbox.WithMetrics(m)))
	mb.PostUserMessage("a")
	p, _ := mb.PostOrPark("b")
	notified := false
	p.Notify(func() { notified = true })
	mb.PostSystemMessage(&pa.Stop{})
	d.run()
	if done, err := p.Result(); !done || !errors.Is(err, mailbox.ErrClosed) {
		t.Errorf("Result() after Stop = %v, %v; want true, ErrClosed", done, err)
	}
	if !notified {
		t.Errorf("refused message's sender not notified")
	}
	if got, want := names(inv.log), "Stop a"; got != want {
		t.Errorf("handled %q; want %q", got, want)
	}
	mb.PostUserMessage("c")
	if p, err := mb.PostOrPark("d"); p != nil || !errors.Is(err, mailbox.ErrClosed) {
		t.Errorf("PostOrPark on a full stopped mailbox = %v, %v; want nil, ErrClosed", p, err)
	}
	d.run()
	checkBalance(t, m.Snapshot())
}

func TestMetricsLength(t *testing.T) {
	m := mailbox.NewMetrics()
	mb, _, d := newManual(mailbox.Unbounded(mailbox.WithMetrics(m)))
	for i := range 5 {
		mb.PostUserMessage(i)
	}
	mb.PostSystemMessage(sysMsg("s")) // not counted
	if s := m.Snapshot(); s.Len != 5 || s.HighWater != 5 || s.Posted != 5 {
		t.Errorf("after 5 posts: Snapshot() = %+v; want Len 5, HighWater 5, Posted 5", s)
	}
	d.run()
	mb.PostUserMessage("x")
	mb.PostUserMessage("y")
	s := m.Snapshot()
	if s.Len != 2 || s.HighWater != 5 || s.Processed != 5 || s.Posted != 7 || s.Timed != 0 {
		t.Errorf("Snapshot() = %+v; want Len 2, HighWater 5, Processed 5, Posted 7, Timed 0", s)
	}
	checkBalance(t, s)
}

func TestQueueTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := mailbox.NewMetrics()
		mb, _, d := newManual(mailbox.Unbounded(mailbox.WithMetrics(m), mailbox.WithQueueTime()))
		mb.PostUserMessage("a")
		time.Sleep(10 * time.Millisecond) // virtual time
		mb.PostUserMessage("b")
		time.Sleep(30 * time.Millisecond)
		d.run()
		s := m.Snapshot()
		if s.Timed != 2 || s.QueueTime != 70*time.Millisecond || s.MaxQueueTime != 40*time.Millisecond || s.MeanQueueTime() != 35*time.Millisecond {
			t.Errorf("Snapshot() = %+v (mean %v); want Timed 2, QueueTime 70ms, MaxQueueTime 40ms, mean 35ms", s, s.MeanQueueTime())
		}
	})
}

// countingMiddleware counts the middleware calls.
type countingMiddleware struct{ started, posted, received, empty int }

func (c *countingMiddleware) MailboxStarted()     { c.started++ }
func (c *countingMiddleware) MessagePosted(any)   { c.posted++ }
func (c *countingMiddleware) MessageReceived(any) { c.received++ }
func (c *countingMiddleware) MailboxEmpty()       { c.empty++ }
func (c *countingMiddleware) String() string      { return fmt.Sprintf("%+v", *c) }

func TestMiddleware(t *testing.T) {
	mw := &countingMiddleware{}
	mb, _, d := newManual(mailbox.Bounded(2, mailbox.DropNewest, mailbox.WithMiddleware(mw)))
	mb.PostSystemMessage(sysMsg("s"))
	for i := range 3 { // the third is dropped
		mb.PostUserMessage(i)
	}
	d.run()
	want := countingMiddleware{started: 1, posted: 3, received: 3, empty: 1}
	if *mw != want {
		t.Errorf("middleware calls %v; want %v", mw, &want)
	}
}

func TestMessageBatch(t *testing.T) {
	mb, inv, d := newManual(mailbox.Unbounded())
	b := batch{"a", "b"}
	mb.PostUserMessage(b)
	d.run()
	if got, want := names(inv.log), "a b [a b]"; got != want {
		t.Errorf("handled %q; want %q (as protoactor: the messages, then the batch)", got, want)
	}
}

type batch []any

func (b batch) GetMessages() []any { return b }

func TestBoundedMisuse(t *testing.T) {
	for _, tt := range []struct {
		name     string
		capacity int
		policy   mailbox.Policy
	}{
		{"capacity 0", 0, mailbox.Reject},
		{"no policy", 1, 0},
		{"bad policy", 1, mailbox.Suspend + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r, _ := recover().(string)
				if !strings.HasPrefix(r, "mailbox: ") {
					t.Errorf("Bounded(%d, %v) panicked with %q; want a \"mailbox: \" message", tt.capacity, tt.policy, r)
				}
			}()
			mailbox.Bounded(tt.capacity, tt.policy)
		})
	}
}

func TestPolicyString(t *testing.T) {
	got := []string{}
	for _, p := range []mailbox.Policy{mailbox.DropNewest, mailbox.DropOldest, mailbox.Reject, mailbox.Suspend, 0} {
		got = append(got, p.String())
	}
	if want := []string{"DropNewest", "DropOldest", "Reject", "Suspend", "Policy(0)"}; !slices.Equal(got, want) {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
