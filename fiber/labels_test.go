package fiber_test

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/goprof"
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

// TestSpawnedLabel checks the "weft.spawned" label of a fiber that
// outlives its first run: by default the function it runs, with no stack
// walk; with SpawnSites, the function that spawned it.
func TestSpawnedLabel(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	for _, tc := range []struct {
		sites bool
		want  string
	}{
		{false, "github.com/weft-go/weft/fiber_test.TestSpawnedLabel.func1"},
		{true, "github.com/weft-go/weft/fiber_test.TestSpawnedLabel " + file + ":"},
	} {
		s := fiber.NewScheduler(fiber.SchedulerConfig{SpawnSites: tc.sites})
		s.SetProfileLabels("weft.actor", "spawned-label")
		var ev fiber.Event
		f := s.Spawn("waiter", func(f *fiber.Fiber) error { return ev.Wait(f) })
		gs := goprof.Find(map[string]string{"weft.actor": "spawned-label", "weft.fiber": "waiter", "weft.fiber.id": strconv.FormatUint(f.ID(), 10)})
		if len(gs) != 1 {
			t.Errorf("SpawnSites %v: %d goroutines labelled as the waiter; want 1", tc.sites, len(gs))
		} else if site := gs[0].Labels["weft.spawned"]; site != tc.want && (!tc.sites || !strings.HasPrefix(site, tc.want)) {
			t.Errorf("SpawnSites %v: weft.spawned = %q; want %q", tc.sites, site, tc.want)
		}
		ev.Set()
		if err := s.RunReady(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}
