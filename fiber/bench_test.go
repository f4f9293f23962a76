package fiber_test

import (
	"context"
	"iter"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"

	"github.com/weft-go/weft/fiber"
)

// BenchmarkYield measures one fiber yield→resume round trip; the
// IterPull sub-benchmark is the in-run baseline (bar: ≤ 1.5×).
func BenchmarkYield(b *testing.B) {
	b.Run("IterPull", func(b *testing.B) {
		b.ReportAllocs()
		next, stop := iter.Pull(func(yield func(int) bool) {
			for i := 0; ; i++ {
				if !yield(i) {
					return
				}
			}
		})
		defer stop()
		sum := 0
		for i := 0; i < b.N; i++ {
			v, _ := next()
			sum += v
		}
		if want := b.N * (b.N - 1) / 2; sum != want {
			b.Fatalf("sum = %d; want %d", sum, want)
		}
	})
	b.Run("Fiber", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			for i := 0; i < b.N; i++ {
				if err := f.Yield(); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil || n != b.N {
			b.Fatalf("Run = %v after %d yields; want nil after %d", err, n, b.N)
		}
	})
}

// BenchmarkSpawn measures spawning a fiber that finishes at once and
// joining it; the Goroutine sub-benchmark (go + WaitGroup) is the in-run
// baseline (bar: ≤ 1.5×). The other sub-benchmarks show what profile
// labels cost.
func BenchmarkSpawn(b *testing.B) {
	b.Run("Goroutine", func(b *testing.B) {
		b.ReportAllocs()
		var wg sync.WaitGroup
		n := 0
		for i := 0; i < b.N; i++ {
			wg.Add(1)
			go func() { n++; wg.Done() }()
			wg.Wait()
		}
		if n != b.N {
			b.Fatalf("ran %d; want %d", n, b.N)
		}
	})
	// fibers spawns and joins b.N children that run first (if not nil),
	// then count themselves.
	fibers := func(b *testing.B, first func(*fiber.Fiber) error, opts ...fiber.Option) {
		b.ReportAllocs()
		n := 0
		child := func(f *fiber.Fiber) error {
			if first != nil {
				if err := first(f); err != nil {
					return err
				}
			}
			n++
			return nil
		}
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			for i := 0; i < b.N; i++ {
				if err := f.Join(f.Spawn("", child)); err != nil {
					return err
				}
			}
			return nil
		}, opts...)
		if err != nil || n != b.N {
			b.Fatalf("Run = %v after %d spawns; want nil after %d", err, n, b.N)
		}
	}
	b.Run("Fiber", func(b *testing.B) { fibers(b, nil) })
	// Labelled spawns as an actor's fibers do: with profile labels on.
	labels := fiber.WithProfileLabels("weft.actor", "bench")
	b.Run("Labelled", func(b *testing.B) { fibers(b, nil, labels) })
	// Fibers that outlive their first run (they yield once), as a
	// connection's reader does: the spawns whose labels cost something.
	yield := func(f *fiber.Fiber) error { return f.Yield() }
	b.Run("Outliving", func(b *testing.B) { fibers(b, yield) })
	b.Run("OutlivingLabelled", func(b *testing.B) { fibers(b, yield, labels) })
	// Labelled spawns under a monitor (an actor's slice watchdog), which
	// labels every fiber before its first run.
	b.Run("Monitored", func(b *testing.B) { fibers(b, nil, labels, fiber.WithMonitor(fiber.NewMonitor())) })
}

// liveBytes returns the heap and stack memory in use after a full GC.
func liveBytes() uint64 {
	debug.FreeOSMemory() // a full GC that also releases cached stack spans
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// parkedGoroutineBytes measures the memory cost of n goroutines parked on
// a channel receive.
func parkedGoroutineBytes(n int) float64 {
	before := liveBytes()
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			<-release
			wg.Done()
		}()
	}
	after := liveBytes()
	close(release)
	wg.Wait()
	return float64(after-before) / float64(n)
}

// idleFiberBytes measures the memory cost of n fibers suspended on an
// Event, each a child of a scheduler driven by the benchmark. It fails b if
// the fibers did not all suspend and then all finish.
func idleFiberBytes(b *testing.B, n int) float64 {
	before := liveBytes()
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var ev fiber.Event
	done := 0
	wait := func(f *fiber.Fiber) error {
		err := ev.Wait(f)
		done++
		return err
	}
	for range n {
		s.Spawn("", wait)
	}
	after := liveBytes()
	if got := s.Live(); got != n {
		b.Fatalf("Live() = %d after spawning; want %d", got, n)
	}
	ev.Set()
	if err := s.RunReady(); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	if done != n {
		b.Fatalf("%d fibers finished; want %d", done, n)
	}
	return float64(after-before) / float64(n)
}

// ballast parks n goroutines until the returned function is called.
func ballast(n int) (release func()) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			<-stop
			wg.Done()
		}()
	}
	return func() {
		close(stop)
		wg.Wait()
	}
}

// BenchmarkIdleMemory reports the bytes held by one suspended fiber and by
// one parked goroutine (the in-run baseline), and their ratio (bar: ≤ 1.5×).
//
// The runtime sizes new goroutine stacks (fibers' included) by the average
// stack seen at the last GC; with only the test's own deep goroutines alive
// that average jumps to 4 KiB between measurements and skews one side or
// the other. A ballast of parked goroutines, alive throughout, keeps the
// heuristic at the size a program with many parked goroutines sees.
func BenchmarkIdleMemory(b *testing.B) {
	const n = 100_000
	defer ballast(10_000)()
	var fib, gor float64
	for i := 0; i < b.N; i++ {
		gor += parkedGoroutineBytes(n)
		fib += idleFiberBytes(b, n)
	}
	b.ReportMetric(fib/float64(b.N), "B/fiber")
	b.ReportMetric(gor/float64(b.N), "B/goroutine")
	b.ReportMetric(fib/gor, "fiber/goroutine")
}

// BenchmarkMillionFibers holds 1,000,000 suspended fibers in one scheduler
// at once, then wakes and finishes them all; it reports the memory they
// held. Run it alone: go test -run '^$' -bench MillionFibers -benchtime 1x.
func BenchmarkMillionFibers(b *testing.B) {
	const n = 1_000_000
	defer ballast(10_000)()
	for i := 0; i < b.N; i++ {
		per := idleFiberBytes(b, n)
		b.ReportMetric(per, "B/fiber")
		b.ReportMetric(per*n/(1<<20), "MiB/1M-fibers")
	}
}
