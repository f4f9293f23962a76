package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// Messages of the receive tests.
type (
	msgA    struct{ n int }
	msgB    struct{ n int }
	release struct{} // tells an actor to go on
)

// logOther is the handler part shared by the receive tests: it logs every
// user message it sees (messages no fiber took) and answers getLog.
func logOther(log *turnLog, c actor.Context) {
	if log.answer(c) {
		return
	}
	switch m := c.Message().(type) {
	case *msgA:
		log.add(fmt.Sprintf("handler A%d", m.n))
	case *msgB:
		log.add(fmt.Sprintf("handler B%d", m.n))
	case *release:
		log.add("handler release")
	}
}

func TestReceiveTakesMatchingMessage(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("receiver", func(f *fiber.Fiber) error {
				m, err := bridge.Receive[*msgA](f)
				if err != nil {
					return err
				}
				log.add(fmt.Sprintf("fiber A%d", m.n))
				return nil
			})
			return
		}
		logOther(&log, c)
	}))
	sys.Root.Send(pid, &msgB{1})
	sys.Root.Send(pid, &msgA{1})
	sys.Root.Send(pid, &msgB{2})
	sys.Root.Send(pid, &msgA{2}) // the fiber is done: the handler gets it
	checkLog(t, "log", logOf(t, sys, pid), []string{"handler B1", "fiber A1", "handler B2", "handler A2"})
}

// The fiber that has waited longest gets the next matching message; a
// fiber that receives and waits again queues behind the others.
func TestReceiveFIFOAmongFibers(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			for _, name := range []string{"f1", "f2", "f3"} {
				h.Spawn(name, func(f *fiber.Fiber) error {
					for range 2 {
						m, err := bridge.Receive[*msgA](f)
						if err != nil {
							return err
						}
						log.add(fmt.Sprintf("%s A%d", f.Name(), m.n))
					}
					return nil
				})
			}
			return
		}
		logOther(&log, c)
	}))
	for i := 1; i <= 7; i++ {
		sys.Root.Send(pid, &msgA{i})
	}
	checkLog(t, "log", logOf(t, sys, pid), []string{
		"f1 A1", "f2 A2", "f3 A3", "f1 A4", "f2 A5", "f3 A6", "handler A7",
	})
}

// ReceiveFunc passes over fibers whose predicate rejects the message, even
// if they have waited longer; a message nobody matches reaches the handler.
func TestReceiveFuncPredicate(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("even", func(f *fiber.Fiber) error {
				m, err := bridge.ReceiveFunc(f, func(m *msgA) bool { return m.n%2 == 0 })
				if err != nil {
					return err
				}
				log.add(fmt.Sprintf("even A%d", m.n))
				return nil
			})
			h.Spawn("small", func(f *fiber.Fiber) error {
				m, err := bridge.ReceiveFunc(f, func(m *msgA) bool { return m.n < 10 })
				if err != nil {
					return err
				}
				log.add(fmt.Sprintf("small A%d", m.n))
				return nil
			})
			return
		}
		logOther(&log, c)
	}))
	for _, n := range []int{11, 1, 3, 20, 4} {
		sys.Root.Send(pid, &msgA{n})
	}
	checkLog(t, "log", logOf(t, sys, pid), []string{
		"handler A11", "small A1", "handler A3", "even A20", "handler A4",
	})
}

// Only messages that arrive while a fiber waits in Receive are considered:
// a matching message that arrives while the fiber waits on something else
// goes to the handler, it is not kept for the fiber's next Receive.
func TestReceiveDoesNotStash(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	var gate fiber.Event
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			h.Spawn("receiver", func(f *fiber.Fiber) error {
				for range 2 {
					m, err := bridge.Receive[*msgA](f)
					if err != nil {
						return err
					}
					log.add(fmt.Sprintf("fiber A%d", m.n))
					if err := gate.Wait(f); err != nil {
						return err
					}
				}
				return nil
			})
			return
		case *release:
			gate.Set()
		}
		logOther(&log, c)
	}))
	sys.Root.Send(pid, &msgA{1})
	sys.Root.Send(pid, &msgA{2})
	sys.Root.Send(pid, &release{})
	sys.Root.Send(pid, &msgA{3})
	checkLog(t, "log", logOf(t, sys, pid), []string{"fiber A1", "handler A2", "handler release", "fiber A3"})
}

// Messages from one sender reach fibers and handler in the order they were
// sent, however they interleave.
func TestReceiveOrderingOneSender(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("receiver", func(f *fiber.Fiber) error {
				for {
					m, err := bridge.Receive[*msgA](f)
					if err != nil {
						return err
					}
					log.add(fmt.Sprintf("fiber A%d", m.n))
				}
			})
			return
		}
		logOther(&log, c)
	}))
	rng := rand.New(rand.NewPCG(1, 2))
	var want []string
	for i := range 500 {
		if rng.IntN(2) == 0 {
			sys.Root.Send(pid, &msgA{i})
			want = append(want, fmt.Sprintf("fiber A%d", i))
		} else {
			sys.Root.Send(pid, &msgB{i})
			want = append(want, fmt.Sprintf("handler B%d", i))
		}
	}
	checkLog(t, "log", logOf(t, sys, pid), want)
}

func TestReceiveWithinTimesOut(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		var log turnLog
		const d = 3 * time.Second
		timedOut := make(chan time.Duration, 1)
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("receiver", func(f *fiber.Fiber) error {
					start := time.Now()
					_, err := bridge.Receive[*msgA](f, bridge.Within(d))
					log.add(fmt.Sprintf("fiber: %v", err))
					if !errors.Is(err, bridge.ErrTimeout) {
						t.Errorf("Receive(Within(%v)) error = %v; want ErrTimeout", d, err)
					}
					timedOut <- time.Since(start)
					return nil
				})
				return
			}
			logOther(&log, c)
		}))
		sys.Root.Send(pid, &msgB{1})
		if waited := recv(t, timedOut); waited < d {
			t.Errorf("Receive(Within(%v)) returned after %v; want >= %v", d, waited, d)
		}
		sys.Root.Send(pid, &msgA{1}) // too late for the fiber: the handler gets it
		checkLog(t, "log", logOf(t, sys, pid), []string{"handler B1", "fiber: " + bridge.ErrTimeout.Error(), "handler A1"})
	})
}

// A wait that completes in time leaves no timeout behind: a later wait of
// the same fiber, past the first deadline, is not cut short.
func TestReceiveWithinCompletesInTime(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		var log turnLog
		const d = time.Second
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("receiver", func(f *fiber.Fiber) error {
					m, err := bridge.Receive[*msgA](f, bridge.Within(d))
					log.add(fmt.Sprintf("first: A%d %v", m.n, err))
					m, err = bridge.Receive[*msgA](f)
					log.add(fmt.Sprintf("second: A%d %v", m.n, err))
					return nil
				})
				return
			}
			logOther(&log, c)
		}))
		sys.Root.Send(pid, &msgA{1})
		checkLog(t, "log before the deadline", logOf(t, sys, pid), []string{"first: A1 <nil>"})
		time.Sleep(3 * d) // virtual: the first deadline passes while the fiber waits again
		sys.Root.Send(pid, &msgA{2})
		checkLog(t, "log", logOf(t, sys, pid), []string{"first: A1 <nil>", "second: A2 <nil>"})
	})
}

// The handler cancels a fiber waiting in Receive: the wait fails with the
// cancellation error, and the message it waited for later reaches the
// handler.
func TestReceiveCancelledFromHandler(t *testing.T) {
	errCause := errors.New("client went away")
	for _, tc := range []struct {
		name  string
		cause error
	}{
		{"nil cause", nil},
		{"cause", errCause},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := newSystem(t)
			var log turnLog
			var receiver *fiber.Fiber
			pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
				switch c.Message().(type) {
				case *actor.Started:
					receiver = h.Spawn("receiver", func(f *fiber.Fiber) error {
						defer log.add("fiber cleanup")
						_, err := bridge.Receive[*msgA](f)
						log.add(fmt.Sprintf("fiber: canceled=%t cause=%t",
							errors.Is(err, context.Canceled), tc.cause == nil || errors.Is(err, tc.cause)))
						return err
					})
					return
				case *release:
					log.add("handler cancels")
					receiver.Cancel(tc.cause)
					return
				}
				logOther(&log, c)
			}))
			sys.Root.Send(pid, &release{})
			sys.Root.Send(pid, &msgA{1})
			checkLog(t, "log", logOf(t, sys, pid), []string{
				"handler cancels", "fiber: canceled=true cause=true", "fiber cleanup", "handler A1",
			})
		})
	}
}

// A fiber that is already cancelled fails Receive at once and does not
// take a message.
func TestReceiveAfterCancel(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("receiver", func(f *fiber.Fiber) error {
				f.Cancel(nil)
				_, err := bridge.Receive[*msgA](f)
				log.add(fmt.Sprintf("Receive: %v", err))
				_, err = bridge.Request[*pong](f, h.Self(), &ping{})
				log.add(fmt.Sprintf("Request: %v", err))
				return nil
			})
			return
		}
		logOther(&log, c)
	}))
	sys.Root.Send(pid, &msgA{1})
	checkLog(t, "log", logOf(t, sys, pid), []string{
		"Receive: " + context.Canceled.Error(), "Request: " + context.Canceled.Error(), "handler A1",
	})
}

// ReceiveFrom returns the sender, and the fiber answers through the turn's
// context; a message sent without a sender gives a nil sender.
func TestReceiveFromSender(t *testing.T) {
	sys := newSystem(t)
	var log turnLog
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("server", func(f *fiber.Fiber) error {
				for {
					p, sender, err := bridge.ReceiveFrom[*ping](f)
					if err != nil {
						return err
					}
					log.add(fmt.Sprintf("ping %d from sender: %t", p.n, sender != nil))
					if sender != nil {
						h.Turn().Send(sender, &pong{p.n * 2})
					}
				}
			})
			return
		}
		logOther(&log, c)
	}))
	sys.Root.Send(pid, &ping{1})
	if got := call[*pong](t, sys, pid, &ping{21}); got.n != 42 {
		t.Errorf("Call(ping{21}) = pong{%d}; want pong{42}", got.n)
	}
	checkLog(t, "log", logOf(t, sys, pid), []string{"ping 1 from sender: false", "ping 21 from sender: true"})
}

// Lifecycle notifications that reach the actor as messages, such as
// *actor.Terminated of a watched actor, can be received by a fiber.
func TestReceiveTerminated(t *testing.T) {
	sys := newSystem(t)
	watched := sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	var log turnLog
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("watcher", func(f *fiber.Fiber) error {
				h.Turn().Watch(watched)
				m, err := bridge.ReceiveFunc(f, func(m *actor.Terminated) bool { return m.Who.Equal(watched) })
				if err != nil {
					return err
				}
				log.add(fmt.Sprintf("terminated: %s", m.Why))
				return nil
			})
			return
		}
		logOther(&log, c)
	}))
	logOf(t, sys, pid) // the watch is in place once the Started turn is over
	if err := sys.Root.StopFuture(watched).Wait(); err != nil {
		t.Fatalf("stopping the watched actor: %v", err)
	}
	checkLog(t, "log", logOf(t, sys, pid), []string{"terminated: " + actor.TerminatedReason_Stopped.String()})
}

// The bridge waits need a fiber hosted by an actor: elsewhere they panic
// with ErrNotHosted.
func TestReceiveNotHosted(t *testing.T) {
	var got any
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		defer func() { got = recover() }()
		bridge.Receive[*msgA](f)
		return nil
	})
	if err != nil {
		t.Fatalf("Run error: %v", err)
	}
	if perr, ok := got.(error); !ok || !errors.Is(perr, bridge.ErrNotHosted) {
		t.Errorf("Receive outside an actor panicked with %v; want an error wrapping ErrNotHosted", got)
	}
}
