package leakcheck_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) report() string { return strings.Join(r.msgs, "\n") }

// check runs VerifyNone on a recorder and asserts that it failed with a
// report containing every one of want.
func check(t *testing.T, want ...string) {
	t.Helper()
	r := &recorder{TB: t}
	leakcheck.VerifyNone(r)
	if len(r.msgs) == 0 {
		t.Fatalf("VerifyNone passed; want a failure naming %q", want)
	}
	for _, w := range want {
		if !strings.Contains(r.report(), w) {
			t.Errorf("VerifyNone report lacks %q:\n%s", w, r.report())
		}
	}
}

func TestRawGoroutine(t *testing.T) {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		<-stop
	}()
	check(t, "leakcheck_test.TestRawGoroutine.func1")
	close(stop)
	<-done
}

// leakedScheduler returns a scheduler with fibers left suspended, and a
// function that cleans them up.
func leakedScheduler(t *testing.T, labels bool, spawn func(s *fiber.Scheduler)) (cleanup func()) {
	return leakedSchedulerOf(t, fiber.SchedulerConfig{}, labels, spawn)
}

// leakedSchedulerOf is leakedScheduler with a scheduler configured by cfg.
func leakedSchedulerOf(t *testing.T, cfg fiber.SchedulerConfig, labels bool, spawn func(s *fiber.Scheduler)) (cleanup func()) {
	s := fiber.NewScheduler(cfg)
	if labels {
		s.SetProfileLabels("weft.actor", "test-actor")
	}
	spawn(s)
	return func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}
}

func TestLeakedFiber(t *testing.T) {
	var ev fiber.Event
	cleanup := leakedScheduler(t, true, func(s *fiber.Scheduler) {
		s.Spawn("reader", func(f *fiber.Fiber) error { return ev.Wait(f) })
	})
	check(t, `fiber "reader" of actor test-actor suspended in fiber.(*Event).Wait`,
		"; runs github.com/weft-go/weft/leakcheck_test.TestLeakedFiber.func1.1 (for its spawn site, turn on fiber.SchedulerConfig.SpawnSites)")
	cleanup()
}

func TestLeakedFiberSpawnSite(t *testing.T) {
	var ev fiber.Event
	cleanup := leakedSchedulerOf(t, fiber.SchedulerConfig{SpawnSites: true}, true, func(s *fiber.Scheduler) {
		s.Spawn("reader", func(f *fiber.Fiber) error { return ev.Wait(f) })
	})
	check(t, `fiber "reader" of actor test-actor suspended in fiber.(*Event).Wait`,
		"; spawned by github.com/weft-go/weft/leakcheck_test.TestLeakedFiberSpawnSite.func1 ")
	cleanup()
}

func TestLeakedFiberWithoutLabels(t *testing.T) {
	var ev fiber.Event
	cleanup := leakedScheduler(t, false, func(s *fiber.Scheduler) {
		s.Spawn("reader", func(f *fiber.Fiber) error { return ev.Wait(f) })
	})
	check(t, "a fiber suspended in fiber.(*Event).Wait, called from github.com/weft-go/weft/leakcheck_test.TestLeakedFiberWithoutLabels")
	cleanup()
}

func TestLeakedTimer(t *testing.T) {
	cleanup := leakedScheduler(t, true, func(s *fiber.Scheduler) {
		s.Spawn("ticker", func(f *fiber.Fiber) error { return f.Sleep(1 << 40) })
	})
	check(t, `fiber "ticker" of actor test-actor suspended in fiber.(*Fiber).Sleep`)
	cleanup()
}

func TestLeakedAwait(t *testing.T) {
	release := make(chan struct{})
	cleanup := leakedScheduler(t, true, func(s *fiber.Scheduler) {
		s.Spawn("db", func(f *fiber.Fiber) error {
			_, err := fiber.Await(f, func(context.Context) (int, error) {
				<-release
				return 0, nil
			})
			return err
		})
	})
	check(t, `Await call of fiber "db" of actor test-actor still running`,
		`fiber "db" of actor test-actor suspended in fiber.Await`)
	close(release)
	cleanup()
}

func TestLeakedActorSystem(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []actor.Option
		want []string
	}{
		{"pool", []actor.Option{actor.WithWorkers(2)}, []string{"an actor.System was not shut down: 2 worker goroutine(s) alive"}},
		{"serial, watchdog", []actor.Option{actor.WithSerialTurns(), actor.WithWatchdog(actor.Watchdog{Warn: time.Hour})}, []string{
			"an actor.System was not shut down: 1 worker goroutine(s) alive",
			"an actor.System's slice watchdog is still running (call System.Shutdown)",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := actor.NewSystem(tc.opts...)
			check(t, tc.want...)
			if err := sys.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLeakedActorFiber(t *testing.T) {
	sys := actor.NewSystem()
	started := make(chan struct{})
	ref, err := actor.Spawn(sys, "gateway", func() actor.Behavior[string] {
		return actor.BehaviorFunc[string](func(self *actor.Self[string], msg string) {
			self.Go("subscriber", func(f *fiber.Fiber) error {
				var ev fiber.Event
				close(started)
				return ev.Wait(f)
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ref.Send("go")
	<-started
	check(t, `fiber "subscriber" of actor gateway suspended in fiber.(*Event).Wait`)
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// echoMsg is the protocol of TestCleanShutdownPasses's actor.
type echoMsg interface{ echoMsg() }

// echo is answered with n.
type echo struct {
	actor.Request[echoMsg, int]
	n int
}

func (echo) echoMsg() {}

func TestCleanShutdownPasses(t *testing.T) {
	sys := actor.NewSystem()
	ref, err := actor.Spawn(sys, "", func() actor.Behavior[echoMsg] {
		return actor.BehaviorFunc[echoMsg](func(self *actor.Self[echoMsg], msg echoMsg) {
			m := msg.(echo)
			self.Go("sleeper", func(f *fiber.Fiber) error { return f.Sleep(1 << 40) })
			_ = actor.ReplyTo(self, m).Send(m.n)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := actor.Call(context.Background(), ref, echo{n: 7}); got != 7 || err != nil {
		t.Fatalf("Call(echo{7}) = %d, %v; want 7, nil", got, err)
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	leakcheck.VerifyNone(r)
	if len(r.msgs) != 0 {
		t.Fatalf("VerifyNone after a clean shutdown failed:\n%s", r.report())
	}
}
