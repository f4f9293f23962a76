package actor_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// The tests of Inbox drive an owner actor (inboxOwner) that makes an
// inbox of ints and runs a taker fiber on it, which reports every batch it
// takes and the error that ends it on channels of the test.

// inboxPatience bounds every wait of these tests on a channel: a safety
// net that turns a hang into a failure, never what a test waits for.
const inboxPatience = 10 * time.Second

type inboxMsg interface{ inboxMsg() }

// inboxOpen makes the owner's inbox and starts its taker; with hold, the
// taker waits for an inboxStart before its first Take.
type inboxOpen struct {
	actor.Request[inboxMsg, *actor.Inbox[int]]
	limit int
	opts  []actor.InboxOption[int]
	hold  bool
}

// inboxStart lets a held taker start taking.
type inboxStart struct{}

// inboxFull is the owner's overflow notice.
type inboxFull struct{}

// inboxCancel cancels the taker; inboxRetake starts a new one.
type (
	inboxCancel struct{}
	inboxRetake struct{}
)

func (inboxOpen) inboxMsg()   {}
func (inboxStart) inboxMsg()  {}
func (inboxFull) inboxMsg()   {}
func (inboxCancel) inboxMsg() {}
func (inboxRetake) inboxMsg() {}

// inboxOwner is the owner's behavior; its channels are the test's.
type inboxOwner struct {
	taken   chan []int    // a copy of each batch the taker took
	ended   chan error    // the error that ended a taker
	notices chan struct{} // one per overflow notice
	inbox   *actor.Inbox[int]
	taker   *fiber.Fiber
}

func newInboxOwner() *inboxOwner {
	return &inboxOwner{taken: make(chan []int, 1<<16), ended: make(chan error, 4), notices: make(chan struct{}, 4)}
}

func (o *inboxOwner) Receive(self *actor.Self[inboxMsg], msg inboxMsg) {
	switch m := msg.(type) {
	case inboxOpen:
		o.inbox = actor.NewInbox(self, m.limit, func() inboxMsg { return inboxFull{} }, m.opts...)
		o.startTaker(self, m.hold)
		actor.ReplyTo(self, m).Send(o.inbox)
	case inboxFull:
		o.notices <- struct{}{}
	case inboxCancel:
		o.taker.Cancel(errInboxTestCancel)
	case inboxRetake:
		o.startTaker(self, false)
	}
}

var errInboxTestCancel = errors.New("the test cancels the taker")

func (o *inboxOwner) startTaker(self *actor.Self[inboxMsg], hold bool) {
	o.taker = self.Go("taker", func(f *fiber.Fiber) error {
		if hold {
			if _, err := actor.Receive[inboxStart](f); err != nil {
				o.ended <- err
				return nil
			}
		}
		var batch []int
		for {
			var err error
			batch, err = o.inbox.Take(f, batch)
			if err != nil {
				o.ended <- err
				return nil
			}
			o.taken <- slices.Clone(batch)
		}
	})
}

// startInboxOwner spawns an owner, opens its inbox with req and returns
// both; the system is shut down when t ends.
func startInboxOwner(t *testing.T, req inboxOpen) (*inboxOwner, actor.Ref[inboxMsg], *actor.Inbox[int]) {
	t.Helper()
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), inboxPatience)
		defer cancel()
		if err := sys.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown(ctx) = %v; want nil", err)
		}
	})
	o := newInboxOwner()
	ref, err := actor.Spawn(sys, "owner", func() actor.Behavior[inboxMsg] { return o })
	if err != nil {
		t.Fatalf("Spawn(owner) error = %v; want nil", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), inboxPatience)
	defer cancel()
	in, err := actor.Call(ctx, ref, req)
	if err != nil {
		t.Fatalf("Call(owner, inboxOpen) error = %v; want nil", err)
	}
	return o, ref, in
}

// inboxRecv receives from ch, failing t if nothing comes within patience.
func inboxRecv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(inboxPatience):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// collect receives the taker's batches until its end, and returns the
// values taken and the error that ended it.
func (o *inboxOwner) collect(t *testing.T) ([]int, error) {
	t.Helper()
	var got []int
	for {
		select {
		case b := <-o.taken:
			got = append(got, b...)
		case err := <-o.ended:
			for len(o.taken) > 0 {
				got = append(got, <-o.taken...)
			}
			return got, err
		case <-time.After(inboxPatience):
			t.Fatalf("timed out waiting for the taker; it took %v", got)
		}
	}
}

// TestInboxPushTake checks the outcome of pushes made while nothing takes
// (the taker is held), then a Close: what TryPush reports, what Take
// returns, and whether the overflow notice came.
func TestInboxPushTake(t *testing.T) {
	weight := actor.InboxWeight(func(v int) int { return v })
	tests := []struct {
		name      string
		limit     int
		opts      []actor.InboxOption[int]
		pushes    []int
		want      []bool // what each TryPush reports
		wantTaken []int
		wantErr   error
	}{
		{"fits", 3, nil, []int{1, 2, 3}, []bool{true, true, true}, []int{1, 2, 3}, actor.ErrInboxClosed},
		{"empty", 3, nil, nil, nil, nil, actor.ErrInboxClosed},
		{"overflow drops all", 3, nil, []int{1, 2, 3, 4, 5}, []bool{true, true, true, false, false}, nil, actor.ErrInboxFull},
		{"weight fits", 10, []actor.InboxOption[int]{weight}, []int{4, 6}, []bool{true, true}, []int{4, 6}, actor.ErrInboxClosed},
		{"weight overflow", 10, []actor.InboxOption[int]{weight}, []int{4, 6, 1, 0}, []bool{true, true, false, false}, nil, actor.ErrInboxFull},
		{"weight zero takes no room", 1, []actor.InboxOption[int]{weight}, []int{1, 0, 0}, []bool{true, true, true}, []int{1, 0, 0}, actor.ErrInboxClosed},
		{"one value too heavy", 5, []actor.InboxOption[int]{weight}, []int{6}, []bool{false}, nil, actor.ErrInboxFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ref, in := startInboxOwner(t, inboxOpen{limit: tt.limit, opts: tt.opts, hold: true})
			var got []bool
			for _, v := range tt.pushes {
				got = append(got, in.TryPush(v))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("TryPush results = %v; want %v", got, tt.want)
			}
			if n, want := in.Len(), len(tt.wantTaken); n != want {
				t.Errorf("Len() = %d; want %d", n, want)
			}
			in.Close()
			in.Close() // a second Close does nothing
			if in.TryPush(7) {
				t.Error("TryPush after Close = true; want false")
			}
			ref.Send(inboxStart{})
			taken, err := o.collect(t)
			if !slices.Equal(taken, tt.wantTaken) || !errors.Is(err, tt.wantErr) {
				t.Errorf("Take = %v then %v; want %v then %v", taken, err, tt.wantTaken, tt.wantErr)
			}
			// The notice is delivered before Take reports the overflow.
			wantNotices := 0
			if errors.Is(tt.wantErr, actor.ErrInboxFull) {
				wantNotices = 1
			}
			if n := len(o.notices); n != wantNotices {
				t.Errorf("%d overflow notices; want %d", n, wantNotices)
			}
		})
	}
}

// TestInboxConcurrentPushers pushes from several goroutines while the
// taker takes (run it with -race): every value arrives once, each pusher's
// in the order it pushed them.
func TestInboxConcurrentPushers(t *testing.T) {
	const pushers, each = 4, 2000
	o, _, in := startInboxOwner(t, inboxOpen{limit: pushers * each})
	var wg sync.WaitGroup
	for p := range pushers {
		wg.Go(func() {
			for i := range each {
				if !in.TryPush(p*each + i) {
					t.Errorf("TryPush(%d) = false; want true", p*each+i)
					return
				}
			}
		})
	}
	wg.Wait()
	in.Close()
	taken, err := o.collect(t)
	if !errors.Is(err, actor.ErrInboxClosed) {
		t.Errorf("final Take error = %v; want ErrInboxClosed", err)
	}
	if len(taken) != pushers*each {
		t.Fatalf("took %d values; want %d", len(taken), pushers*each)
	}
	next := make([]int, pushers)
	for _, v := range taken {
		p, i := v/each, v%each
		if i != next[p] {
			t.Fatalf("took value %d of pusher %d; want %d", i, p, next[p])
		}
		next[p]++
	}
}

// TestInboxCancelWhileWaiting cancels a taker waiting in Take: Take
// returns the cancellation, and the inbox keeps what is pushed afterwards
// for the next taker.
func TestInboxCancelWhileWaiting(t *testing.T) {
	o, ref, in := startInboxOwner(t, inboxOpen{limit: 10})
	ref.Send(inboxCancel{})
	if err := inboxRecv(t, o.ended, "the cancelled Take"); !errors.Is(err, errInboxTestCancel) || !errors.Is(err, context.Canceled) {
		t.Errorf("Take of a cancelled fiber = %v; want an error wrapping the cause and context.Canceled", err)
	}
	if !in.TryPush(1) || !in.TryPush(2) {
		t.Fatal("TryPush after the taker's cancellation = false; want true")
	}
	ref.Send(inboxRetake{})
	if got := inboxRecv(t, o.taken, "the next taker's batch"); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("next taker took %v; want [1 2]", got)
	}
}

// TestInboxOwnerStops stops the owner while its taker waits: Take returns
// ErrStopped, and pushes fail afterwards.
func TestInboxOwnerStops(t *testing.T) {
	o, ref, in := startInboxOwner(t, inboxOpen{limit: 10})
	ctx, cancel := context.WithTimeout(context.Background(), inboxPatience)
	defer cancel()
	if err := ref.Stop(ctx); err != nil {
		t.Fatalf("Stop(ctx) = %v; want nil", err)
	}
	if err := inboxRecv(t, o.ended, "the stopped Take"); !errors.Is(err, actor.ErrStopped) {
		t.Errorf("Take when the owner stops = %v; want an error wrapping ErrStopped", err)
	}
	if in.TryPush(1) {
		t.Error("TryPush after the owner stopped = true; want false")
	}
	if in.TryPush(2) {
		t.Error("second TryPush after the owner stopped = true; want false")
	}
}

// TestInboxMisuse checks the misuse panics.
func TestInboxMisuse(t *testing.T) {
	_, _, in := startInboxOwner(t, inboxOpen{limit: 10, opts: []actor.InboxOption[int]{actor.InboxWeight(func(v int) int { return v })}})
	wantPanic := func(what, want string, fn func()) {
		t.Helper()
		defer func() {
			t.Helper()
			if p, _ := recover().(string); !strings.HasPrefix(p, want) {
				t.Errorf("%s panicked with %q; want a panic starting with %q", what, p, want)
			}
		}()
		fn()
	}
	wantPanic("TryPush of a negative weight", "actor: Inbox weight", func() { in.TryPush(-1) })
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		wantPanic("Take by a fiber of another scheduler", "actor: Inbox.Take by a fiber of another actor", func() { _, _ = in.Take(f, nil) })
		return nil
	})
	if err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
}

// inboxBenchOpen makes the benchmark's inbox and starts its taker, which
// sends the number of values it took to done once the inbox is closed.
type inboxBenchOpen struct {
	actor.Request[inboxMsg, *actor.Inbox[int]]
	done chan<- int
}

func (inboxBenchOpen) inboxMsg() {}

// BenchmarkInbox measures a push and its share of a Take: the benchmark
// goroutine pushes values that a fiber of the owner takes in batches,
// handing each batch back.
func BenchmarkInbox(b *testing.B) {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	defer sys.Shutdown(context.Background())
	ref, err := actor.Spawn(sys, "owner", func() actor.Behavior[inboxMsg] {
		return actor.BehaviorFunc[inboxMsg](func(self *actor.Self[inboxMsg], msg inboxMsg) {
			m, ok := msg.(inboxBenchOpen)
			if !ok {
				return
			}
			in := actor.NewInbox[int](self, 1<<30, nil)
			self.Go("taker", func(f *fiber.Fiber) error {
				var batch []int
				n := 0
				for {
					var err error
					if batch, err = in.Take(f, batch); err != nil {
						m.done <- n
						return nil
					}
					n += len(batch)
				}
			})
			actor.ReplyTo(self, m).Send(in)
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan int, 1)
	in, err := actor.Call(context.Background(), ref, inboxBenchOpen{done: done})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	pushed := 0
	for b.Loop() {
		if in.TryPush(pushed) {
			pushed++
		}
	}
	in.Close()
	if n := <-done; n != pushed || pushed == 0 {
		b.Fatalf("took %d values; want the %d pushed", n, pushed)
	}
}
