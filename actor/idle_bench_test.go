package actor_test

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// liveBytes returns the heap and stack memory in use after a full GC that
// also releases cached stack spans.
func liveBytes() uint64 {
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// idleActor does nothing; it signals its start, after parking a fiber in
// Receive if withFiber.
type idleActor struct {
	withFiber bool
	started   chan<- struct{}
}

func (*idleActor) Receive(*actor.Self[int], int) {}

func (a *idleActor) Started(self *actor.Self[int]) {
	if a.withFiber {
		self.Go("idle", func(f *fiber.Fiber) error { _, err := actor.Receive[string](f); return err })
	}
	a.started <- struct{}{}
}

// BenchmarkIdleMemory reports the memory an idle top-level actor holds
// (B/actor), with one fiber parked in Receive (B/actor+fiber), and a
// goroutine parked on a channel (B/goroutine), the baseline the parked
// fiber is compared with: (B/actor+fiber - B/actor) against B/goroutine.
// It checks that every actor started (and its fiber parked).
func BenchmarkIdleMemory(b *testing.B) {
	const n = 10_000
	actors := func(b *testing.B, withFiber bool) float64 {
		sys := newBenchSystem(b)
		started := make(chan struct{}, n)
		before := liveBytes()
		for range n {
			if _, err := actor.Spawn(sys, "", func() actor.Behavior[int] {
				return &idleActor{withFiber: withFiber, started: started}
			}); err != nil {
				b.Fatal(err)
			}
		}
		for range n {
			<-started
		}
		return float64(liveBytes()-before) / n
	}
	goroutines := func() float64 {
		release := make(chan struct{})
		ready := make(chan struct{}, n)
		before := liveBytes()
		for range n {
			go func() { ready <- struct{}{}; <-release }()
		}
		for range n {
			<-ready
		}
		per := float64(liveBytes()-before) / n
		close(release)
		return per
	}
	var plain, fibered, gor float64
	for b.Loop() {
		plain += actors(b, false)
		fibered += actors(b, true)
		gor += goroutines()
	}
	b.ReportMetric(plain/float64(b.N), "B/actor")
	b.ReportMetric(fibered/float64(b.N), "B/actor+fiber")
	b.ReportMetric(gor/float64(b.N), "B/goroutine")
}
