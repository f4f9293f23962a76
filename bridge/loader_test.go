package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// batches records the key lists a batch function is called with (on
// goroutines of their own).
type batches[K any] struct {
	mu   sync.Mutex
	keys [][]K
}

func (b *batches[K]) add(keys []K) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.keys = append(b.keys, slices.Clone(keys))
}

func (b *batches[K]) get() [][]K {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.keys)
}

// joinAll joins every fiber of fs and returns the first error.
func joinAll(f *fiber.Fiber, fs []*fiber.Fiber) error {
	var first error
	for _, c := range fs {
		if err := f.Join(c); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// The keys that several fibers ask for in one turn go out as one batch,
// each key once, in the order first asked.
func TestLoaderOneBatchPerTurn(t *testing.T) {
	sys := newSystem(t)
	var rec batches[int]
	type result struct {
		vals    []int
		batches int
		err     error
	}
	done := make(chan result, 1)
	spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); !ok {
			return
		}
		l := bridge.NewLoader(h, "squares", func(_ context.Context, keys []int) (map[int]int, error) {
			rec.add(keys)
			m := make(map[int]int)
			for _, k := range keys {
				m[k] = k * k
			}
			return m, nil
		})
		h.Spawn("main", func(f *fiber.Fiber) error {
			keys := []int{3, 1, 3, 2, 1}
			vals := make([]int, len(keys))
			var loaders []*fiber.Fiber
			for i, k := range keys {
				loaders = append(loaders, f.Spawn(fmt.Sprint("load", k), func(f *fiber.Fiber) error {
					v, err := l.Load(f, k)
					vals[i] = v
					return err
				}))
			}
			err := joinAll(f, loaders)
			done <- result{vals, l.Batches(), err}
			return nil
		})
	}))
	res := recv(t, done)
	if res.err != nil || !slices.Equal(res.vals, []int{9, 1, 9, 4, 1}) {
		t.Errorf("Load(3, 1, 3, 2, 1) = %v, %v; want [9 1 9 4 1], nil", res.vals, res.err)
	}
	if res.batches != 1 {
		t.Errorf("Batches() = %d; want 1", res.batches)
	}
	if got := rec.get(); !slices.EqualFunc(got, [][]int{{3, 1, 2}}, slices.Equal) {
		t.Errorf("batch calls = %v; want [[3 1 2]]", got)
	}
}

// A computation whose data-dependency graph has height 3 makes exactly 3
// batch calls, however many loads it makes.
func TestLoaderBatchesEqualHeight(t *testing.T) {
	graph := map[string][]string{
		"a": {"b", "c"},
		"b": {"d", "e"},
		"c": {"e", "f"},
		"d": nil, "e": nil, "f": nil,
	}
	sys := newSystem(t)
	var rec batches[string]
	type result struct {
		visited []string
		batches int
		err     error
	}
	done := make(chan result, 1)
	spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); !ok {
			return
		}
		l := bridge.NewLoader(h, "graph", func(_ context.Context, keys []string) (map[string][]string, error) {
			rec.add(keys)
			m := make(map[string][]string)
			for _, k := range keys {
				m[k] = graph[k]
			}
			return m, nil
		})
		var visited []string
		var walk func(f *fiber.Fiber, key string) error
		walk = func(f *fiber.Fiber, key string) error {
			children, err := l.Load(f, key)
			if err != nil {
				return err
			}
			visited = append(visited, key)
			var walkers []*fiber.Fiber
			for _, c := range children {
				walkers = append(walkers, f.Spawn("walk "+c, func(f *fiber.Fiber) error { return walk(f, c) }))
			}
			return joinAll(f, walkers)
		}
		h.Spawn("walk a", func(f *fiber.Fiber) error {
			err := walk(f, "a")
			slices.Sort(visited)
			done <- result{visited, l.Batches(), err}
			return nil
		})
	}))
	res := recv(t, done)
	if res.err != nil || !slices.Equal(res.visited, []string{"a", "b", "c", "d", "e", "e", "f"}) {
		t.Errorf("walk(a) visited %q, error %v; want [a b c d e e f], nil", res.visited, res.err)
	}
	if res.batches != 3 {
		t.Errorf("Batches() = %d; want 3 (the graph's height)", res.batches)
	}
	want := [][]string{{"a"}, {"b", "c"}, {"d", "e", "f"}}
	if got := rec.get(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("batch calls = %q; want %q", got, want)
	}
}

// loadAll spawns a bridge actor whose fibers load keys with a loader on
// batch, in one turn, and returns what each load returned.
func loadAll(t *testing.T, batch func(context.Context, []int) (map[int]string, error), keys ...int) ([]string, []error) {
	t.Helper()
	sys := newSystem(t)
	type result struct {
		vals []string
		errs []error
	}
	done := make(chan result, 1)
	spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); !ok {
			return
		}
		l := bridge.NewLoader(h, "test", batch)
		h.Spawn("main", func(f *fiber.Fiber) error {
			res := result{make([]string, len(keys)), make([]error, len(keys))}
			var loaders []*fiber.Fiber
			for i, k := range keys {
				loaders = append(loaders, f.Spawn("", func(f *fiber.Fiber) error {
					res.vals[i], res.errs[i] = l.Load(f, k)
					return nil
				}))
			}
			joinAll(f, loaders)
			done <- res
			return nil
		})
	}))
	res := recv(t, done)
	return res.vals, res.errs
}

// A batch's error reaches every load of the batch.
func TestLoaderBatchError(t *testing.T) {
	errDB := errors.New("database down")
	calls := 0
	_, errs := loadAll(t, func(context.Context, []int) (map[int]string, error) {
		calls++
		return map[int]string{1: "one"}, errDB
	}, 1, 2, 1)
	for i, err := range errs {
		if !errors.Is(err, errDB) {
			t.Errorf("load %d: error = %v; want %v", i, err, errDB)
		}
	}
	if calls != 1 {
		t.Errorf("batch calls = %d; want 1", calls)
	}
}

// A key the batch returns no value for fails with ErrNoValue, naming the
// key; the other keys of the batch get their values.
func TestLoaderMissingKey(t *testing.T) {
	vals, errs := loadAll(t, func(_ context.Context, keys []int) (map[int]string, error) {
		return map[int]string{2: "two"}, nil
	}, 17, 2)
	if !errors.Is(errs[0], bridge.ErrNoValue) || !strings.Contains(errs[0].Error(), "17") {
		t.Errorf("Load(17) = %q, %v; want an ErrNoValue naming 17", vals[0], errs[0])
	}
	if vals[1] != "two" || errs[1] != nil {
		t.Errorf("Load(2) = %q, %v; want %q, nil", vals[1], errs[1], "two")
	}
}

// A key asked for while it is in flight is not asked for again: the new
// load shares the pending answer, and the next batch has only new keys. A
// cancelled load leaves the other loads of its key unharmed.
func TestLoaderInFlight(t *testing.T) {
	sys := newSystem(t)
	var rec batches[int]
	started := make(chan []int, 2)
	gate := make(chan struct{})
	results := make(chan string, 4)
	var (
		log     turnLog
		l       *bridge.Loader[int, int]
		loaders = make(map[string]*fiber.Fiber)
	)
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if log.answer(c) {
			return
		}
		load := func(name string, key int) {
			loaders[name] = h.Spawn(name, func(f *fiber.Fiber) error {
				v, err := l.Load(f, key)
				r := fmt.Sprintf("%s: %d, %v", name, v, err)
				log.add(r)
				results <- r
				return nil
			})
		}
		switch c.Message().(type) {
		case *actor.Started:
			l = bridge.NewLoader(h, "slow", func(ctx context.Context, keys []int) (map[int]int, error) {
				rec.add(keys)
				started <- keys
				if slices.Contains(keys, 1) {
					select {
					case <-gate:
					case <-ctx.Done(): // the test failed and stops the actor
						return nil, ctx.Err()
					}
				}
				return map[int]int{1: 10, 2: 20}, nil
			})
			load("f1", 1)
			load("f2", 1)
		case *msgA:
			load("f3", 1) // in flight
			load("f4", 2)
		case *release:
			loaders["f2"].Cancel(nil)
		case *msgB:
			log.add(fmt.Sprintf("handler: %d batches", l.Batches()))
		}
	}))
	if got := recv(t, started); !slices.Equal(got, []int{1}) {
		t.Fatalf("first batch = %v; want [1]", got)
	}
	sys.Root.Send(pid, &msgA{})
	if got := recv(t, started); !slices.Equal(got, []int{2}) {
		t.Fatalf("second batch, with key 1 in flight = %v; want [2]", got)
	}
	if got := recv(t, results); got != "f4: 20, <nil>" {
		t.Fatalf("first result = %q; want f4's", got)
	}
	sys.Root.Send(pid, &release{})
	if got := recv(t, results); got != "f2: 0, context canceled" {
		t.Fatalf("second result = %q; want f2's cancellation", got)
	}
	close(gate)
	recv(t, results)
	recv(t, results)
	sys.Root.Send(pid, &msgB{})
	checkLog(t, "log", logOf(t, sys, pid), []string{
		"f4: 20, <nil>", "f2: 0, context canceled", "f1: 10, <nil>", "f3: 10, <nil>", "handler: 2 batches",
	})
	if got := rec.get(); !slices.EqualFunc(got, [][]int{{1}, {2}}, slices.Equal) {
		t.Errorf("batch calls = %v; want [[1] [2]]", got)
	}
}

// Stopping the actor while a batch is in flight cancels the batch's
// context (cause fiber.ErrStopped) and the waiting loads, and the stop
// waits for the batch function to return.
func TestLoaderStopWhileInFlight(t *testing.T) {
	sys := newSystem(t)
	causes := make(chan error, 1)
	started := make(chan struct{})
	final := make(chan []string, 1)
	var log turnLog
	pid := sys.Root.Spawn(hostProps(func(h *bridge.Host, c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			l := bridge.NewLoader(h, "blocked", func(ctx context.Context, keys []int) (map[int]int, error) {
				close(started)
				<-ctx.Done()
				causes <- context.Cause(ctx)
				return nil, ctx.Err()
			})
			h.Spawn("loader", func(f *fiber.Fiber) error {
				defer log.add("cleanup loader")
				_, err := l.Load(f, 1)
				log.add("loader: " + stopped(err))
				return err
			})
		case *actor.Stopping:
			log.add("Stopping")
		case *actor.Stopped:
			select {
			case cause := <-causes:
				log.add(fmt.Sprintf("Stopped: batch returned with cause %v", cause))
			default:
				log.add("Stopped: batch still running")
			}
			final <- slices.Clone(log)
		}
	}))
	recv(t, started)
	if err := sys.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatalf("stopping the actor: %v", err)
	}
	checkLog(t, "log", recv(t, final), []string{
		"Stopping", "loader: stopped", "cleanup loader", "Stopped: batch returned with cause " + fiber.ErrStopped.Error(),
	})
}

// Loads queued in a turn that ended early, because a fiber panicked, are
// sent once the supervisor resumes the actor.
func TestLoaderAfterResume(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		strategy := &recordingStrategy{directive: actor.ResumeDirective, failures: make(chan failure, 1)}
		var gate fiber.Event
		loaded := make(chan string, 1)
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *actor.Started:
				l := bridge.NewLoader(h, "names", func(_ context.Context, keys []int) (map[int]string, error) {
					return map[int]string{1: "one"}, nil
				})
				h.Spawn("loader", func(f *fiber.Fiber) error {
					if err := gate.Wait(f); err != nil {
						return err
					}
					v, err := l.Load(f, 1)
					loaded <- fmt.Sprintf("%s %v", v, err)
					return nil
				})
				h.Spawn("exploder", func(f *fiber.Fiber) error {
					if err := gate.Wait(f); err != nil {
						return err
					}
					explode()
					return nil
				})
			case *release:
				gate.Set() // loader queues its key, then exploder panics
			}
		}, actor.WithGuardian(strategy)))
		sys.Root.Send(pid, &release{})
		recv(t, strategy.failures)
		if got := recv(t, loaded); got != "one <nil>" {
			t.Errorf("Load(1) after the resume = %s; want one <nil>", got)
		}
	})
}

// A panicking batch function fails the actor with a *fiber.PanicError
// named after the loader; stopping the actor then cancels the loads.
func TestLoaderBatchPanic(t *testing.T) {
	sys := newSystem(t)
	strategy := &recordingStrategy{directive: actor.StopDirective, failures: make(chan failure, 1)}
	var log turnLog
	final := make(chan []string, 1)
	spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			l := bridge.NewLoader(h, "users", func(context.Context, []int) (map[int]int, error) {
				explode()
				return nil, nil
			})
			h.Spawn("loader", func(f *fiber.Fiber) error {
				defer log.add("cleanup loader")
				_, err := l.Load(f, 1)
				log.add("loader: " + stopped(err))
				return err
			})
		case *actor.Stopping:
			log.add("Stopping")
		case *actor.Stopped:
			log.add("Stopped")
			final <- slices.Clone(log)
		}
	}, actor.WithGuardian(strategy)))
	// The batch's panic is re-raised in the waiting fiber, like an Await
	// function's: the actor fails with the fiber's *PanicError, whose value
	// is the batch's, with the batch's stack.
	pe, ok := recv(t, strategy.failures).reason.(*fiber.PanicError)
	if !ok || pe.Fiber != "loader" {
		t.Fatalf("failure reason = %v; want the *fiber.PanicError of fiber loader", pe)
	}
	inner, ok := pe.Value.(*fiber.PanicError)
	if !ok {
		t.Fatalf("PanicError.Value = %T; want the batch's *fiber.PanicError", pe.Value)
	}
	if !strings.Contains(inner.Fiber, "users") || inner.Value != "kaboom" || !strings.Contains(string(inner.Stack), "bridge_test.explode(") {
		t.Errorf("batch PanicError{Fiber, Value} = {%q, %v}, stack %s; want the loader's name, kaboom, and explode on the stack", inner.Fiber, inner.Value, inner.Stack)
	}
	checkLog(t, "log", recv(t, final), []string{"cleanup loader", "Stopping", "Stopped"})
}

// A cancelled fiber's Load fails at once and asks for nothing: neither
// in a cancelled fiber's cleanup nor in a cleanup run while the actor
// stops.
func TestLoaderLoadWhenCancelled(t *testing.T) {
	sys := newSystem(t)
	var (
		rec    batches[int]
		log    turnLog
		l      *bridge.Loader[int, int]
		victim *fiber.Fiber
	)
	loaded := make(chan struct{})
	final := make(chan []string, 1)
	loadIn := func(name string, f *fiber.Fiber, key int) {
		v, err := l.Load(f, key)
		desc := fmt.Sprint(err)
		if err != nil && errors.Is(err, fiber.ErrStopped) {
			desc = stopped(err)
		}
		log.add(fmt.Sprintf("%s: Load(%d) = %d, %s", name, key, v, desc))
	}
	waitForever := func(name string, key int) func(*fiber.Fiber) error {
		return func(f *fiber.Fiber) error {
			defer loadIn(name+" cleanup", f, key)
			var never fiber.Event
			return never.Wait(f)
		}
	}
	pid := sys.Root.Spawn(hostProps(func(h *bridge.Host, c actor.Context) {
		if log.answer(c) {
			return
		}
		switch c.Message().(type) {
		case *actor.Started:
			l = bridge.NewLoader(h, "numbers", func(_ context.Context, keys []int) (map[int]int, error) {
				rec.add(keys)
				m := make(map[int]int)
				for _, k := range keys {
					m[k] = k
				}
				return m, nil
			})
			victim = h.Spawn("victim", waitForever("victim", 98))
			h.Spawn("stayer", waitForever("stayer", 99))
		case *release:
			victim.Cancel(nil)
		case *msgA:
			h.Spawn("loader", func(f *fiber.Fiber) error {
				defer close(loaded)
				loadIn("loader", f, 1)
				return nil
			})
		case *actor.Stopped:
			log.add(fmt.Sprintf("Stopped: %d batches", l.Batches()))
			final <- slices.Clone(log)
		}
	}))
	sys.Root.Send(pid, &release{})
	sys.Root.Send(pid, &msgA{})
	recv(t, loaded)
	checkLog(t, "log", logOf(t, sys, pid), []string{
		"victim cleanup: Load(98) = 0, context canceled", "loader: Load(1) = 1, <nil>",
	})
	if err := sys.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatalf("stopping the actor: %v", err)
	}
	checkLog(t, "log after the stop", recv(t, final), []string{
		"victim cleanup: Load(98) = 0, context canceled", "loader: Load(1) = 1, <nil>",
		"stayer cleanup: Load(99) = 0, stopped",
		"Stopped: 1 batches",
	})
	if got := rec.get(); !slices.EqualFunc(got, [][]int{{1}}, slices.Equal) {
		t.Errorf("batch calls = %v; want [[1]]", got)
	}
}

// Under the resume directive, a panicking batch fails each fiber that
// waited for it (each re-raises the panic), and its keys are no longer in
// flight: a later Load of the same key issues a new batch.
func TestLoaderBatchPanicResume(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		strategy := &recordingStrategy{directive: actor.ResumeDirective, failures: make(chan failure, 2)}
		loaded := make(chan string, 1)
		calls := 0
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *actor.Started:
				l := bridge.NewLoader(h, "flaky", func(_ context.Context, keys []int) (map[int]string, error) {
					calls++ // batches of one loader never overlap here: the second starts after the first failed
					if calls == 1 {
						explode()
					}
					return map[int]string{1: "one"}, nil
				})
				h.Spawn("a", func(f *fiber.Fiber) error { _, err := l.Load(f, 1); return err })
				h.Spawn("b", func(f *fiber.Fiber) error { _, err := l.Load(f, 1); return err })
				h.Spawn("c", func(f *fiber.Fiber) error {
					if _, err := bridge.Receive[*release](f); err != nil {
						return err
					}
					v, err := l.Load(f, 1)
					loaded <- fmt.Sprintf("%s %v", v, err)
					return nil
				})
			}
		}, actor.WithGuardian(strategy)))
		for _, want := range []string{"a", "b"} {
			pe, ok := recv(t, strategy.failures).reason.(*fiber.PanicError)
			if !ok || pe.Fiber != want {
				t.Fatalf("failure reason = %v; want the *fiber.PanicError of fiber %s", pe, want)
			}
		}
		sys.Root.Send(pid, &release{})
		if got := recv(t, loaded); got != "one <nil>" {
			t.Errorf("Load(1) after the failed batch = %s; want one <nil>", got)
		}
	})
}
