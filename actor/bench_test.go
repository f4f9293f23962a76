package actor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// benchMsg is the protocol of the round-trip benchmarks' responder.
type benchMsg interface{ benchMsg() }

// benchPing is the request of the round-trip benchmarks.
type benchPing struct {
	actor.Request[benchMsg, *benchPong]
	n int
}

func (benchPing) benchMsg() {}

// benchPong is its reply.
type benchPong struct{ n int }

// newBenchSystem returns a system shut down when b ends.
func newBenchSystem(b *testing.B, opts ...actor.Option) *actor.System {
	sys := actor.NewSystem(append([]actor.Option{actor.WithLogger(quiet)}, opts...)...)
	b.Cleanup(func() {
		if err := sys.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	})
	return sys
}

// responderProps returns the props of a plain protoactor actor that
// answers benchPing.
func responderProps() *pa.Props {
	return pa.PropsFromFunc(func(c pa.Context) {
		if p, ok := c.Message().(benchPing); ok {
			c.Respond(&benchPong{p.n + 1})
		}
	})
}

// BenchmarkRequest measures one request/reply round trip between two local
// actors. Bridge (a fiber's bridge.Request; the actor keeps serving its
// mailbox) is compared with protoactor's RequestFuture(...).Result(), which
// blocks the requesting actor, and with RequestFuture + ReenterAfter, which
// does not (bar: Bridge ≤ 0.5× FutureResult).
func BenchmarkRequest(b *testing.B) {
	b.Run("FutureResult", func(b *testing.B) {
		b.ReportAllocs()
		sys := newBenchSystem(b)
		ps := sys.Raw()
		responder := ps.Root.Spawn(responderProps())
		defer func() { _ = ps.Root.StopFuture(responder).Wait() }()
		done := make(chan int)
		requester := ps.Root.Spawn(pa.PropsFromFunc(func(c pa.Context) {
			if n, ok := c.Message().(int); ok {
				sum := 0
				for i := 0; i < n; i++ {
					r, err := c.RequestFuture(responder, benchPing{n: i}, 10*time.Second).Result()
					if err != nil {
						b.Error(err)
						break
					}
					sum += r.(*benchPong).n - i
				}
				done <- sum
			}
		}))
		defer func() { _ = ps.Root.StopFuture(requester).Wait() }()
		b.ResetTimer()
		ps.Root.Send(requester, b.N)
		if got := <-done; got != b.N {
			b.Fatalf("%d replies; want %d", got, b.N)
		}
	})
	b.Run("ReenterAfter", func(b *testing.B) {
		b.ReportAllocs()
		sys := newBenchSystem(b)
		ps := sys.Raw()
		responder := ps.Root.Spawn(responderProps())
		defer func() { _ = ps.Root.StopFuture(responder).Wait() }()
		done := make(chan int)
		var n, i, sum int
		var next func(c pa.Context)
		next = func(c pa.Context) {
			if i == n {
				done <- sum
				return
			}
			fut := c.RequestFuture(responder, benchPing{n: i}, 10*time.Second)
			c.ReenterAfter(fut, func(res any, err error) {
				if err != nil {
					b.Error(err)
					done <- sum
					return
				}
				sum += res.(*benchPong).n - i
				i++
				next(c)
			})
		}
		requester := ps.Root.Spawn(pa.PropsFromFunc(func(c pa.Context) {
			if m, ok := c.Message().(int); ok {
				n = m
				next(c)
			}
		}))
		defer func() { _ = ps.Root.StopFuture(requester).Wait() }()
		b.ResetTimer()
		ps.Root.Send(requester, b.N)
		if got := <-done; got != b.N {
			b.Fatalf("%d replies; want %d", got, b.N)
		}
	})
	bridged := func(b *testing.B, opts ...actor.WaitOption) {
		b.ReportAllocs()
		sys := newBenchSystem(b)
		responder, err := actor.Spawn(sys, "", func() actor.Behavior[benchMsg] {
			return actor.BehaviorFunc[benchMsg](func(self *actor.Self[benchMsg], msg benchMsg) {
				p := msg.(benchPing)
				_ = actor.ReplyTo(self, p).Send(&benchPong{p.n + 1})
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan int)
		requester, err := actor.Spawn(sys, "", func() actor.Behavior[int] {
			return actor.BehaviorFunc[int](func(self *actor.Self[int], n int) {
				self.Go("requester", func(f *fiber.Fiber) error {
					sum := 0
					for i := 0; i < n; i++ {
						r, err := actor.Ask(f, responder, benchPing{n: i}, opts...)
						if err != nil {
							return err
						}
						sum += r.n - i
					}
					done <- sum
					return nil
				})
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		requester.Send(b.N)
		if got := <-done; got != b.N {
			b.Fatalf("%d replies; want %d", got, b.N)
		}
	}
	b.Run("Bridge", func(b *testing.B) { bridged(b) })
	// BridgeWithin is Bridge with a deadline per request (bar: ≤ 1.1×
	// Bridge).
	within := []actor.WaitOption{actor.Within(10 * time.Second)}
	b.Run("BridgeWithin", func(b *testing.B) { bridged(b, within...) })
}

// BenchmarkCall measures Call from a goroutine outside actors to a Weft
// actor that answers at once, with one context for the run (NoTimeout),
// with a context.WithTimeout per call (Timeout) and with Within per call
// (Within, bar: ≤ 1.15× NoTimeout). Each checks every reply.
func BenchmarkCall(b *testing.B) {
	run := func(b *testing.B, perCall bool, opts ...actor.WaitOption) {
		b.ReportAllocs()
		sys := newBenchSystem(b)
		responder, err := actor.Spawn(sys, "", func() actor.Behavior[benchMsg] {
			return actor.BehaviorFunc[benchMsg](func(self *actor.Self[benchMsg], msg benchMsg) {
				p := msg.(benchPing)
				_ = actor.ReplyTo(self, p).Send(&benchPong{p.n + 1})
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, cancel := ctx, context.CancelFunc(func() {})
			if perCall {
				c, cancel = context.WithTimeout(ctx, 10*time.Second)
			}
			r, err := actor.Call(c, responder, benchPing{n: i}, opts...)
			cancel()
			if err != nil || r.n != i+1 {
				b.Fatalf("Call = %v, %v; want %d", r, err, i+1)
			}
		}
	}
	b.Run("NoTimeout", func(b *testing.B) { run(b, false) })
	b.Run("Timeout", func(b *testing.B) { run(b, true) })
	within := actor.Within(10 * time.Second)
	b.Run("Within", func(b *testing.B) { run(b, false, within) })
}

// BenchmarkSpawnStop measures spawning a top-level actor and stopping it
// from outside (Ref.Stop, which waits until it has stopped): Weft's
// actor against a plain protoactor actor spawned and stopped with
// protoactor's Root.Spawn and StopFuture(...).Wait() (Raw). Each checks
// that every actor started.
func BenchmarkSpawnStop(b *testing.B) {
	b.Run("Raw", func(b *testing.B) {
		b.ReportAllocs()
		ps := newBenchSystem(b).Raw()
		started := 0
		props := pa.PropsFromFunc(func(c pa.Context) {
			if _, ok := c.Message().(*pa.Started); ok {
				started++ // ordered by StopFuture's wait
			}
		})
		for b.Loop() {
			if err := ps.Root.StopFuture(ps.Root.Spawn(props)).Wait(); err != nil {
				b.Fatal(err)
			}
		}
		if started != b.N {
			b.Fatalf("%d started; want %d", started, b.N)
		}
	})
	b.Run("Weft", func(b *testing.B) {
		b.ReportAllocs()
		sys := newBenchSystem(b)
		started := 0
		produce := func() actor.Behavior[*benchTick] {
			return actor.BehaviorFunc[*benchTick](func(*actor.Self[*benchTick], *benchTick) {})
		}
		ctx := context.Background()
		for b.Loop() {
			ref, err := actor.Spawn(sys, "", produce)
			if err != nil {
				b.Fatal(err)
			}
			if err := ref.Stop(ctx); err != nil {
				b.Fatal(err)
			}
			started++
		}
		if started != b.N {
			b.Fatalf("%d spawned; want %d", started, b.N)
		}
	})
}

// benchTick is the message of the send benchmarks.
type benchTick struct{}

// BenchmarkSend measures a one-way send from one goroutine to an actor that
// counts the messages, processing included. Raw is protoactor's Root.Send
// to a plain protoactor actor (protoactor's default dispatcher); Typed is
// Ref.Send to a Weft actor (bar: Typed ≤ 1.2× Raw). Each checks that the
// actor counted exactly b.N messages.
func BenchmarkSend(b *testing.B) {
	tick := &benchTick{}
	// The sender waits for the actor every sendWindow messages, so that
	// both sides are measured in a steady state: an unbounded flood makes
	// the queue grow, and the run then measures queue growth and GC more
	// than sends (the results were bimodal).
	const sendWindow = 256
	run := func(b *testing.B, send func(), counted <-chan int) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 1; i <= b.N; i++ {
			send()
			if i%sendWindow == 0 || i == b.N {
				if got := <-counted; got != i {
					b.Fatalf("counted %d messages; want %d", got, i)
				}
			}
		}
	}
	// counter returns the message handler of both actors: it counts ticks
	// and reports the count at each window's end.
	counter := func(n int, counted chan<- int) func() {
		count := 0
		return func() {
			if count++; count%sendWindow == 0 || count == n {
				counted <- count
			}
		}
	}
	b.Run("Raw", func(b *testing.B) {
		sys := newBenchSystem(b)
		ps := sys.Raw()
		counted := make(chan int)
		count := counter(b.N, counted)
		pid := ps.Root.Spawn(pa.PropsFromFunc(func(c pa.Context) {
			if _, ok := c.Message().(*benchTick); ok {
				count()
			}
		}))
		defer func() { _ = ps.Root.StopFuture(pid).Wait() }()
		run(b, func() { ps.Root.Send(pid, tick) }, counted)
	})
	typed := func(b *testing.B, opts ...actor.Option) {
		sys := newBenchSystem(b, opts...)
		counted := make(chan int)
		count := counter(b.N, counted)
		ref, err := actor.Spawn(sys, "", func() actor.Behavior[*benchTick] {
			return actor.BehaviorFunc[*benchTick](func(*actor.Self[*benchTick], *benchTick) { count() })
		})
		if err != nil {
			b.Fatal(err)
		}
		run(b, func() { ref.Send(tick) }, counted)
	}
	b.Run("Typed", func(b *testing.B) { typed(b) })
	// Watched is Typed under a slice watchdog: what recording each turn's
	// slice costs.
	b.Run("Watched", func(b *testing.B) { typed(b, actor.WithWatchdog(actor.Watchdog{Warn: time.Second})) })
}

// BenchmarkShutdown measures System.Shutdown of n idle top-level actors,
// reported per actor (ns/actor): it must stay flat from 10k to 100k
// actors (linear shutdown). Each iteration spawns the actors (not timed),
// then times Shutdown and checks that no actor is left in Top.
func BenchmarkShutdown(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("actors=%d", n), func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				b.StopTimer()
				sys := actor.NewSystem(actor.WithLogger(quiet))
				for i := range n {
					if _, err := actor.Spawn(sys, fmt.Sprint("idle-", i), func() actor.Behavior[*benchTick] {
						return actor.BehaviorFunc[*benchTick](func(*actor.Self[*benchTick], *benchTick) {})
					}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				if err := sys.Shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				b.StopTimer()
				if left := sys.Top(context.Background()); len(left) != 0 {
					b.Fatalf("%d actors left after Shutdown; want 0", len(left))
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*n), "ns/actor")
		})
	}
}
