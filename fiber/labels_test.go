package fiber_test

import (
	"context"
	"testing"

	"github.com/weft-go/weft/fiber"
)

// TestShortFibersPayNoLabels checks that profile labels are lazy: a child
// that finishes in its first run costs the same allocations with labels
// on as with them off (no label set, no spawn-site walk).
func TestShortFibersPayNoLabels(t *testing.T) {
	allocs := func(labels bool) float64 {
		s := fiber.NewScheduler(fiber.SchedulerConfig{})
		defer func() {
			if err := s.Close(context.Background()); err != nil {
				t.Error(err)
			}
		}()
		if labels {
			s.SetProfileLabels("weft.actor", "lazy")
		}
		nop := func(*fiber.Fiber) error { return nil }
		n := -1.0
		s.Spawn("spawner", func(f *fiber.Fiber) error {
			n = testing.AllocsPerRun(100, func() {
				if err := f.Join(f.Spawn("child", nop)); err != nil {
					t.Error(err)
				}
			})
			return nil
		})
		if err := s.RunReady(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	with, without := allocs(true), allocs(false)
	if with < 0 || with != without {
		t.Errorf("spawn+join of a short fiber: %v allocations with labels, %v without; want the same", with, without)
	}
}
