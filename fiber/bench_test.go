package fiber_test

import (
	"context"
	"iter"
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
// baseline (bar: ≤ 1.5×).
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
	b.Run("Fiber", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		child := func(*fiber.Fiber) error { n++; return nil }
		err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
			for i := 0; i < b.N; i++ {
				if err := f.Join(f.Spawn("", child)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n != b.N {
			b.Fatalf("Run = %v after %d spawns; want nil after %d", err, n, b.N)
		}
	})
}
