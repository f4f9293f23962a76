package mailbox_test

import (
	"context"
	"sync"
	"testing"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/mailbox"
)

// benchMsg is the ordinary message of the benchmarks (a pointer: no boxing
// allocation per send).
type benchMsg struct{}

// benchCtrl is their control message.
type benchCtrl struct{}

func (*benchCtrl) ControlMessage() {}

var (
	theMsg  = &benchMsg{}
	theCtrl = &benchCtrl{}
)

// BenchmarkThroughput sends b.N messages from one goroutine (or fiber) to
// one actor that counts them, and waits until it has handled them all. The
// actor runs on protoactor's default dispatcher in every case; only the
// mailbox changes. Baseline: protoactor's default mailbox,
// actor.Unbounded(). Priority sends one control message in ten. Bounded
// has room for every message (the bookkeeping cost, no overflow);
// SendWait goes through a 1024-message Suspend mailbox with a fiber
// sender that waits whenever it is full.
func BenchmarkThroughput(b *testing.B) {
	plain := func(int) any { return theMsg }
	mixed := func(i int) any {
		if i%10 == 0 {
			return theCtrl
		}
		return theMsg
	}
	b.Run("Protoactor", func(b *testing.B) { benchThroughput(b, pa.Unbounded(), plain, sendRoot) })
	b.Run("Unbounded", func(b *testing.B) { benchThroughput(b, mailbox.Unbounded(), plain, sendRoot) })
	b.Run("Bounded", func(b *testing.B) {
		benchThroughput(b, mailbox.Bounded(b.N+1, mailbox.Reject), plain, sendRoot)
	})
	b.Run("Priority", func(b *testing.B) {
		benchThroughput(b, mailbox.Unbounded(mailbox.WithPriority()), mixed, sendRoot)
	})
	b.Run("ProtoactorPriority", func(b *testing.B) { benchThroughput(b, pa.UnboundedPriority(), mixed, sendRoot) })
	b.Run("Metrics", func(b *testing.B) {
		benchThroughput(b, mailbox.Unbounded(mailbox.WithMetrics(mailbox.NewMetrics())), plain, sendRoot)
	})
	b.Run("QueueTime", func(b *testing.B) {
		benchThroughput(b, mailbox.Unbounded(mailbox.WithMetrics(mailbox.NewMetrics()), mailbox.WithQueueTime()), plain, sendRoot)
	})
	b.Run("TrySend", func(b *testing.B) { benchThroughput(b, mailbox.Unbounded(), plain, sendTry) })
	b.Run("SendWait", func(b *testing.B) {
		benchThroughput(b, mailbox.Bounded(1024, mailbox.Suspend), plain, sendWait)
	})
}

// sender sends n messages to ref.
type sender func(b *testing.B, ref actor.Ref[any], n int, msg func(int) any)

func sendRoot(_ *testing.B, ref actor.Ref[any], n int, msg func(int) any) {
	for i := range n {
		ref.Send(msg(i))
	}
}

func sendTry(b *testing.B, ref actor.Ref[any], n int, msg func(int) any) {
	for i := range n {
		if err := actor.TrySend(ref, msg(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func sendWait(b *testing.B, ref actor.Ref[any], n int, msg func(int) any) {
	// A cancellable context: Run's deadlock detection does not see that the
	// mailbox will wake the fiber.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := fiber.Run(ctx, func(f *fiber.Fiber) error {
		for i := range n {
			if err := actor.SendWait(f, ref, msg(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchThroughput(b *testing.B, producer pa.MailboxProducer, msg func(int) any, send sender) {
	b.ReportAllocs()
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())
	raw := sys.Raw()
	n, count := b.N, 0
	done := make(chan struct{})
	pid := raw.Root.Spawn(pa.PropsFromFunc(func(c pa.Context) {
		switch c.Message().(type) {
		case *benchMsg, *benchCtrl:
			if count++; count == n {
				close(done)
			}
		}
	}, pa.WithMailbox(producer)))
	defer func() { _ = raw.Root.StopFuture(pid).Wait() }()
	ref := actor.RefOf[any](sys, pid)
	b.ResetTimer()
	send(b, ref, n, msg)
	<-done
	b.StopTimer()
	if count != n {
		b.Fatalf("handled %d messages; want %d", count, n)
	}
}

// BenchmarkPostParallel measures posting from several goroutines at once
// (the actor counts what it handles; the run ends when it has all).
func BenchmarkPostParallel(b *testing.B) {
	for _, bc := range []struct {
		name     string
		producer pa.MailboxProducer
	}{
		{"Protoactor", pa.Unbounded()},
		{"Unbounded", mailbox.Unbounded()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			sys := actor.NewSystem()
			defer sys.Shutdown(context.Background())
			raw := sys.Raw()
			var (
				mu     sync.Mutex
				count  int
				target = -1
				done   = make(chan struct{})
			)
			pid := raw.Root.Spawn(pa.PropsFromFunc(func(c pa.Context) {
				if _, ok := c.Message().(*benchMsg); ok {
					mu.Lock()
					if count++; count == target {
						close(done)
					}
					mu.Unlock()
				}
			}, pa.WithMailbox(bc.producer)))
			defer func() { _ = raw.Root.StopFuture(pid).Wait() }()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					raw.Root.Send(pid, theMsg)
				}
			})
			mu.Lock()
			if target = b.N; count == target {
				close(done)
			}
			mu.Unlock()
			<-done
		})
	}
}

// countInvoker counts the user messages it is handed.
type countInvoker struct{ n int }

func (c *countInvoker) InvokeSystemMessage(any)  {}
func (c *countInvoker) InvokeUserMessage(any)    { c.n++ }
func (c *countInvoker) EscalateFailure(_, _ any) {}

// inlineDispatcher runs a turn at once, on the posting goroutine.
type inlineDispatcher struct{}

func (inlineDispatcher) Schedule(fn func()) { fn() }
func (inlineDispatcher) Throughput() int    { return 300 }

// BenchmarkPostDrain measures the cost of the mailbox alone, on one
// goroutine: a burst of 64 posts, then one turn that hands them to a
// counting invoker (run by a dispatcher that runs turns inline, when the
// idle mailbox is posted to; posts made meanwhile are queued). One op is
// one message: post, queue, hand over.
func BenchmarkPostDrain(b *testing.B) {
	for _, bc := range []struct {
		name     string
		producer pa.MailboxProducer
		msg      func(int) any
	}{
		{"Protoactor", pa.Unbounded(), nil},
		{"Unbounded", mailbox.Unbounded(), nil},
		{"Bounded", mailbox.Bounded(1024, mailbox.Reject), nil},
		{"Priority", mailbox.Unbounded(mailbox.WithPriority()), func(i int) any {
			if i%10 == 0 {
				return theCtrl
			}
			return theMsg
		}},
		{"Metrics", mailbox.Unbounded(mailbox.WithMetrics(mailbox.NewMetrics())), nil},
		{"QueueTime", mailbox.Unbounded(mailbox.WithMetrics(mailbox.NewMetrics()), mailbox.WithQueueTime()), nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			mb := bc.producer()
			inv := &countInvoker{}
			// Hold the turn: the first post runs it, and it must find the
			// burst queued. A suspended mailbox queues user messages and
			// runs no turn; resuming it runs one turn for the burst.
			mb.RegisterHandlers(inv, inlineDispatcher{})
			mb.PostSystemMessage(&pa.SuspendMailbox{})
			const burst = 64
			b.ResetTimer()
			for i := 0; i < b.N; i += burst {
				for j := 0; j < burst && i+j < b.N; j++ {
					if bc.msg != nil {
						mb.PostUserMessage(bc.msg(j))
					} else {
						mb.PostUserMessage(theMsg)
					}
				}
				mb.PostSystemMessage(&pa.ResumeMailbox{})
				mb.PostSystemMessage(&pa.SuspendMailbox{})
			}
			b.StopTimer()
			mb.PostSystemMessage(&pa.ResumeMailbox{})
			if inv.n != b.N {
				b.Fatalf("handled %d messages; want %d", inv.n, b.N)
			}
		})
	}
}
