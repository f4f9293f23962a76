package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// echoProps is a plain protoactor responder: ping{n} → pong{n}.
func echoProps() *actor.Props {
	return actor.PropsFromFunc(func(c actor.Context) {
		if p, ok := c.Message().(*ping); ok {
			c.Respond(&pong{p.n})
		}
	})
}

// heldRequest is a request a holder has not answered yet.
type heldRequest struct {
	sender *actor.PID
	n      int
}

// holderProps is a plain protoactor responder that keeps the pings it gets
// and answers them all (pong{n}, in arrival order) once answer reports
// true for the number held, checked at every ping, and also at every
// *release if onRelease. It logs what it sees and answers getLog.
func holderProps(answer func(held int) bool, onRelease bool) *actor.Props {
	var (
		log      turnLog
		held     []heldRequest
		released bool
	)
	flush := func(c actor.Context) {
		if !released && !answer(len(held)) {
			return
		}
		for _, r := range held {
			c.Send(r.sender, &pong{r.n})
		}
		held = nil
	}
	return actor.PropsFromFunc(func(c actor.Context) {
		if log.answer(c) {
			return
		}
		switch m := c.Message().(type) {
		case *ping:
			log.add(fmt.Sprintf("ping %d", m.n))
			held = append(held, heldRequest{c.Sender(), m.n})
			flush(c)
		case *release:
			log.add("release")
			if onRelease {
				released = true
				flush(c)
			}
		}
	})
}

// never is an answer function for holderProps: hold forever.
func never(int) bool { return false }

// requestOnce spawns a bridge actor whose fiber makes one Request[R] to
// target and returns the reply and error.
func requestOnce[R any](t *testing.T, sys *actor.ActorSystem, target *actor.PID, msg any, opts ...bridge.WaitOption) (R, error) {
	t.Helper()
	type result struct {
		r   R
		err error
	}
	done := make(chan result, 1)
	spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("requester", func(f *fiber.Fiber) error {
				r, err := bridge.Request[R](f, target, msg, opts...)
				done <- result{r, err}
				return nil
			})
		}
	}))
	res := recv(t, done)
	return res.r, res.err
}

func TestRequestReplyAndErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		target  func(t *testing.T, sys *actor.ActorSystem) *actor.PID
		want    int      // the reply's n, if no error
		wantErr error    // matched with errors.Is
		errHas  []string // substrings of the error message
	}{
		{
			name:   "typed reply",
			target: func(t *testing.T, sys *actor.ActorSystem) *actor.PID { return spawn(t, sys, echoProps()) },
			want:   7,
		},
		{
			name: "unexpected reply",
			target: func(t *testing.T, sys *actor.ActorSystem) *actor.PID {
				return spawn(t, sys, actor.PropsFromFunc(func(c actor.Context) {
					if _, ok := c.Message().(*ping); ok {
						c.Respond("not a pong")
					}
				}))
			},
			wantErr: bridge.ErrUnexpectedReply,
			errHas:  []string{"string", "*bridge_test.pong"},
		},
		{
			name: "nonexistent target",
			target: func(t *testing.T, sys *actor.ActorSystem) *actor.PID {
				return actor.NewPID(sys.Address(), "no-such-actor")
			},
			wantErr: bridge.ErrDeadLetter,
			errHas:  []string{"no-such-actor"},
		},
		{
			name: "stopped target",
			target: func(t *testing.T, sys *actor.ActorSystem) *actor.PID {
				pid := sys.Root.Spawn(echoProps())
				if err := sys.Root.StopFuture(pid).Wait(); err != nil {
					t.Fatalf("stopping the target: %v", err)
				}
				return pid
			},
			wantErr: bridge.ErrDeadLetter,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := newSystem(t)
			target := tc.target(t, sys)
			r, err := requestOnce[*pong](t, sys, target, &ping{7})
			if tc.wantErr == nil {
				if err != nil || r == nil || r.n != tc.want {
					t.Fatalf("Request[*pong](ping{7}) = %v, %v; want pong{%d}, nil", r, err, tc.want)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Request[*pong](ping{7}) error = %v; want %v", err, tc.wantErr)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Request[*pong](ping{7}) error = %q; want it to mention %q", err, s)
				}
			}
			if r != nil {
				t.Errorf("Request[*pong](ping{7}) reply = %v with error; want nil", r)
			}
		})
	}
}

// A request whose deadline passed fails with ErrTimeout; its reply, when it
// comes later, is dropped and does not complete the fiber's next request.
func TestRequestWithinTimesOut(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		// Answers both pings once it holds two: the late reply to ping 1
		// arrives while the fiber waits for its reply to ping 2.
		holder := spawn(t, sys, holderProps(func(held int) bool { return held == 2 }, false))
		const d = 2 * time.Second
		var log turnLog
		done := make(chan struct{})
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("requester", func(f *fiber.Fiber) error {
					defer close(done)
					start := time.Now()
					r, err := bridge.Request[*pong](f, holder, &ping{1}, bridge.Within(d))
					log.add(fmt.Sprintf("first: %v %v", r, err))
					if waited := time.Since(start); waited < d {
						t.Errorf("Request(Within(%v)) returned after %v; want >= %v", d, waited, d)
					}
					r, err = bridge.Request[*pong](f, holder, &ping{2})
					if err != nil {
						return err
					}
					log.add(fmt.Sprintf("second: pong %d", r.n))
					return nil
				})
				return
			}
			logOther(&log, c)
		}))
		recv(t, done)
		checkLog(t, "log", logOf(t, sys, pid), []string{"first: <nil> " + bridge.ErrTimeout.Error(), "second: pong 2"})
	})
}

// The requesting actor keeps handling its mailbox while its fiber waits:
// the responder answers only once the requester's own handler has
// forwarded it a message. If the actor were blocked, the bubble would
// deadlock.
func TestRequestActorKeepsServing(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		holder := spawn(t, sys, holderProps(never, true))
		var log turnLog
		done := make(chan struct{})
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *actor.Started:
				h.Spawn("requester", func(f *fiber.Fiber) error {
					defer close(done)
					r, err := bridge.Request[*pong](f, holder, &ping{1})
					if err != nil {
						return err
					}
					log.add(fmt.Sprintf("fiber: pong %d", r.n))
					return nil
				})
				return
			case *release:
				c.Send(holder, &release{})
			}
			logOther(&log, c)
		}))
		sys.Root.Send(pid, &release{})
		recv(t, done)
		checkLog(t, "requester log", logOf(t, sys, pid), []string{"handler release", "fiber: pong 1"})
		checkLog(t, "holder log", logOf(t, sys, holder), []string{"ping 1", "release"})
	})
}

// Messages of the cycle test.
type (
	cycleReq  struct{ from *actor.PID }
	question  struct{ round int }
	answer    struct{ n int }
	cycleDone struct{ n int }
)

// A→B→A: A's fiber requests B; B's handler spawns a fiber that requests A
// before answering; A's handler answers B while A's fiber still waits. It
// completes because no actor blocks (in the bubble a blocked actor would
// be a deadlock).
func TestRequestCycle(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		b := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			if m, ok := c.Message().(*cycleReq); ok {
				sender := c.Sender()
				h.Spawn("b-asker", func(f *fiber.Fiber) error {
					a, err := bridge.Request[*answer](f, m.from, &question{})
					if err != nil {
						return err
					}
					h.Turn().Send(sender, &cycleDone{a.n + 1})
					return nil
				})
			}
		}))
		var log turnLog
		done := make(chan struct{})
		asked := 0
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			switch c.Message().(type) {
			case *actor.Started:
				h.Spawn("a-asker", func(f *fiber.Fiber) error {
					defer close(done)
					for range 3 {
						r, err := bridge.Request[*cycleDone](f, b, &cycleReq{from: h.Self()})
						if err != nil {
							return err
						}
						log.add(fmt.Sprintf("fiber: done %d", r.n))
					}
					return nil
				})
				return
			case *question:
				asked++
				log.add("handler: question")
				c.Respond(&answer{asked * 10})
				return
			}
			logOther(&log, c)
		}))
		recv(t, done)
		checkLog(t, "log", logOf(t, sys, pid), []string{
			"handler: question", "fiber: done 11",
			"handler: question", "fiber: done 21",
			"handler: question", "fiber: done 31",
		})
	})
}

// Many fibers of one actor wait on requests at once; the responder answers
// them in a shuffled order, and each fiber gets its own reply.
func TestRequestManyConcurrent(t *testing.T) {
	const n = 16
	sys := newSystem(t)
	order := rand.New(rand.NewPCG(3, 4)).Perm(n)
	collector := spawn(t, sys, func() *actor.Props {
		var held []heldRequest
		return actor.PropsFromFunc(func(c actor.Context) {
			if p, ok := c.Message().(*ping); ok {
				held = append(held, heldRequest{c.Sender(), p.n})
				if len(held) < n {
					return
				}
				for _, i := range order {
					c.Send(held[i].sender, &pong{held[i].n * 10})
				}
			}
		})
	}())
	var log turnLog
	done := make(chan struct{})
	pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			h.Spawn("main", func(f *fiber.Fiber) error {
				defer close(done)
				var askers []*fiber.Fiber
				for i := range n {
					askers = append(askers, f.Spawn(fmt.Sprint("asker", i), func(f *fiber.Fiber) error {
						r, err := bridge.Request[*pong](f, collector, &ping{i})
						if err != nil {
							return err
						}
						log.add(fmt.Sprintf("%s: pong %d", f.Name(), r.n))
						return nil
					}))
				}
				for _, a := range askers {
					if err := f.Join(a); err != nil {
						return err
					}
				}
				return nil
			})
			return
		}
		logOther(&log, c)
	}))
	recv(t, done)
	var want []string
	for _, i := range order { // held[i] is asker i: they asked in spawn order
		want = append(want, fmt.Sprintf("asker%d: pong %d", i, i*10))
	}
	checkLog(t, "log", logOf(t, sys, pid), want)
}

// A Request from a fiber of a host whose actor has not started fails with
// ErrNotRunning.
func TestRequestNotRunning(t *testing.T) {
	h := bridge.NewHost()
	var err error
	h.Spawn("early", func(f *fiber.Fiber) error {
		_, err = bridge.Request[*pong](f, actor.NewPID("nonhost", "anyone"), &ping{})
		return nil
	})
	if !errors.Is(err, bridge.ErrNotRunning) {
		t.Errorf("Request before the actor started: error = %v; want ErrNotRunning", err)
	}
	if live := h.Scheduler().Live(); live != 0 {
		t.Errorf("Scheduler().Live() = %d; want 0", live)
	}
}

func TestCall(t *testing.T) {
	t.Run("reply", func(t *testing.T) {
		sys := newSystem(t)
		if got := call[*pong](t, sys, spawn(t, sys, echoProps()), &ping{5}); got.n != 5 {
			t.Errorf("Call(ping{5}) = pong{%d}; want pong{5}", got.n)
		}
	})
	t.Run("dead letter", func(t *testing.T) {
		sys := newSystem(t)
		_, err := bridge.Call[*pong](context.Background(), sys, actor.NewPID(sys.Address(), "nobody"), &ping{})
		if !errors.Is(err, bridge.ErrDeadLetter) {
			t.Errorf("Call(nobody) error = %v; want ErrDeadLetter", err)
		}
	})
	t.Run("unexpected reply", func(t *testing.T) {
		sys := newSystem(t)
		r, err := bridge.Call[string](context.Background(), sys, spawn(t, sys, echoProps()), &ping{})
		if !errors.Is(err, bridge.ErrUnexpectedReply) || !strings.Contains(err.Error(), "*bridge_test.pong") {
			t.Errorf("Call[string](echo) = %q, %v; want an ErrUnexpectedReply naming *bridge_test.pong", r, err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		sys := newSystem(t)
		errCause := errors.New("caller gave up")
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		// Cancels the caller's context instead of answering, then answers
		// late when released.
		var held *actor.PID
		target := spawn(t, sys, actor.PropsFromFunc(func(c actor.Context) {
			switch c.Message().(type) {
			case *ping:
				held = c.Sender()
				cancel(errCause)
			case *release:
				c.Send(held, &pong{1})
				c.Respond(&pong{2})
			}
		}))
		_, err := bridge.Call[*pong](ctx, sys, target, &ping{})
		if !errors.Is(err, errCause) {
			t.Errorf("Call with a cancelled context: error = %v; want %v", err, errCause)
		}
		// The late reply goes nowhere, harmlessly.
		if got := call[*pong](t, sys, target, &release{}); got.n != 2 {
			t.Errorf("Call(release) = pong{%d}; want pong{2}", got.n)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		bubble(t, func(t *testing.T) {
			sys := newSystem(t)
			const d = 5 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			start := time.Now()
			_, err := bridge.Call[*pong](ctx, sys, spawn(t, sys, holderProps(never, false)), &ping{})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Call with a %v timeout: error = %v; want context.DeadlineExceeded", d, err)
			}
			if waited := time.Since(start); waited < d {
				t.Errorf("Call with a %v timeout returned after %v (virtual); want >= %v", d, waited, d)
			}
		})
	})
}

// hello is a request that says who asks.
type hello struct {
	from *actor.PID
	n    int
}

// A reply and a message the responder sends right after it reach the
// requester in that order: the fiber resumes with the reply before the
// follow-up message is handled, so it can wait for it.
func TestRequestReplyBeforeFollowUp(t *testing.T) {
	bubble(t, func(t *testing.T) {
		sys := newSystem(t)
		responder := spawn(t, sys, actor.PropsFromFunc(func(c actor.Context) {
			if m, ok := c.Message().(*hello); ok {
				c.Respond(&pong{m.n})
				c.Send(m.from, &msgA{m.n})
			}
		}))
		const rounds = 50
		var log turnLog
		done := make(chan struct{})
		pid := spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("requester", func(f *fiber.Fiber) error {
					defer close(done)
					for i := range rounds {
						r, err := bridge.Request[*pong](f, responder, &hello{h.Self(), i})
						if err != nil {
							return err
						}
						m, err := bridge.Receive[*msgA](f, bridge.Within(time.Minute))
						log.add(fmt.Sprintf("pong %d, then A%d %v", r.n, m.n, err))
					}
					return nil
				})
				return
			}
			logOther(&log, c)
		}))
		recv(t, done)
		var want []string
		for i := range rounds {
			want = append(want, fmt.Sprintf("pong %d, then A%d <nil>", i, i))
		}
		checkLog(t, "log", logOf(t, sys, pid), want)
	})
}

// errBusy is a failure a responder answers in place of a reply.
var errBusy = errors.New("busy")

// A reply that is an error, and not of the requested type, is the
// request's error (a bounded mailbox's rejection arrives this way); an
// error type asked for is a reply like any other.
func TestRequestErrorReply(t *testing.T) {
	sys := newSystem(t)
	failing := spawn(t, sys, actor.PropsFromFunc(func(c actor.Context) {
		if _, ok := c.Message().(string); ok {
			c.Respond(errBusy)
		}
	}))
	if _, err := requestOnce[string](t, sys, failing, "hello"); !errors.Is(err, errBusy) || errors.Is(err, bridge.ErrUnexpectedReply) {
		t.Errorf("Request[string] answered with an error = %v; want it to wrap errBusy, not ErrUnexpectedReply", err)
	}
	if got, err := requestOnce[error](t, sys, failing, "hello"); err != nil || !errors.Is(got, errBusy) {
		t.Errorf("Request[error] = %v, %v; want errBusy, nil", got, err)
	}
}

// A target that stops while it holds a request fails the request (the
// host watches request targets): no silent wait, no timeout needed. The
// requests fail in the order they were made, and the handler still sees
// the Terminated message.
func TestRequestTargetStops(t *testing.T) {
	sys := newSystem(t)
	holder := sys.Root.Spawn(holderProps(never, false))
	var log turnLog
	results := make(chan []string, 1)
	spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			for i := range 2 {
				h.Spawn(fmt.Sprint("requester ", i), func(f *fiber.Fiber) error {
					_, err := bridge.Request[*pong](f, holder, &ping{i})
					log.add(fmt.Sprintf("%d: dead letter %v, terminated %v", i, errors.Is(err, bridge.ErrDeadLetter), strings.Contains(fmt.Sprint(err), "terminated")))
					if len(log) == 3 {
						results <- slices.Clone(log)
					}
					return nil
				})
			}
		case *actor.Terminated:
			log.add("handler: terminated")
		}
	}))
	// Poll the holder (each poll is a request it answers in turn) until it
	// holds both requests.
	for len(logOf(t, sys, holder)) < 2 {
	}
	if err := sys.Root.StopFuture(holder).Wait(); err != nil {
		t.Fatal(err)
	}
	// The turn that handles Terminated fails the requests, then gives the
	// message to the handler, then runs the woken fibers.
	checkLog(t, "log", recv(t, results), []string{
		"handler: terminated",
		"0: dead letter true, terminated true",
		"1: dead letter true, terminated true",
	})
}

// TestRequestTargetAnswersThenStops checks that a target that answers and
// stops in the same turn gives its asker the reply: protoactor hands the
// asker the target's Terminated (a system message) ahead of the user
// messages in its mailbox, the reply's among them.
func TestRequestTargetAnswersThenStops(t *testing.T) {
	sys := newSystem(t)
	const rounds = 200
	done := make(chan []error, 1)
	spawn(t, sys, hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); !ok {
			return
		}
		h.Spawn("requester", func(f *fiber.Fiber) error {
			var errs []error
			for i := range rounds {
				target := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
					if p, ok := c.Message().(*ping); ok {
						c.Respond(&pong{p.n})
						c.Stop(c.Self())
					}
				}))
				r, err := bridge.Request[*pong](f, target, &ping{i})
				if err == nil && r.n != i {
					err = fmt.Errorf("round %d: got pong %d", i, r.n)
				}
				if err != nil {
					errs = append(errs, err)
				}
			}
			done <- errs
			return nil
		})
	}))
	if errs := recv(t, done); len(errs) > 0 {
		t.Fatalf("%d of %d requests failed though their target answered; first: %v", len(errs), rounds, errs[0])
	}
}

// slotAddressee is a bridge.Addressee as package actor's requests are:
// the request carries it, and the responder answers through the process
// it was given.
type slotAddressee struct {
	pid  actor.PID
	proc actor.Process
	slot bridge.RequestSlot
}

func (a *slotAddressee) ReplyPID() *actor.PID             { return &a.pid }
func (a *slotAddressee) SetReplyProcess(p actor.Process)  { a.proc = p }
func (a *slotAddressee) RequestSlot() *bridge.RequestSlot { return &a.slot }
func (a *slotAddressee) HandedOn() bool                   { return false }
func (a *slotAddressee) Bare() bool                       { return false }

// addressed is a request that carries its addressee.
type addressed struct {
	to *slotAddressee
	n  int
}

// TestRequestRawAddressee checks a request whose addressee keeps the
// asker's side (its RequestSlot) and takes the reply from the responder
// directly: the fiber gets the reply, and once the asker has stopped, an
// addressee its responder still keeps (package actor's responders keep
// the requests they held until a sweep) does not keep the asker's host
// reachable.
func TestRequestRawAddressee(t *testing.T) {
	sys := newSystem(t)
	kept := make(chan *slotAddressee, 1)
	responder := spawn(t, sys, actor.PropsFromFunc(func(c actor.Context) {
		if m, ok := c.Message().(*addressed); ok {
			p := m.to.proc
			m.to.proc = nil
			p.SendUserMessage(&m.to.pid, &pong{m.n + 1})
			kept <- m.to
		}
	}))
	hosts := make(chan weak.Pointer[bridge.Host], 1)
	replies := make(chan any, 1)
	asker := sys.Root.Spawn(hostProps(func(h *bridge.Host, c actor.Context) {
		if _, ok := c.Message().(*actor.Started); ok {
			hosts <- weak.Make(h)
			h.Spawn("asker", func(f *fiber.Fiber) error {
				a := &slotAddressee{}
				r, err := bridge.RequestRaw(f, responder, &addressed{to: a, n: 6}, a)
				if err != nil {
					replies <- err
				} else {
					replies <- r
				}
				return nil
			})
		}
	}))
	host := recv(t, hosts)
	if r, ok := recv(t, replies).(*pong); !ok || r.n != 7 {
		t.Fatalf("RequestRaw = %v; want pong 7", r)
	}
	a := recv(t, kept)
	if err := sys.Root.StopFuture(asker).Wait(); err != nil {
		t.Fatal(err)
	}
	asker = nil // its cached process would keep the actor reachable
	runtime.GC()
	runtime.GC()
	if host.Value() != nil {
		t.Error("the asker's host is still reachable from an addressee its responder keeps")
	}
	runtime.KeepAlive(a)
}
