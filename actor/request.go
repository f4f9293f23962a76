package actor

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"time"
	"unsafe"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/pids"
)

// Request makes a message type a request of protocol P answered with an R:
// embed it in the message type, which must also implement P.
//
//	type Quote struct {
//		actor.Request[PriceMsg, Price] // a request of PriceMsg, answered with a Price
//		Symbol string
//	}
//
// [Ask] and [Call] then infer the reply type from the request, so that a
// call site spells no type arguments, and refuse at compile time a
// reference of another protocol. The responder takes a typed handle with
// [ReplyTo] and answers through it, at once or after any number of
// suspensions.
//
// The embedded value carries the request's reply address, which Ask and
// Call set on the copy they send: embed the value (not a pointer), leave
// it zero, and do not compare requests with ==. Ask and Call take the
// request by value: a pointer to a request type is refused (they panic). A request sent with [Ref.Send] has none: its
// [Reply.Send] returns [ErrNoAsker]. The reply address works between the
// actors of one process; a request that crosses nodes must be a protobuf
// message.
type Request[P, R any] struct {
	st *replyState
	// A second field keeps every request type out of Go's direct
	// interface representation (a struct whose only field is a pointer),
	// so that boxing a request always copies it, which bind relies on.
	_ [0]func()
}

// weftRequest marks the type as a request of protocol P with reply R; its
// signature is what Ask, Call and ReplyTo infer P and R from.
func (Request[P, R]) weftRequest(P, R) {}

// weftState returns the request's reply state; nil if it was not sent
// with Ask or Call.
func (r Request[P, R]) weftState() *replyState { return r.st }

// bindReply sets the reply state of the copy that Ask or Call sends.
func (r *Request[P, R]) bindReply(st *replyState) { r.st = st }

// RequestOf is the constraint satisfied by the message types that embed a
// [Request] of protocol P with reply type R. Its method is unexported:
// embedding Request is the only way to satisfy it.
type RequestOf[P, R any] interface {
	weftRequest(P, R)
	weftState() *replyState
}

// carrier is implemented by every message type that embeds a Request.
type carrier interface{ weftState() *replyState }

// binder is implemented by a pointer to such a type.
type binder interface{ bindReply(*replyState) }

// replyState is what the copies of one request share: where the reply
// goes, and whether it has been given. It is shared by the asker (which
// creates it before sending the request) and by the actors the request
// reaches; its fields are atomic.
type replyState struct {
	pid      pa.PID                  // the asker's one-shot reply address, set before the request is sent
	proc     pa.Process              // the process behind pid, set with it
	answered atomic.Bool             // a reply (or failure) has been sent
	handed   atomic.Bool             // handed on with Forward by an actor that received it
	holder   atomic.Pointer[openSet] // the actor that received the request last; nil in transit
	answer   func(any)               // BindReply's: takes the reply instead of proc; nil for Ask and Call
	asker    *actorCell              // Ask's: the asking actor, when it shares the responder's worker pool; dropped by deliver
	slot     bridge.RequestSlot      // the asker's side of an Ask, kept here by the bridge (its fields are handed over with the request and the reply)
	bare     bool                    // sent without protoactor's envelope (see bareTo); set before the request is sent
}

// bareTo reports whether a request to the actor of cell goes without
// protoactor's envelope: a Weft actor of this process reads the reply
// address from the request (and Self.Raw's context gives it as the
// sender), and an unbounded mailbox of package mailbox (the default)
// refuses nothing, so that no rejection needs a sender to go to. A
// bounded mailbox answers a refused request's sender, and a protoactor
// mailbox is not known: they get the envelope.
func bareTo(cell *actorCell) bool {
	if cell == nil {
		return false
	}
	mb := cell.mailbox()
	return mb != nil && mb.Cap() == 0
}

// Bare implements [bridge.Addressee].
func (st *replyState) Bare() bool { return st.bare }

// openSet is the set of requests an actor has received and not answered:
// when the actor stops or restarts, they fail, so that their askers learn
// at once instead of at their timeout. It belongs to the actor's turns;
// answers (from any goroutine) only set their request's answered flag, and
// add sweeps answered and handed-on requests out once the set has doubled
// since the last sweep, so that it stays proportional to the open ones
// and costs an append per request.
type openSet struct {
	held  []*replyState // may hold answered and handed-on requests until the next sweep
	sweep int           // len(held) that triggers the next sweep
}

// add records st as held by this actor.
func (o *openSet) add(st *replyState) {
	if len(o.held) >= o.sweep {
		kept := o.held[:0]
		for _, s := range o.held {
			if !s.answered.Load() && s.holder.Load() == o {
				kept = append(kept, s)
			}
		}
		clear(o.held[len(kept):])
		o.held = kept
		o.sweep = max(16, 2*len(kept))
	}
	o.held = append(o.held, st)
	st.holder.Store(o)
}

// handOff marks the request st as in transit: the actor that sent it on
// no longer answers for it (see openSet.failAll).
func handOff(st *replyState) {
	st.holder.Store(nil)
	st.handed.Store(true)
}

// failAll fails every request still held by this actor with err.
func (o *openSet) failAll(err error) {
	for _, st := range o.held {
		if st.holder.Load() == o && st.answered.CompareAndSwap(false, true) {
			st.deliver(&failure{err: err})
		}
	}
	o.held, o.sweep = nil, 0
}

// failure is the reply message of [Reply.Fail] and of a request that its
// responder dropped: the asker's Ask or Call returns err.
type failure struct{ err error }

// Reply is the handle through which an actor answers one request, taken
// with [ReplyTo]. It stays valid across suspensions: a fiber may take it
// in the turn that delivered the request and answer much later. The first
// [Reply.Send] or [Reply.Fail] answers; later ones return [ErrAnswered].
// If the actor stops or restarts before answering, the asker's Ask or
// Call fails with an error wrapping [ErrDeadTarget] or [ErrRestarted].
//
// A Reply is a small value: copy it freely; the copies answer the same
// request. Its methods may be called from any goroutine. The zero Reply
// belongs to no request: its methods return [ErrNoAsker].
type Reply[R any] struct {
	st *replyState
	by *actorCell // the responder's: a reply given in one of its turns marks the asker (see replyState.deliverSoon)
}

// ReplyTo returns the handle that answers req, a request the actor self
// received (from its handler, or through [Receive] in one of its fibers).
// The request must be of self's protocol; its reply type R comes from
// req's type, so that answering with another type does not compile.
func ReplyTo[Q RequestOf[M, R], M, R any](self *Self[M], req Q) Reply[R] {
	st := req.weftState()
	if st == nil {
		return Reply[R]{}
	}
	if st.holder.Load() != &self.open {
		self.open.add(st) // a request that reached the actor inside another message
	}
	if !self.answers && self.cell.sched.pool != nil {
		self.answers = true
		self.cell.sched.inTurn.Store(true) // until the end of this turn (see hostedActor.Receive)
	}
	return Reply[R]{st: st, by: self.cell}
}

// Send answers the request with v. It returns nil once the reply is on its
// way (if the asker has given up meanwhile, it is dropped), [ErrAnswered]
// if the request was already answered, and [ErrNoAsker] if it was sent
// without Ask or Call. It never blocks.
func (r Reply[R]) Send(v R) error { return r.answer(v) }

// Fail answers the request with err: the asker's Ask or Call returns an
// error wrapping err (so [errors.Is] matches it). It returns what
// [Reply.Send] returns; a nil err panics.
func (r Reply[R]) Fail(err error) error {
	if err == nil {
		panic("actor: Reply.Fail with a nil error")
	}
	return r.answer(&failure{err: err})
}

func (r Reply[R]) answer(msg any) error {
	if r.st == nil {
		return ErrNoAsker
	}
	if !r.st.answered.CompareAndSwap(false, true) {
		return ErrAnswered
	}
	if r.by != nil && r.by.sched.inTurn.Load() {
		r.st.deliverSoon(msg)
	} else {
		r.st.deliver(msg)
	}
	return nil
}

// WaitOption configures a wait: a fiber's ([Ask], [Receive],
// [ReceiveFunc]) or a goroutine's ([Call]). It is a small value: making
// one allocates nothing.
type WaitOption struct {
	within time.Duration
}

// Within bounds a wait: if it has not completed after d (measured by the
// system's clock, see [WithClock]), it fails with an error wrapping
// [ErrTimeout]. A d of zero or less sets no bound. Without it, a wait lasts
// until it completes, fails, or its fiber is cancelled (for [Call], until
// its context is done).
func Within(d time.Duration) WaitOption { return WaitOption{within: d} }

// waitBound returns the bound opts set (the last one given counts); 0 for
// none.
func waitBound(opts []WaitOption) time.Duration {
	var d time.Duration
	for _, o := range opts {
		d = o.within
	}
	return d
}

// bridgeOpts returns the bridge's options for a wait bounded by d: one
// Within, or none.
func bridgeOpts(d time.Duration, buf *[1]bridge.WaitOption) []bridge.WaitOption {
	if d <= 0 {
		return nil
	}
	buf[0] = bridge.Within(d)
	return buf[:]
}

// Ask sends the request req to the actor to and suspends the fiber f until
// the actor answers; the actor f lives in keeps serving its mailbox
// meanwhile. The reply's type R comes from req's type (see [Request]), so
// a call needs no type arguments, and asking a Ref of another protocol
// does not compile:
//
//	p, err := actor.Ask(f, prices, Quote{Symbol: "ACME"}) // p is a Price
//
// Ask fails with an error wrapping:
//   - [ErrDeadTarget] if the actor does not exist or stops before it
//     answers;
//   - [ErrRestarted] if it restarts before it answers (the request was
//     lost with the failed incarnation);
//   - [ErrTimeout] past a [Within] deadline;
//   - [ErrDeadlock] if the request closes a wait cycle between actors
//     (see [WithDeadlockDetection]);
//   - what the responder gave [Reply.Fail], or a bounded mailbox's
//     rejection (mailbox.ErrFull);
//   - [ErrUnexpectedReply] if a responder outside Weft answered with
//     another type (a Ref made with [RefOf] to a raw protoactor actor);
//   - f's cancellation error if f is cancelled ([ErrStopped] or
//     [ErrRestarted] when its own actor stops or restarts).
//
// A round trip between two actors costs about 1 µs on the benchmark
// machine and four allocations, both actors' sides together
// (BenchmarkRequest/Bridge), plus a reused timer with Within.
//
// Ask is a suspension point: it must be called by f itself, and f must
// live in an actor (a fiber of [Self.Go]).
func Ask[Q RequestOf[P, R], P, R any](f *fiber.Fiber, to Ref[P], req Q, opts ...WaitOption) (R, error) {
	pid := to.pidOrPanic("Ask")
	st, msg := bind[P](req)
	st.bare = bareTo(to.cell)
	var soon *actorCell // the target, if its run is marked (see cellDispatcher)
	if to.cell != nil && to.cell.sched.pool != nil {
		if me := cellOf(f); me != nil && me.sched.pool == to.cell.sched.pool {
			st.asker = me
			if to.cell.markSoon(me.sched.pool) {
				soon = to.cell
			}
		}
	}
	var buf [1]bridge.WaitOption
	reply, err := bridge.RequestRaw(f, pid, msg, st, bridgeOpts(waitBound(opts), &buf)...)
	if soon != nil {
		soon.clearSoon() // a post that found the target scheduled left it
	}
	return decode[R](reply, err, pid, req)
}

// Call is [Ask] for code outside actors (main, tests, HTTP handlers): it
// sends req to the actor and blocks the calling goroutine until the actor
// answers, the request fails (with the errors of Ask), or ctx is done (it
// then returns [context.Cause] of ctx). Bound it with [Within], which
// fails it with [ErrTimeout], or with ctx's deadline; Within adds less than
// half of what a context.WithTimeout per call adds, which makes a context
// and a timer each time (BenchmarkCall):
//
//	p, err := actor.Call(ctx, prices, Quote{Symbol: "ACME"}, actor.Within(time.Second))
//
// Inside an actor, use Ask, which suspends only the fiber.
//
// Call is safe for concurrent use.
func Call[Q RequestOf[P, R], P, R any](ctx context.Context, to Ref[P], req Q, opts ...WaitOption) (R, error) {
	pid := to.pidOrPanic("Call")
	within := waitBound(opts)
	var (
		buf   [1]bridge.WaitOption
		bound []bridge.WaitOption
	)
	if within > 0 {
		if clock := to.sys.clock; clock != nil {
			// A clock of the system's own (WithClock): the bound is
			// measured on it, as Ask's is.
			var cancel context.CancelCauseFunc
			ctx, cancel = context.WithCancelCause(ctx)
			defer cancel(nil)
			t := clock.AfterFunc(within, func() { cancel(fmt.Errorf("%w: no reply within %v", ErrTimeout, within)) })
			defer t.Stop()
		} else {
			bound = bridgeOpts(within, &buf)
		}
	}
	st, msg := bind[P](req)
	st.bare = bareTo(to.cell)
	var stopped <-chan struct{}
	if to.cell != nil {
		stopped = to.cell.stopped() // a Weft actor: no watch needed
	}
	reply, err := bridge.CallRawUntil(ctx, to.sys.ps, pid, msg, st, stopped, bound...)
	return decode[R](reply, err, pid, req)
}

// Forward hands req, a request the calling actor received, on to the actor
// to, which answers it (with [ReplyTo]) to the original asker: the
// forwarding actor no longer answers for it, so that its stop or restart
// no longer fails it, nor does the asker's watch of it. Call it from the
// forwarding actor's turns; a request that was not sent with Ask or Call
// is sent as with [Ref.Send].
//
// A request sent on with Ref.Send instead stays the first actor's: the
// second may still answer it, but the first one's stop fails it.
func Forward[Q RequestOf[P, R], P, R any](to Ref[P], req Q) {
	pid := to.pidOrPanic("Forward")
	m := any(req)
	mustImplement[P](m, req)
	st := req.weftState()
	if st == nil {
		to.sys.ps.Root.Send(pid, m)
		return
	}
	handOff(st)
	to.sys.ps.Root.RequestWithCustomSender(pid, m, &st.pid)
}

// bind gives req a fresh reply state and returns it with the message to
// send: req as a message of its protocol P. It panics if req's type
// declares itself a request of P without implementing P.
//
// It binds the copy it sends, not req: boxing req into an interface makes
// a private heap copy (request types are never direct interface values,
// see Request), which bind reaches through the interface's data word and
// gives the state before anyone else sees it. Binding a local copy through
// its address instead would move every request to the heap a second time.
//
// The message is returned as the box itself: converting it to P would copy
// it (before the binding) when P is the request type itself.
func bind[P, Q any](req Q) (*replyState, any) {
	if reflect.TypeFor[Q]().Kind() != reflect.Struct {
		// A pointer's box is the pointer itself, which bind must not treat
		// as a copy (and a shared request could not carry one asker).
		panic(fmt.Sprintf("actor: request type %v must be a struct that embeds actor.Request, not a pointer to one", reflect.TypeFor[Q]()))
	}
	box := any(req)
	mustImplement[P](box, req)
	st := &replyState{}
	copied := (*Q)((*[2]unsafe.Pointer)(unsafe.Pointer(&box))[1])
	any(copied).(binder).bindReply(st)
	return st, box
}

// ReplyPID implements [bridge.Addressee]: the asker's request machinery
// stores the reply address in the state, before the request is sent.
func (st *replyState) ReplyPID() *pa.PID { return &st.pid }

// RequestSlot implements [bridge.Addressee].
func (st *replyState) RequestSlot() *bridge.RequestSlot { return &st.slot }

// SetReplyProcess implements [bridge.Addressee].
func (st *replyState) SetReplyProcess(p pa.Process) { st.proc = p }

// deliver sends the reply (or failure) msg to the asker, directly to its
// reply process. It runs once, after the answered flag was won, and drops
// the process: the state may stay in its holder's open set until the next
// sweep, and must not keep the asker (its host, its fibers) reachable.
func (st *replyState) deliver(msg any) {
	st.asker = nil
	if st.answer != nil {
		st.answer(msg)
		return
	}
	proc := st.proc
	st.proc = nil
	proc.SendUserMessage(&st.pid, msg)
}

// deliverSoon is deliver for a reply given while its responder runs a
// turn, most likely from that turn: the asker's next run is then queued
// for the worker of that turn (see cellDispatcher).
func (st *replyState) deliverSoon(msg any) {
	a := st.asker
	if a == nil || !a.sched.soon.CompareAndSwap(false, true) {
		st.deliver(msg)
		return
	}
	st.deliver(msg)
	a.clearSoon()
}

// HandedOn implements [bridge.Addressee]: once an actor has sent the
// request on, the end of the actor first asked no longer fails it.
func (st *replyState) HandedOn() bool { return st.handed.Load() }

// mustImplement panics if box, the request req, is not a message of its
// protocol P (its type embeds a Request of P without implementing P).
func mustImplement[P, Q any](box any, req Q) {
	if _, ok := box.(P); !ok {
		panic(fmt.Sprintf("actor: %T is a Request of %v but does not implement it", req, reflect.TypeFor[P]()))
	}
}

// decode turns the raw reply of a request into an R or an error.
func decode[R, Q any](reply any, err error, to *pa.PID, req Q) (R, error) {
	var zero R
	if err != nil {
		return zero, askError(err, to, req)
	}
	switch r := reply.(type) {
	case R:
		return r, nil
	case *failure:
		return zero, askError(r.err, to, req)
	case error:
		// A failure answered in place of the reply, such as a bounded
		// mailbox's rejection.
		return zero, askError(r, to, req)
	}
	return zero, fmt.Errorf("actor: %T to %s: %w: got %T, want %v", req, pids.String(to), ErrUnexpectedReply, reply, reflect.TypeFor[R]())
}

// askError names the request and its target in err, unless err already
// does (a deadlock report, the fiber's cancellation).
func askError[Q any](err error, to *pa.PID, req Q) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrDeadlock) {
		return err
	}
	return fmt.Errorf("actor: %T to %s: %w", req, pids.String(to), err)
}
