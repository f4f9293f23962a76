package actor_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// handOff opens an owner's inbox with InboxHandOff, whose kick function
// signals the returned channel; the taker waits in Take (the owner's
// Receive starts it before answering).
func handOff(t *testing.T, limit int) (*inboxOwner, *actor.Inbox[int], <-chan struct{}) {
	t.Helper()
	kicks := make(chan struct{}, 16)
	o, _, in := startInboxOwner(t, inboxOpen{limit: limit, opts: []actor.InboxOption[int]{
		actor.InboxHandOff[int](func() { kicks <- struct{}{} }),
	}})
	return o, in, kicks
}

// TestInboxHandOff checks a hand-off's order: the first push into the idle
// inbox kicks the consumer, later pushes queue behind it without waking
// the taker, Drain takes them all, and Release gives the rest back in
// front of what was pushed after the Drain, for the taker.
func TestInboxHandOff(t *testing.T) {
	o, in, kicks := handOff(t, 100)
	for _, v := range []int{1, 2, 3} {
		if !in.TryPush(v) {
			t.Fatalf("TryPush(%d) = false; want true", v)
		}
	}
	inboxRecv(t, kicks, "the kick")
	if len(kicks) != 0 {
		t.Errorf("%d more kicks; want one in all", len(kicks))
	}
	if got := in.Drain(nil); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("Drain = %v; want [1 2 3]", got)
	}
	in.TryPush(4)
	if in.Release([]int{3}) {
		t.Error("Release with a rest = true; want false")
	}
	if got := inboxRecv(t, o.taken, "the taker's batch"); !slices.Equal(got, []int{3, 4}) {
		t.Errorf("taker took %v; want [3 4] (the rest, then the later push)", got)
	}

	// The taker waits again: a push kicks the consumer again. A Release
	// with no rest but values pushed since the Drain keeps the hand-off.
	in.TryPush(5)
	inboxRecv(t, kicks, "the second kick")
	if got := in.Drain(nil); !slices.Equal(got, []int{5}) {
		t.Fatalf("Drain = %v; want [5]", got)
	}
	in.TryPush(6)
	if !in.Release(nil) {
		t.Fatal("Release(nil) after a push = false; want true (drain again)")
	}
	if got := in.Drain(nil); !slices.Equal(got, []int{6}) {
		t.Fatalf("second Drain = %v; want [6]", got)
	}
	if in.Release(nil) {
		t.Fatal("Release(nil) of an empty inbox = true; want false")
	}
	in.TryPush(7)
	inboxRecv(t, kicks, "the third kick")

	// Closed while handed off: the taker gets the rest, then the close.
	in.Close()
	if got := in.Drain(nil); !slices.Equal(got, []int{7}) {
		t.Fatalf("Drain after Close = %v; want [7]", got)
	}
	if in.Release([]int{7}) {
		t.Error("Release after Close = true; want false")
	}
	taken, err := o.collect(t)
	if !slices.Equal(taken, []int{7}) || !errors.Is(err, actor.ErrInboxClosed) {
		t.Errorf("taker took %v then %v; want [7] then ErrInboxClosed", taken, err)
	}
}

// TestInboxHandOffLimit checks that handed-off values count towards the
// limit until they are drained: an overflow drops them, and the taker
// learns of it once the inbox is released.
func TestInboxHandOffLimit(t *testing.T) {
	o, in, kicks := handOff(t, 3)
	for _, v := range []int{1, 2, 3} {
		in.TryPush(v)
	}
	inboxRecv(t, kicks, "the kick")
	if in.TryPush(4) {
		t.Fatal("TryPush beyond the limit while handed off = true; want false")
	}
	if got := in.Drain(nil); len(got) != 0 {
		t.Errorf("Drain after the overflow = %v; want nothing", got)
	}
	in.Release([]int{1})
	taken, err := o.collect(t)
	if len(taken) != 0 || !errors.Is(err, actor.ErrInboxFull) {
		t.Errorf("taker took %v then %v; want nothing then ErrInboxFull", taken, err)
	}
	inboxRecv(t, o.notices, "the overflow notice")
}

// parkOwner's taker parks its inbox when it is empty and ends; the
// parked function starts the next taker, counting them.
type parkOwner struct {
	self   *actor.Self[inboxMsg]
	inbox  *actor.Inbox[int]
	starts int
	taken  chan []int
	ended  chan error
	parked chan int // the number of takers started, each time one parks
}

func (o *parkOwner) Receive(self *actor.Self[inboxMsg], msg inboxMsg) {
	if m, ok := msg.(inboxOpen); ok {
		o.self = self
		o.inbox = actor.NewInbox[int](self, m.limit, nil, m.opts...)
		o.start()
		actor.ReplyTo(self, m).Send(o.inbox)
	}
}

func (o *parkOwner) start() {
	o.starts++
	o.self.Go("taker", func(f *fiber.Fiber) error {
		var batch []int
		for !o.inbox.Park(o.start) {
			var err error
			if batch, err = o.inbox.Take(f, batch); err != nil {
				o.ended <- err
				return nil
			}
			o.taken <- slices.Clone(batch)
		}
		o.parked <- o.starts
		return nil
	})
}

// TestInboxPark checks that a taker that parks the empty inbox ends, that
// a push starts the next one, which takes the value, and that Close does
// too; a hand-off takes values while no taker runs.
func TestInboxPark(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), inboxPatience)
		defer cancel()
		_ = sys.Shutdown(ctx)
	})
	kicks := make(chan struct{}, 4)
	o := &parkOwner{taken: make(chan []int, 8), ended: make(chan error, 1), parked: make(chan int, 8)}
	ref, err := actor.Spawn(sys, "parker", func() actor.Behavior[inboxMsg] { return o })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), inboxPatience)
	defer cancel()
	in, err := actor.Call(ctx, ref, inboxOpen{limit: 10, opts: []actor.InboxOption[int]{actor.InboxHandOff[int](func() { kicks <- struct{}{} })}})
	if err != nil {
		t.Fatal(err)
	}
	if n := inboxRecv(t, o.parked, "the first taker parking"); n != 1 {
		t.Errorf("first park after %d takers; want 1", n)
	}
	// Handed off while parked: no taker starts for the consumer's values.
	in.TryPush(1)
	inboxRecv(t, kicks, "the kick")
	if got := in.Drain(nil); !slices.Equal(got, []int{1}) {
		t.Fatalf("Drain = %v; want [1]", got)
	}
	in.TryPush(2)
	in.Release([]int{1}) // a rest: the next taker starts for it
	if got := inboxRecv(t, o.taken, "the second taker's batch"); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("second taker took %v; want [1 2]", got)
	}
	if n := inboxRecv(t, o.parked, "the second taker parking"); n != 2 {
		t.Errorf("second park after %d takers; want 2", n)
	}
	in.Close()
	if err := inboxRecv(t, o.ended, "the third taker's end"); !errors.Is(err, actor.ErrInboxClosed) {
		t.Errorf("third taker ended with %v; want ErrInboxClosed", err)
	}
}
