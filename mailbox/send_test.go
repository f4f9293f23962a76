package mailbox_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
)

// These tests exercise actor.TrySend and actor.SendWait, which reach the
// target's mailbox through the Ref. They run in a synctest bubble, so
// that synctest.Wait tells when every actor is idle or blocked.

// sinkMsg is the protocol of the sink actor.
type sinkMsg interface{ sinkMsg() }

// item is a message to store.
type item int

// hold blocks the sink, as a gate does.
type hold struct{ g gate }

func (item) sinkMsg() {}
func (hold) sinkMsg() {}

// newWeftSystem returns a Weft actor system, shut down when the test ends.
func newWeftSystem(t *testing.T) *actor.System {
	sys := actor.NewSystem()
	t.Cleanup(func() {
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return sys
}

// spawnSink spawns an actor that records the items it handles in *got.
// got must be read only when the sink is known to be idle (after
// synctest.Wait).
func spawnSink(t *testing.T, sys *actor.System, got *[]int, producer pa.MailboxProducer) actor.Ref[sinkMsg] {
	t.Helper()
	ref, err := actor.Spawn(sys, "sink", func() actor.Behavior[sinkMsg] {
		return actor.BehaviorFunc[sinkMsg](func(_ *actor.Self[sinkMsg], msg sinkMsg) {
			switch m := msg.(type) {
			case hold:
				m.g.block()
			case item:
				*got = append(*got, int(m))
			}
		})
	}, actor.WithMailbox(producer))
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// senderMsg is the protocol of the sender actor.
type senderMsg interface{ senderMsg() }

// sendItems makes the sender's fiber SendWait items 1..n to the sink.
type sendItems struct{ n int }

// cancelSend cancels the sending fiber.
type cancelSend struct{}

func (sendItems) senderMsg()  {}
func (cancelSend) senderMsg() {}

// sendResult is what the sending fiber did: the items it sent, and the
// error that stopped it.
type sendResult struct {
	sent []int
	err  error
}

// spawnSender spawns an actor whose fiber sends items to sink with
// SendWait; res is written by the fiber and must be read only when the
// sender is idle.
func spawnSender(t *testing.T, sys *actor.System, name string, sink actor.Ref[sinkMsg], from int, res *sendResult) actor.Ref[senderMsg] {
	t.Helper()
	ref, err := actor.Spawn(sys, name, func() actor.Behavior[senderMsg] {
		var f *fiber.Fiber
		return actor.BehaviorFunc[senderMsg](func(self *actor.Self[senderMsg], msg senderMsg) {
			switch m := msg.(type) {
			case sendItems:
				f = self.Go("send", func(f *fiber.Fiber) error {
					for i := from; i < from+m.n; i++ {
						if err := actor.SendWait(f, sink, sinkMsg(item(i))); err != nil {
							res.err = err
							return nil
						}
						res.sent = append(res.sent, i)
					}
					return nil
				})
			case cancelSend:
				f.Cancel(nil)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestSendWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newWeftSystem(t)
		m := mailbox.NewMetrics()
		var got []int
		sink := spawnSink(t, sys, &got, mailbox.Bounded(2, mailbox.Suspend, mailbox.WithMetrics(m)))
		g := newGate()
		sink.Send(hold{g})
		<-g.entered
		var res sendResult
		sender := spawnSender(t, sys, "sender", sink, 1, &res)
		sender.Send(sendItems{6})
		synctest.Wait()
		if s := m.Snapshot(); s.Len != 2 || s.Waiting != 1 || !slices.Equal(res.sent, []int{1, 2}) {
			t.Errorf("sink busy: sent %v, Snapshot() = %+v; want sent [1 2], Len 2, Waiting 1", res.sent, s)
		}
		close(g.release)
		synctest.Wait()
		if want := []int{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) || !slices.Equal(res.sent, want) || res.err != nil {
			t.Errorf("sink handled %v, sender sent %v (%v); want %v both", got, res.sent, res.err, want)
		}
		s := m.Snapshot()
		if s.Posted != 7 || s.Processed != 7 || s.Rejected != 0 || s.HighWater != 2 || s.Waiting != 0 {
			t.Errorf("Snapshot() = %+v; want Posted 7, Processed 7, Rejected 0, HighWater 2, Waiting 0", s)
		}
	})
}

func TestSendWaitConcurrentFibers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newWeftSystem(t)
		m := mailbox.NewMetrics()
		var got []int
		sink := spawnSink(t, sys, &got, mailbox.Bounded(3, mailbox.Suspend, mailbox.WithMetrics(m)))
		const senders, each = 4, 50
		res := make([]sendResult, senders)
		for i := range senders {
			s := spawnSender(t, sys, "sender"+string(rune('a'+i)), sink, 1000*i, &res[i])
			s.Send(sendItems{each})
		}
		synctest.Wait()
		if len(got) != senders*each {
			t.Fatalf("sink handled %d items; want %d", len(got), senders*each)
		}
		last := make([]int, senders) // per sender, items arrive in order
		for _, v := range got {
			if s := v / 1000; v < last[s] {
				t.Errorf("item %d after %d: out of order", v, last[s])
			} else {
				last[s] = v
			}
		}
		s := m.Snapshot()
		if s.Rejected != 0 || s.HighWater > 3 || s.Posted != senders*each {
			t.Errorf("Snapshot() = %+v; want Rejected 0, HighWater ≤ 3, Posted %d", s, senders*each)
		}
		checkBalance(t, s)
	})
}

func TestSendWaitCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newWeftSystem(t)
		m := mailbox.NewMetrics()
		var got []int
		sink := spawnSink(t, sys, &got, mailbox.Bounded(2, mailbox.Suspend, mailbox.WithMetrics(m)))
		g := newGate()
		sink.Send(hold{g})
		<-g.entered
		var res sendResult
		sender := spawnSender(t, sys, "sender", sink, 1, &res)
		sender.Send(sendItems{6})
		synctest.Wait() // the fiber waits to send 3
		sender.Send(cancelSend{})
		synctest.Wait()
		if !errors.Is(res.err, context.Canceled) || !slices.Equal(res.sent, []int{1, 2}) {
			t.Errorf("sender sent %v, error %v; want [1 2], context.Canceled", res.sent, res.err)
		}
		if s := m.Snapshot(); s.Waiting != 0 {
			t.Errorf("Waiting = %d after the cancellation; want 0", s.Waiting)
		}
		close(g.release)
		synctest.Wait()
		if want := []int{1, 2}; !slices.Equal(got, want) {
			t.Errorf("sink handled %v; want %v (3 withdrawn)", got, want)
		}
		s := m.Snapshot()
		if s.Posted != 3 || s.Processed != 3 {
			t.Errorf("Snapshot() = %+v; want Posted 3, Processed 3 (the withdrawn message is not counted)", s)
		}
		checkBalance(t, s)
	})
}

func TestSendWaitTargetStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newWeftSystem(t)
		var got []int
		sink := spawnSink(t, sys, &got, mailbox.Bounded(1, mailbox.Suspend))
		g := newGate()
		sink.Send(hold{g})
		<-g.entered
		var res sendResult
		sender := spawnSender(t, sys, "sender", sink, 1, &res)
		sender.Send(sendItems{3})
		synctest.Wait() // the fiber waits to send 2
		sys.Raw().Root.Stop(sink.PID())
		close(g.release)
		synctest.Wait()
		if !errors.Is(res.err, mailbox.ErrClosed) || !slices.Equal(res.sent, []int{1}) {
			t.Errorf("sender sent %v, error %v; want [1], ErrClosed", res.sent, res.err)
		}
		// Sends to the stopped actor go to dead letters, like Ref.Send.
		var dead atomic.Int32
		sub := sys.Raw().EventStream.Subscribe(func(evt any) {
			if _, ok := evt.(*pa.DeadLetterEvent); ok {
				dead.Add(1)
			}
		})
		defer sys.Raw().EventStream.Unsubscribe(sub)
		if err := actor.TrySend(sink, sinkMsg(item(7))); err != nil {
			t.Errorf("TrySend to a stopped actor = %v; want nil", err)
		}
		if got := dead.Load(); got != 1 {
			t.Errorf("%d dead letters after TrySend to a stopped actor; want 1", got)
		}
		// Virtual time: let protoactor's dead-letter throttle goroutine end
		// inside the bubble.
		time.Sleep(time.Second)
	})
}

func TestTrySend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newWeftSystem(t)
		m := mailbox.NewMetrics()
		var got []int
		sink := spawnSink(t, sys, &got, mailbox.Bounded(2, mailbox.Reject, mailbox.WithMetrics(m)))
		var dead atomic.Int32
		sub := sys.Raw().EventStream.Subscribe(func(evt any) {
			if _, ok := evt.(*pa.DeadLetterEvent); ok {
				dead.Add(1)
			}
		})
		defer sys.Raw().EventStream.Unsubscribe(sub)
		g := newGate()
		sink.Send(hold{g})
		<-g.entered
		for i := 1; i <= 2; i++ {
			if err := actor.TrySend(sink, sinkMsg(item(i))); err != nil {
				t.Errorf("TrySend(%d) = %v; want nil", i, err)
			}
		}
		if err := actor.TrySend(sink, sinkMsg(item(3))); !errors.Is(err, mailbox.ErrFull) {
			t.Errorf("TrySend to a full mailbox = %v; want ErrFull", err)
		}
		close(g.release)
		synctest.Wait()
		if want := []int{1, 2}; !slices.Equal(got, want) {
			t.Errorf("sink handled %v; want %v", got, want)
		}
		if s := m.Snapshot(); s.Rejected != 1 || dead.Load() != 0 {
			t.Errorf("Rejected = %d, %d dead letters; want 1, 0 (the caller has the message back)", s.Rejected, dead.Load())
		}
	})
}

func TestTrySendFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newWeftSystem(t)
		var got []int
		ref, err := actor.Spawn(sys, "plain", func() actor.Behavior[sinkMsg] {
			return actor.BehaviorFunc[sinkMsg](func(_ *actor.Self[sinkMsg], msg sinkMsg) {
				got = append(got, int(msg.(item)))
			})
		}) // protoactor's default mailbox
		if err != nil {
			t.Fatal(err)
		}
		if err := actor.TrySend(ref, sinkMsg(item(1))); err != nil {
			t.Errorf("TrySend = %v; want nil", err)
		}
		synctest.Wait()
		if !slices.Equal(got, []int{1}) {
			t.Errorf("handled %v; want [1]", got)
		}
	})
}

func TestRefCarriesMailbox(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newWeftSystem(t)
		var got []int
		sink := spawnSink(t, sys, &got, mailbox.Bounded(1, mailbox.Reject))
		g := newGate()
		sink.Send(hold{g})
		<-g.entered
		if err := actor.TrySend(sink, sinkMsg(item(1))); err != nil {
			t.Fatalf("TrySend(1) = %v; want nil", err)
		}
		if err := actor.TrySend(sink, sinkMsg(item(2))); !errors.Is(err, mailbox.ErrFull) {
			t.Errorf("TrySend(2) through the spawned Ref = %v; want ErrFull", err)
		}
		// A Ref made from the bare PID does not know the mailbox: TrySend
		// is a plain send, which the full Reject mailbox refuses (a
		// counted rejection, not an error for the caller).
		if err := actor.TrySend(actor.RefOf[sinkMsg](sys, sink.PID()), sinkMsg(item(3))); err != nil {
			t.Errorf("TrySend(3) through RefOf = %v; want nil", err)
		}
		close(g.release)
		synctest.Wait()
		if want := []int{1}; !slices.Equal(got, want) {
			t.Errorf("sink handled %v; want %v", got, want)
		}
		// Virtual time: the rejection was a dead letter; let protoactor's
		// throttle goroutine end inside the bubble.
		time.Sleep(time.Second)
	})
}
