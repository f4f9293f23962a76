package bridge_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// stopped describes a wait's error for the logs: "stopped" if it is the
// cancellation of a stopping actor (matching both fiber.ErrStopped and
// context.Canceled), the error itself otherwise.
func stopped(err error) string {
	if errors.Is(err, fiber.ErrStopped) && errors.Is(err, context.Canceled) {
		return "stopped"
	}
	return fmt.Sprintf("unexpected error %v", err)
}

// checkStopLog checks the log of an actor's stop: the entries of prefix
// first, in order, then every entry of middle in any order (where each "X:
// stopped" comes before "cleanup X"), then last.
func checkStopLog(t *testing.T, got, prefix, middle []string, last string) {
	t.Helper()
	if len(got) != len(prefix)+len(middle)+1 || !slices.Equal(got[:len(prefix)], prefix) || got[len(got)-1] != last {
		t.Fatalf("log = %q; want %q first, %d entries, then %q", got, prefix, len(middle), last)
	}
	between := slices.Clone(got[len(prefix) : len(got)-1])
	slices.Sort(between)
	want := slices.Sorted(slices.Values(middle))
	if !slices.Equal(between, want) {
		t.Errorf("log between %q and %q = %q (sorted); want %q", prefix, last, between, want)
	}
	for _, e := range middle {
		name, ok := strings.CutSuffix(e, ": stopped")
		if !ok {
			continue
		}
		if i, j := slices.Index(got, e), slices.Index(got, "cleanup "+name); j >= 0 && j < i {
			t.Errorf("log = %q: %q comes before %q; want the wait to fail first", got, "cleanup "+name, e)
		}
	}
}

// Stopping an actor cancels the fibers waiting on every kind of wait; their
// deferred cleanups run after the handler saw Stopping and before it sees
// Stopped, and Await functions have returned by then.
func TestStopCancelsWaitingFibers(t *testing.T) {
	sys := newSystem(t)
	holder := spawn(t, sys, holderProps(never, false))
	var (
		log           turnLog
		awaitReturned atomic.Bool
		cond          fiber.Cond
	)
	awaitCause := make(chan error, 1)
	ready := make(chan struct{})
	final := make(chan []string, 1)
	ch := fiber.NewChan[int](0)
	waits := []struct {
		name string
		wait func(h *bridge.Host, f *fiber.Fiber) error
	}{
		{"receive", func(_ *bridge.Host, f *fiber.Fiber) error { _, err := bridge.Receive[*msgA](f); return err }},
		{"request", func(_ *bridge.Host, f *fiber.Fiber) error {
			_, err := bridge.Request[*pong](f, holder, &ping{1})
			return err
		}},
		{"receive-within", func(_ *bridge.Host, f *fiber.Fiber) error {
			_, err := bridge.Receive[*msgA](f, bridge.Within(time.Hour))
			return err
		}},
		{"sleep", func(_ *bridge.Host, f *fiber.Fiber) error { return f.Sleep(time.Hour) }},
		{"await", func(_ *bridge.Host, f *fiber.Fiber) error {
			_, err := fiber.Await(f, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				awaitCause <- context.Cause(ctx)
				awaitReturned.Store(true)
				return 0, nil
			})
			return err
		}},
		{"chan", func(_ *bridge.Host, f *fiber.Fiber) error { _, err := ch.Recv(f); return err }},
		{"join", func(_ *bridge.Host, f *fiber.Fiber) error {
			child := f.Spawn("child", func(f *fiber.Fiber) error {
				defer log.add("cleanup child")
				err := cond.Wait(f)
				log.add("child: " + stopped(err))
				return err
			})
			return f.Join(child)
		}},
	}
	pid := sys.Root.Spawn(hostProps(func(h *bridge.Host, c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			for _, w := range waits {
				h.Spawn(w.name, func(f *fiber.Fiber) error {
					defer log.add("cleanup " + w.name)
					err := w.wait(h, f)
					log.add(w.name + ": " + stopped(err))
					return err
				})
			}
			close(ready)
		case *actor.Stopping:
			log.add("Stopping")
		case *actor.Stopped:
			log.add(fmt.Sprintf("Stopped: live fibers %d, Await function returned %t, host stopped %t",
				h.Scheduler().Live(), awaitReturned.Load(), h.Stopped()))
			final <- slices.Clone(log)
		}
	}))
	recv(t, ready)
	if err := sys.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatalf("stopping the actor: %v", err)
	}
	var middle []string
	for _, w := range waits {
		middle = append(middle, w.name+": stopped", "cleanup "+w.name)
	}
	middle = append(middle, "child: stopped", "cleanup child")
	checkStopLog(t, recv(t, final), []string{"Stopping"}, middle,
		"Stopped: live fibers 0, Await function returned true, host stopped true")
	if cause := recv(t, awaitCause); cause != fiber.ErrStopped {
		t.Errorf("context.Cause of the Await function's context = %v; want fiber.ErrStopped", cause)
	}
}

// A restart (the handler panics; the default supervisor restarts) cancels
// the old incarnation's fibers, with their cleanups, before the new
// incarnation starts with a new host.
func TestRestartCancelsOldIncarnation(t *testing.T) {
	sys := newSystem(t)
	echo := spawn(t, sys, echoProps())
	type incarnation struct {
		n int
		h *bridge.Host
	}
	var (
		count atomic.Int32
		log   turnLog // of every incarnation: all run in turns of the one actor
	)
	started := make(chan incarnation, 2)
	ponged := make(chan int, 2)
	pid := spawn(t, sys, actor.PropsFromProducer(func() actor.Actor {
		n := int(count.Add(1))
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			if log.answer(c) {
				return
			}
			switch c.Message().(type) {
			case *actor.Started:
				log.add(fmt.Sprintf("%d: Started", n))
				h.Spawn("waiter", func(f *fiber.Fiber) error {
					defer log.add(fmt.Sprintf("%d: cleanup waiter", n))
					m, err := bridge.Receive[*msgA](f)
					if err != nil {
						log.add(fmt.Sprintf("%d: waiter: %s", n, stopped(err)))
						return err
					}
					log.add(fmt.Sprintf("%d: waiter got A%d", n, m.n))
					return nil
				})
				h.Spawn("requester", func(f *fiber.Fiber) error {
					r, err := bridge.Request[*pong](f, echo, &ping{n})
					if err != nil {
						return err
					}
					log.add(fmt.Sprintf("%d: pong %d", n, r.n))
					ponged <- r.n
					return nil
				})
				started <- incarnation{n, h}
			case *msgB:
				log.add(fmt.Sprintf("%d: handler panics", n))
				panic("handler failure")
			case *actor.Restarting:
				log.add(fmt.Sprintf("%d: Restarting", n))
			case *actor.Stopping:
				log.add(fmt.Sprintf("%d: Stopping", n))
			}
		})
	}))
	first := recv(t, started)
	if n := recv(t, ponged); n != 1 {
		t.Fatalf("first incarnation's Request = pong{%d}; want pong{1}", n)
	}
	sys.Root.Send(pid, &msgB{})
	second := recv(t, started)
	if n := recv(t, ponged); n != 2 {
		t.Fatalf("second incarnation's Request = pong{%d}; want pong{2}", n)
	}
	sys.Root.Send(pid, &msgA{1})
	checkLog(t, "log", logOf(t, sys, pid), []string{
		"1: Started", "1: pong 1", "1: handler panics", "1: Restarting",
		"1: waiter: stopped", "1: cleanup waiter",
		"2: Started", "2: pong 2", "2: waiter got A1", "2: cleanup waiter",
	})
	if first.n != 1 || second.n != 2 || first.h == second.h {
		t.Errorf("incarnations = (%d, %p), (%d, %p); want 1 and 2 with different hosts", first.n, first.h, second.n, second.h)
	}
	if !first.h.Stopped() || second.h.Stopped() {
		t.Errorf("Stopped() of the old, new host = %t, %t; want true, false", first.h.Stopped(), second.h.Stopped())
	}
}

// recordingStrategy is a supervisor strategy (a guardian's) that records
// each failure and then applies its directive.
type recordingStrategy struct {
	directive actor.Directive
	failures  chan failure
}

type failure struct {
	reason, message any
}

func (s *recordingStrategy) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, message any) {
	s.failures <- failure{reason, message}
	switch s.directive {
	case actor.StopDirective:
		sup.StopChildren(child)
	case actor.RestartDirective:
		sup.RestartChildren(child)
	case actor.ResumeDirective:
		sup.ResumeChildren(child)
	}
}

// explode panics; tests look for it in panic stacks.
//
//go:noinline
func explode() { panic("kaboom") }

// A fiber's unsupervised panic fails its actor: the supervisor gets a
// *fiber.PanicError naming the fiber, with the panicking function on its
// stack, and its directive applies; either way the other fibers are
// cancelled with their cleanups.
func TestFiberPanicFailsActor(t *testing.T) {
	for _, tc := range []struct {
		name      string
		directive actor.Directive
		exploder  func(f *fiber.Fiber) error
		trigger   bool   // send *msgB to make it explode
		inTurnOf  string // the message type of the failing turn, if known
		inAwait   bool   // the panic is in an Await function
		stopping  string // the lifecycle message the failure brings
		last      string // the log entry that ends the failure's handling
	}{
		{
			name:      "after a receive, stop",
			directive: actor.StopDirective,
			exploder: func(f *fiber.Fiber) error {
				if _, err := bridge.Receive[*msgB](f); err != nil {
					return err
				}
				explode()
				return nil
			},
			trigger:  true,
			inTurnOf: "*bridge_test.msgB",
			last:     "1: Stopped",
			stopping: "1: Stopping",
		},
		{
			name:      "after a receive, restart",
			directive: actor.RestartDirective,
			exploder: func(f *fiber.Fiber) error {
				if _, err := bridge.Receive[*msgB](f); err != nil {
					return err
				}
				explode()
				return nil
			},
			trigger:  true,
			inTurnOf: "*bridge_test.msgB",
			last:     "2: Started",
			stopping: "1: Restarting",
		},
		{
			name:      "at spawn, stop",
			directive: actor.StopDirective,
			exploder:  func(*fiber.Fiber) error { explode(); return nil },
			inTurnOf:  "*actor.Started",
			last:      "1: Stopped",
			stopping:  "1: Stopping",
		},
		{
			name:      "in an Await function, stop",
			directive: actor.StopDirective,
			exploder: func(f *fiber.Fiber) error {
				_, err := fiber.Await(f, func(context.Context) (int, error) { explode(); return 0, nil })
				return err
			},
			inAwait:  true, // the failing turn is whichever runs the fiber after the Await goroutine posted
			last:     "1: Stopped",
			stopping: "1: Stopping",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := newSystem(t)
			strategy := &recordingStrategy{directive: tc.directive, failures: make(chan failure, 1)}
			var (
				count atomic.Int32
				log   turnLog
			)
			final := make(chan []string, 1)
			pid := spawn(t, sys, actor.PropsFromProducer(func() actor.Actor {
				n := int(count.Add(1))
				return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
					switch c.Message().(type) {
					case *actor.Started:
						if n > 1 {
							log.add(fmt.Sprintf("%d: Started", n))
							final <- slices.Clone(log)
							return
						}
						log.add("1: Started")
						h.Spawn("bystander", func(f *fiber.Fiber) error {
							defer log.add("cleanup bystander")
							var never fiber.Event
							err := never.Wait(f)
							log.add("bystander: " + stopped(err))
							return err
						})
						h.Spawn("exploder", tc.exploder)
					case *actor.Restarting:
						log.add(fmt.Sprintf("%d: Restarting", n))
					case *actor.Stopping:
						log.add(fmt.Sprintf("%d: Stopping", n))
					case *actor.Stopped:
						log.add(fmt.Sprintf("%d: Stopped", n))
						final <- slices.Clone(log)
					}
				})
			}, actor.WithGuardian(strategy)))
			if tc.trigger {
				sys.Root.Send(pid, &msgB{})
			}
			fail := recv(t, strategy.failures)
			pe, ok := fail.reason.(*fiber.PanicError)
			if !ok {
				t.Fatalf("failure reason = %#v; want a *fiber.PanicError", fail.reason)
			}
			if pe.Fiber != "exploder" {
				t.Errorf("PanicError.Fiber = %q; want %q", pe.Fiber, "exploder")
			}
			if tc.inAwait {
				// The Await function's panic is re-raised in the fiber:
				// the inner PanicError has the function's stack.
				inner, ok := pe.Value.(*fiber.PanicError)
				if !ok {
					t.Fatalf("PanicError.Value = %#v; want the Await call's *fiber.PanicError", pe.Value)
				}
				if inner.Fiber != "exploder (Await)" {
					t.Errorf("inner PanicError.Fiber = %q; want %q", inner.Fiber, "exploder (Await)")
				}
				pe = inner
			}
			if pe.Value != "kaboom" {
				t.Errorf("PanicError.Value = %#v; want %q", pe.Value, "kaboom")
			}
			if !bytes.Contains(pe.Stack, []byte("bridge_test.explode(")) {
				t.Errorf("PanicError.Stack = %s; want it to contain bridge_test.explode", pe.Stack)
			}
			if got := fmt.Sprintf("%T", fail.message); tc.inTurnOf != "" && got != tc.inTurnOf {
				t.Errorf("failure message = %s; want %s", got, tc.inTurnOf)
			}
			checkStopLog(t, recv(t, final), []string{"1: Started", tc.stopping},
				[]string{"bystander: stopped", "cleanup bystander"}, tc.last)
		})
	}
}

// When the supervisor resumes an actor after a fiber's panic, the actor
// keeps its host and its other fibers, and carries on; a later panic is
// reported as itself.
func TestFiberPanicResume(t *testing.T) {
	sys := newSystem(t)
	strategy := &recordingStrategy{directive: actor.ResumeDirective, failures: make(chan failure, 1)}
	var (
		count atomic.Int32
		log   turnLog
	)
	exploder := func(name string, n int) func(*fiber.Fiber) error {
		return func(f *fiber.Fiber) error {
			if _, err := bridge.ReceiveFunc(f, func(m *msgB) bool { return m.n == n }); err != nil {
				return err
			}
			explode()
			return nil
		}
	}
	pid := spawn(t, sys, actor.PropsFromProducer(func() actor.Actor {
		n := int(count.Add(1))
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			if log.answer(c) {
				return
			}
			switch c.Message().(type) {
			case *actor.Started:
				log.add(fmt.Sprintf("%d: Started", n))
				h.Spawn("worker", func(f *fiber.Fiber) error {
					for {
						m, err := bridge.Receive[*msgA](f)
						if err != nil {
							return err
						}
						log.add(fmt.Sprintf("worker A%d", m.n))
					}
				})
				h.Spawn("exploder1", exploder("exploder1", 1))
				h.Spawn("exploder2", exploder("exploder2", 2))
			default:
				logOther(&log, c)
			}
		})
	}, actor.WithGuardian(strategy)))
	sys.Root.Send(pid, &msgA{1})
	for i := 1; i <= 2; i++ {
		sys.Root.Send(pid, &msgB{i})
		pe, ok := recv(t, strategy.failures).reason.(*fiber.PanicError)
		if want := fmt.Sprint("exploder", i); !ok || pe.Fiber != want {
			t.Errorf("failure %d: reason = %v; want the *fiber.PanicError of %s", i, pe, want)
		}
	}
	sys.Root.Send(pid, &msgA{2})
	sys.Root.Send(pid, &msgB{3}) // no exploder waits for it: the handler gets it
	checkLog(t, "log", logOf(t, sys, pid), []string{"1: Started", "worker A1", "worker A2", "handler B3"})
}

// Fibers made ready in the turn in which another fiber panicked still run
// once the supervisor resumes the actor, without waiting for some other
// message to arrive.
func TestFiberPanicResumeRunsReadyFibers(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		strategy := &recordingStrategy{directive: actor.ResumeDirective, failures: make(chan failure, 1)}
		var gate fiber.Event
		survived := make(chan struct{})
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *actor.Started:
				h.Spawn("exploder", func(f *fiber.Fiber) error {
					if err := gate.Wait(f); err != nil {
						return err
					}
					explode()
					return nil
				})
				h.Spawn("survivor", func(f *fiber.Fiber) error {
					if err := gate.Wait(f); err != nil {
						return err
					}
					close(survived)
					return nil
				})
			case *release:
				gate.Set() // wakes exploder, then survivor
			}
		}, actor.WithGuardian(strategy)))
		sys.Root.Send(pid, &release{})
		if pe, ok := recv(t, strategy.failures).reason.(*fiber.PanicError); !ok || pe.Fiber != "exploder" {
			t.Errorf("failure reason = %v; want the *fiber.PanicError of exploder", pe)
		}
		recv(t, survived)
	})
}
