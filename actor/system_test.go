package actor_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/leakcheck"
)

func TestShutdownStopsNewestFirst(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet))
	var log eventLog
	for _, name := range []string{"a", "b", "c"} {
		spawn(t, sys, name, func() actor.Behavior[int] {
			h := &hooked[int]{name: name, log: &log}
			if name == "b" {
				h.started = func(self *actor.Self[int]) {
					if _, err := actor.SpawnChild(self, "kid", func() actor.Behavior[int] {
						return &hooked[int]{name: "b/kid", log: &log}
					}); err != nil {
						t.Errorf("SpawnChild(b, kid) error = %v; want nil", err)
					}
				}
			}
			return h
		})
	}
	// Spawn queues Started before it returns, so every actor (and b's
	// child) has started before Shutdown stops it.
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v; want nil", err)
	}
	var stops []string
	for _, e := range log.get() {
		if !slices.Contains([]string{"a:Started", "b:Started", "c:Started", "b/kid:Started"}, e) {
			stops = append(stops, e)
		}
	}
	want := []string{
		"c:Stopping", "c:Stopped",
		"b:Stopping", "b/kid:Stopping", "b/kid:Stopped", "b:Stopped",
		"a:Stopping", "a:Stopped",
	}
	if !slices.Equal(stops, want) {
		t.Errorf("stop hooks after Shutdown = %q; want %q", stops, want)
	}
}

// blocker spawns, from Started, a fiber blocked in fiber.Await on a
// function that, once its context is cancelled, closes cancelled and then
// waits for release. The fiber closes cleaned in a deferred cleanup and
// sends the error of Await to awaitErr.
type blocker struct {
	waiting, cancelled, release, returned, cleaned chan struct{}
	awaitErr                                       chan error
}

func newBlocker() *blocker {
	return &blocker{
		waiting:   make(chan struct{}),
		cancelled: make(chan struct{}),
		release:   make(chan struct{}),
		returned:  make(chan struct{}),
		cleaned:   make(chan struct{}),
		awaitErr:  make(chan error, 1),
	}
}

func (b *blocker) behavior() actor.Behavior[int] {
	return &hooked[int]{name: "blocker", log: new(eventLog), started: func(self *actor.Self[int]) {
		self.Go("blocked", func(f *fiber.Fiber) error {
			defer close(b.cleaned)
			_, err := fiber.Await(f, func(ctx context.Context) (int, error) {
				close(b.waiting)
				<-ctx.Done()
				close(b.cancelled)
				<-b.release // ignores ctx from here on: Shutdown must wait
				close(b.returned)
				return 0, nil
			})
			b.awaitErr <- err
			return err
		})
	}}
}

func TestShutdownWaitsForFiberCleanups(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet))
	b := newBlocker()
	spawn(t, sys, "blocker", b.behavior)
	recv(t, b.waiting, "the Await call to start")

	result := make(chan error, 1)
	go func() { result <- sys.Shutdown(context.Background()) }()
	recv(t, b.cancelled, "the Await context to be cancelled by Shutdown")
	select {
	case err := <-result:
		t.Fatalf("Shutdown() = %v before the Await call returned; want it to wait", err)
	default:
	}
	close(b.release)
	if err := recv(t, result, "Shutdown"); err != nil {
		t.Fatalf("Shutdown() = %v; want nil", err)
	}
	if !isClosed(b.cleaned) {
		t.Errorf("fiber cleanup ran before Shutdown returned = false; want true")
	}
	if !isClosed(b.returned) {
		t.Errorf("Await function returned before Shutdown returned = false; want true")
	}
	err := recv(t, b.awaitErr, "the Await error")
	if !isCancel(err, actor.ErrStopped) {
		t.Errorf("Await(...) error = %v; want one matching context.Canceled and actor.ErrStopped", err)
	}
}

func TestShutdownReportsAwaitOverrun(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet), actor.WithStopTimeout(20*time.Millisecond))
	b := newBlocker()
	ref := spawn(t, sys, "stuck", b.behavior)
	recv(t, b.waiting, "the Await call to start")
	err := sys.Shutdown(context.Background())
	if !errors.Is(err, actor.ErrStopTimeout) || !strings.Contains(fmt.Sprint(err), ref.String()) {
		t.Errorf("Shutdown() with an Await call running past the stop timeout = %v; want an error wrapping actor.ErrStopTimeout naming %v", err, ref)
	}
	if !isClosed(b.cleaned) {
		t.Errorf("fiber cleanup ran before Shutdown returned = false; want true")
	}
	if isClosed(b.returned) {
		t.Fatalf("Await function returned before release = true; want false")
	}
	close(b.release) // the goroutine left behind ends
	recv(t, b.returned, "the Await function to return")
}

// probeCtx is a context that closes waiting the first time Done is called.
type probeCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *probeCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

func TestShutdownConcurrent(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet))
	spawn(t, sys, "first", counter)
	b := newBlocker()
	spawn(t, sys, "blocker", b.behavior) // newest: stopped first
	recv(t, b.waiting, "the Await call to start")

	ctx1, cancel1 := context.WithCancelCause(context.Background())
	defer cancel1(nil)
	result1 := make(chan error, 1)
	go func() { result1 <- sys.Shutdown(ctx1) }()
	recv(t, b.cancelled, "the first Shutdown to stop the blocker")

	// The second call waits for the first (it asks its context for Done
	// only then).
	ctx2 := &probeCtx{Context: context.Background(), waiting: make(chan struct{})}
	result2 := make(chan error, 1)
	go func() { result2 <- sys.Shutdown(ctx2) }()
	recv(t, ctx2.waiting, "the second Shutdown to wait")
	select {
	case err := <-result1:
		t.Fatalf("first Shutdown() = %v before its work was done; want it to wait", err)
	case err := <-result2:
		t.Fatalf("second Shutdown() = %v before the first was done; want it to wait", err)
	default:
	}

	// The first call's context ends while the blocker is stopping: it
	// returns the cause at once, and the work goes on; the second call
	// waits for the work to end and returns its result.
	cause := errors.New("operator gave up")
	cancel1(cause)
	err1 := recv(t, result1, "the first Shutdown")
	if !errors.Is(err1, cause) {
		t.Errorf("first Shutdown() = %v; want an error wrapping %v", err1, cause)
	}
	select {
	case err := <-result2:
		t.Fatalf("second Shutdown() = %v while the blocker still stops; want it to wait", err)
	default:
	}
	close(b.release)
	err2 := recv(t, result2, "the second Shutdown")
	if err2 != nil {
		t.Errorf("second Shutdown() = %v; want nil (every actor stopped cleanly)", err2)
	}
	if !isClosed(b.cleaned) {
		t.Errorf("fiber cleanup ran before the second Shutdown returned = false; want true")
	}
	if err3 := sys.Shutdown(context.Background()); err3 != err2 {
		t.Errorf("third Shutdown() = %v; want the second's result %v", err3, err2)
	}
}

func TestShutdownTwice(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet))
	spawn(t, sys, "", counter)
	for i := range 2 {
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown() #%d = %v; want nil", i+1, err)
		}
	}
}

func TestShutdownLeavesNoGoroutine(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet), actor.WithWorkers(3))
	echo := spawn(t, sys, "echo", numEcho)
	ready := make(chan struct{}, 3)
	spawn(t, sys, "busy", func() actor.Behavior[int] {
		return &hooked[int]{name: "busy", log: new(eventLog), started: func(self *actor.Self[int]) {
			self.Go("sleeper", func(f *fiber.Fiber) error {
				ready <- struct{}{}
				return f.Sleep(patience) // a pending timer
			})
			self.Go("awaiter", func(f *fiber.Fiber) error {
				_, err := fiber.Await(f, func(ctx context.Context) (int, error) {
					ready <- struct{}{}
					<-ctx.Done() // a blocked goroutine
					return 0, ctx.Err()
				})
				return err
			})
			self.Go("asker", func(f *fiber.Fiber) error {
				if _, err := actor.Ask(f, echo, num{n: 1}); err != nil {
					return err
				}
				ready <- struct{}{}
				_, err := actor.Receive[string](f) // a pending selective receive
				return err
			})
		}}
	})
	for range 3 {
		recv(t, ready, "the fibers to block")
	}
	// A dead letter starts protoactor's throttle goroutine.
	dead := spawn(t, sys, "dead", counter)
	stop(t, dead)
	if _, err := actor.Call(ctxFor(t), dead, get{}); !errors.Is(err, actor.ErrDeadTarget) {
		t.Fatalf("Call(stopped actor) error = %v; want actor.ErrDeadTarget", err)
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v; want nil", err)
	}
	leakcheck.VerifyNone(t)
}

func TestSpawnAfterShutdown(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet))
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v; want nil", err)
	}
	for _, name := range []string{"", "late"} {
		ref, err := actor.Spawn(sys, name, counter)
		if !errors.Is(err, actor.ErrShutdown) {
			t.Errorf("Spawn(shut down system, %q) error = %v; want actor.ErrShutdown", name, err)
		}
		if !ref.IsZero() {
			t.Errorf("Spawn(shut down system, %q) ref.IsZero() = false; want true", name)
		}
	}
}

// captureStderr runs fn with os.Stderr redirected to a pipe and returns what
// was written to it.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		r.Close()
		out <- string(b)
	}()
	old := os.Stderr
	os.Stderr = w
	func() {
		defer func() {
			os.Stderr = old
			w.Close()
		}()
		fn()
	}()
	return <-out
}

// noisyWork makes protoactor and Weft log: a dead letter, a handler panic
// that the default strategy restarts, and in each of the two incarnations
// a fiber that fails.
func noisyWork(t *testing.T, sys *actor.System) {
	t.Helper()
	restarted := make(chan struct{}, 2)
	ref := spawn(t, sys, "", func() actor.Behavior[counterMsg] {
		return &hooked[counterMsg]{name: "noisy", log: new(eventLog),
			started: func(self *actor.Self[counterMsg]) {
				self.Go("failing", func(*fiber.Fiber) error { return errors.New("noisy fiber") })
				restarted <- struct{}{}
			},
			receive: func(*actor.Self[counterMsg], counterMsg) { panic("noisy failure") },
		}
	})
	recv(t, restarted, "Started")
	ref.Send(add{n: 1})
	recv(t, restarted, "the restart")
	stop(t, ref)
	ref.Send(add{n: 2}) // dead letter
	if _, err := actor.Call(ctxFor(t), ref, get{}); !errors.Is(err, actor.ErrDeadTarget) {
		t.Errorf("Call(stopped actor) error = %v; want actor.ErrDeadTarget", err)
	}
}

func TestSystemLogging(t *testing.T) {
	t.Run("WithLogger", func(t *testing.T) {
		h := newRecordHandler(slog.LevelDebug)
		l := slog.New(h)
		var sys *actor.System
		stderr := captureStderr(t, func() {
			sys = actor.NewSystem(actor.WithLogger(l))
			noisyWork(t, sys)
			if err := sys.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown() = %v; want nil", err)
			}
		})
		if sys.Logger() != l {
			t.Errorf("Logger() = %p; want the WithLogger logger %p", sys.Logger(), l)
		}
		checkRecords(t, h)
		if stderr != "" {
			t.Errorf("stderr = %q; want nothing", stderr)
		}
	})
	t.Run("Default", func(t *testing.T) {
		// The default is slog.Default at NewSystem: protoactor's records go
		// where the program's others go.
		h := newRecordHandler(slog.LevelDebug)
		old := slog.Default()
		slog.SetDefault(slog.New(h))
		defer slog.SetDefault(old)
		sys := actor.NewSystem()
		noisyWork(t, sys)
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown() = %v; want nil", err)
		}
		if sys.Logger() != slog.Default() {
			t.Errorf("Logger() = %p; want slog.Default() %p", sys.Logger(), slog.Default())
		}
		checkRecords(t, h)
	})
}

// checkRecords checks what noisyWork logged to h: the two fiber failures
// at Error level, and none of protoactor's Info records (its start, its
// dead letters, its restart).
func checkRecords(t *testing.T, h *recordHandler) {
	t.Helper()
	if recs := h.records("weft: fiber failed"); len(recs) != 2 || recs[0].Level != slog.LevelError {
		t.Errorf("records of %q = %v; want two at level ERROR", "weft: fiber failed", recs)
	}
	if recs := h.records("actor system started"); len(recs) != 0 {
		t.Errorf("records of %q = %v; want none (protoactor's Info records are dropped)", "actor system started", recs)
	}
	for _, m := range h.messages() {
		if strings.Contains(m, "DeadLetter") {
			t.Errorf("record %q; want no dead-letter record", m)
		}
	}
}

// A fiber that panics in its cleanup while its actor stops does not go
// unnoticed: Shutdown reports its *fiber.PanicError.
func TestShutdownReportsCleanupPanic(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(quiet))
	started := make(chan struct{})
	ref, err := actor.Spawn(sys, "fragile", func() actor.Behavior[int] {
		return actor.BehaviorFunc[int](func(self *actor.Self[int], _ int) {
			self.Go("worker", func(f *fiber.Fiber) error {
				defer func() { panic("cleanup failed") }()
				close(started)
				var ev fiber.Event
				return ev.Wait(f)
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ref.Send(1)
	<-started
	err = sys.Shutdown(context.Background())
	var pe *fiber.PanicError
	if !errors.As(err, &pe) || pe.Fiber != "worker" || pe.Value != "cleanup failed" {
		t.Fatalf("Shutdown() = %v; want the *fiber.PanicError of fiber worker's cleanup", err)
	}
}
