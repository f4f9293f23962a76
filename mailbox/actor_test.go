package mailbox_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/mailbox"
)

// These tests run the mailboxes under real protoactor actors.

func TestPolicies(t *testing.T) {
	const capacity, n = 4, 10
	seq := func(from, to int) []int {
		var s []int
		for i := from; i < to; i++ {
			s = append(s, i)
		}
		return s
	}
	tests := []struct {
		name     string
		producer func(*mailbox.Metrics) pa.MailboxProducer
		handled  []int // the messages the actor handles, in order
		// outcomes of the others
		droppedNewest, droppedOldest, rejected int
	}{
		{"Unbounded", func(m *mailbox.Metrics) pa.MailboxProducer { return mailbox.Unbounded(mailbox.WithMetrics(m)) },
			seq(0, n), 0, 0, 0},
		{"DropNewest", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Bounded(capacity, mailbox.DropNewest, mailbox.WithMetrics(m))
		}, seq(0, capacity), n - capacity, 0, 0},
		{"DropOldest", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Bounded(capacity, mailbox.DropOldest, mailbox.WithMetrics(m))
		}, seq(n-capacity, n), 0, n - capacity, 0},
		{"Reject", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Bounded(capacity, mailbox.Reject, mailbox.WithMetrics(m))
		}, seq(0, capacity), 0, 0, n - capacity},
		{"Suspend", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Bounded(capacity, mailbox.Suspend, mailbox.WithMetrics(m))
		}, seq(0, capacity), 0, 0, n - capacity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := newSystem(t)
			m := mailbox.NewMetrics()
			g := newGate()
			replies := newCollector(t, sys, n)
			pid := spawn(t, sys, pa.PropsFromFunc(func(c pa.Context) {
				switch msg := c.Message().(type) {
				case gate:
					msg.block()
				case int:
					c.Respond(msg)
				}
			}, pa.WithMailbox(tt.producer(m))))
			var (
				mu   sync.Mutex
				dead []*pa.DeadLetterEvent // published by the posting goroutine: Publish is synchronous
			)
			sub := sys.EventStream.Subscribe(func(evt any) {
				if d, ok := evt.(*pa.DeadLetterEvent); ok && d.PID.Equal(pid) {
					mu.Lock()
					dead = append(dead, d)
					mu.Unlock()
				}
			})
			defer sys.EventStream.Unsubscribe(sub)

			sys.Root.Send(pid, g)
			<-g.entered
			for i := range n {
				sys.Root.RequestWithCustomSender(pid, i, replies.pid)
			}
			queued := min(n, capacity)
			if tt.name == "Unbounded" {
				queued = n
			}
			s := m.Snapshot()
			if s.Len != queued || s.HighWater != queued || s.Posted != n+1 || s.DroppedNewest != uint64(tt.droppedNewest) ||
				s.DroppedOldest != uint64(tt.droppedOldest) || s.Rejected != uint64(tt.rejected) {
				t.Errorf("while the actor is busy: Snapshot() = %+v; want Len %d, HighWater %d, Posted %d, DroppedNewest %d, DroppedOldest %d, Rejected %d",
					s, queued, queued, n+1, tt.droppedNewest, tt.droppedOldest, tt.rejected)
			}
			mu.Lock()
			letters := slices.Clone(dead)
			mu.Unlock()
			if len(letters) != tt.rejected {
				t.Errorf("%d dead letters; want %d (one per rejected message)", len(letters), tt.rejected)
			}
			for _, d := range letters {
				if _, ok := d.Message.(int); !ok || d.Sender != nil {
					t.Errorf("dead letter %+v; want the int message, no sender (it was answered)", d)
				}
			}
			close(g.release)

			var handled, refused []int
			for range len(tt.handled) + tt.rejected {
				switch r := (<-replies.ch).(type) {
				case int:
					handled = append(handled, r)
				case *mailbox.Rejected:
					if !errors.Is(r, mailbox.ErrFull) || !r.Target.Equal(pid) {
						t.Errorf("rejection %v: want ErrFull from %v", r, pid)
					}
					refused = append(refused, r.Message.(int))
				default:
					t.Fatalf("unexpected reply %T %v", r, r)
				}
			}
			if !slices.Equal(handled, tt.handled) {
				t.Errorf("handled %v; want %v", handled, tt.handled)
			}
			if want := seq(capacity, n); tt.rejected > 0 && !slices.Equal(refused, want) {
				t.Errorf("rejected %v; want %v", refused, want)
			}
			s = m.Snapshot()
			if s.Processed != uint64(len(tt.handled)+1) || s.Len != 0 {
				t.Errorf("at the end: Snapshot() = %+v; want Processed %d, Len 0", s, len(tt.handled)+1)
			}
			checkBalance(t, s)
		})
	}
}

func TestPriorityActor(t *testing.T) {
	sys := newSystem(t)
	g := newGate()
	order := make(chan string, 10)
	pid := spawn(t, sys, pa.PropsFromFunc(func(c pa.Context) {
		switch msg := c.Message().(type) {
		case gate:
			msg.block()
		case ctrl:
			order <- string(msg)
		case string:
			order <- msg
		}
	}, pa.WithMailbox(mailbox.Bounded(8, mailbox.Reject, mailbox.WithPriority()))))
	sys.Root.Send(pid, g)
	<-g.entered
	for _, msg := range []any{"u1", ctrl("c1"), "u2", ctrl("c2"), "u3"} {
		sys.Root.Send(pid, msg)
	}
	close(g.release)
	var got []string
	for range 5 {
		got = append(got, <-order)
	}
	if want := []string{"c1", "c2", "u1", "u2", "u3"}; !slices.Equal(got, want) {
		t.Errorf("handled %v; want %v", got, want)
	}
}

func TestRestartKeepsQueuedMessages(t *testing.T) {
	sys := newSystem(t)
	m := mailbox.NewMetrics()
	g := newGate()
	events := make(chan string, 20)
	pid := spawn(t, sys, pa.PropsFromFunc(func(c pa.Context) {
		switch msg := c.Message().(type) {
		case *pa.Started:
			events <- "started"
		case *pa.Restarting:
			events <- "restarting"
		case gate:
			msg.block()
		case string:
			panic(msg)
		case int:
			events <- fmt.Sprint(msg)
		}
	}, pa.WithMailbox(mailbox.Bounded(8, mailbox.Reject, mailbox.WithMetrics(m)))))
	sys.Root.Send(pid, g)
	<-g.entered
	for _, msg := range []any{"boom", 1, 2, 3} {
		sys.Root.Send(pid, msg)
	}
	close(g.release)
	want := []string{"started", "restarting", "started", "1", "2", "3"}
	var got []string
	for range want {
		got = append(got, <-events)
	}
	if !slices.Equal(got, want) {
		t.Errorf("events %v; want %v", got, want)
	}
	s := m.Snapshot()
	if s.Processed != 5 {
		t.Errorf("Processed = %d; want 5 (gate, boom, 1, 2, 3)", s.Processed)
	}
	checkBalance(t, s)
}

// recordingStrategy records failures and resumes the failed actor.
type recordingStrategy chan escalation

func (s recordingStrategy) HandleFailure(_ *pa.ActorSystem, sup pa.Supervisor, child *pa.PID, _ *pa.RestartStatistics, reason, msg any) {
	s <- escalation{reason, msg}
	sup.ResumeChildren(child)
}

func TestPanicReachesSupervisor(t *testing.T) {
	errBoom := errors.New("boom")
	sys := newSystem(t)
	failures := make(recordingStrategy, 2)
	pid := spawn(t, sys, pa.PropsFromFunc(func(c pa.Context) {
		switch msg := c.Message().(type) {
		case error:
			panic(msg)
		case string:
			c.Respond(msg)
		}
	}, pa.WithMailbox(mailbox.Unbounded()), pa.WithGuardian(failures)))
	sys.Root.Send(pid, errBoom)
	if f := <-failures; f.reason != errBoom || f.msg != errBoom {
		t.Errorf("supervisor got reason %v, message %v; want the panic value %v and the message", f.reason, f.msg, errBoom)
	}
	// Resumed: the mailbox carries on.
	if r, err := sys.Root.RequestFuture(pid, "after", testTimeout).Result(); err != nil || r != "after" {
		t.Errorf("request after the resume = %v, %v; want after", r, err)
	}
}

func TestConcurrentPosters(t *testing.T) {
	const posters, each, capacity = 8, 2000, 64
	tests := []struct {
		name     string
		producer func(*mailbox.Metrics) pa.MailboxProducer
	}{
		{"Unbounded", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Unbounded(mailbox.WithMetrics(m), mailbox.WithQueueTime())
		}},
		{"UnboundedPriority", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Unbounded(mailbox.WithMetrics(m), mailbox.WithPriority())
		}},
		{"DropNewest", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Bounded(capacity, mailbox.DropNewest, mailbox.WithMetrics(m))
		}},
		{"DropOldest", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Bounded(capacity, mailbox.DropOldest, mailbox.WithMetrics(m), mailbox.WithPriority())
		}},
		{"Reject", func(m *mailbox.Metrics) pa.MailboxProducer {
			return mailbox.Bounded(capacity, mailbox.Reject, mailbox.WithMetrics(m))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys := newSystem(t)
			m := mailbox.NewMetrics()
			var (
				mu     sync.Mutex
				count  int
				target = -1
				done   = make(chan struct{})
			)
			pid := spawn(t, sys, pa.PropsFromFunc(func(c pa.Context) {
				switch c.Message().(type) {
				case int, ctrl:
					mu.Lock()
					if count++; count == target {
						close(done)
					}
					mu.Unlock()
				}
			}, pa.WithMailbox(tt.producer(m))))
			stop := make(chan struct{})
			var readers, wg sync.WaitGroup
			readers.Go(func() { // read the metrics while they change
				for {
					select {
					case <-stop:
						return
					default:
						_ = m.Snapshot()
					}
				}
			})
			for p := range posters {
				wg.Go(func() {
					for i := range each {
						if i%10 == 0 {
							sys.Root.Send(pid, ctrl(fmt.Sprint(p)))
						} else {
							sys.Root.Send(pid, i)
						}
					}
				})
			}
			wg.Wait()
			close(stop)
			readers.Wait()
			s := m.Snapshot()
			if s.Posted != posters*each {
				t.Fatalf("Posted = %d; want %d", s.Posted, posters*each)
			}
			mu.Lock()
			target = int(s.Posted - s.Dropped() - s.Rejected)
			if count == target {
				close(done)
			}
			mu.Unlock()
			<-done
			s = m.Snapshot()
			if s.Len != 0 || s.Processed != uint64(target) || s.HighWater < 1 {
				t.Errorf("Snapshot() = %+v; want Len 0, Processed %d", s, target)
			}
			if tt.name != "Unbounded" && tt.name != "UnboundedPriority" && s.HighWater > capacity {
				t.Errorf("HighWater = %d; want at most %d", s.HighWater, capacity)
			}
			checkBalance(t, s)
		})
	}
}
