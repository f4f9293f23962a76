package cluster

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	clustering "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"google.golang.org/protobuf/proto"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/proto/clusterpb"
)

// Ref is a typed reference to the virtual actor of protocol M with an
// identity, through a member: it names the actor, not an activation, so
// it stays valid across passivations, restarts and moves between
// members. Requests through it look the activation up (once, then from
// a cache), activate it on demand on the member that owns the identity,
// and retry when the activation they reached is gone.
//
// The zero value refers to no actor. A Ref is a small value: copy it
// freely; it is safe for concurrent use.
type Ref[M any] struct {
	m  *Member
	ci *clustering.ClusterIdentity
}

// Get returns a reference, through the member m, to the virtual actor of
// kind with the given identity. It does no I/O: the actor is activated
// by the first message that reaches it. m need not host the kind.
func Get[M any](m *Member, kind *Kind[M], identity string) Ref[M] {
	return Ref[M]{m: m, ci: clustering.NewClusterIdentity(identity, kind.name)}
}

// Identity returns the actor's identity.
func (r Ref[M]) Identity() string { return r.ci.GetIdentity() }

// Kind returns the name of the actor's kind.
func (r Ref[M]) Kind() string { return r.ci.GetKind() }

// IsZero reports whether r refers to no actor.
func (r Ref[M]) IsZero() bool { return r.m == nil }

// String returns the actor's name as "kind/identity".
func (r Ref[M]) String() string {
	if r.m == nil {
		return "<nil>"
	}
	return r.ci.GetKind() + "/" + r.ci.GetIdentity()
}

// Option configures a request to a virtual actor.
type Option func(*callConfig)

type callConfig struct{ within time.Duration }

// Within bounds the request: lookup, activation, retries and the wait
// for the reply together. Past it the request fails with an error
// wrapping [actor.ErrTimeout], or [ErrUnavailable] and the last failure
// if the request kept failing for a known reason. Without it the
// member's [Config.RequestTimeout] applies.
func Within(d time.Duration) Option { return func(c *callConfig) { c.within = d } }

// Ask sends the request req to the virtual actor to and suspends the
// fiber f (and only f: its actor keeps serving its mailbox) until the
// actor answers; it is [actor.Ask] for virtual actors, with the same
// typed requests, whose wire form is the protobuf message they embed
// (see [Accept]):
//
//	t, err := cluster.Ask(f, room, GetTopic{GetTopic: &chanpb.GetTopic{}}) // t is a *chanpb.Topic
//
// Ask fails with an error wrapping:
//   - [actor.ErrTimeout] past its bound ([Within], or the member's
//     [Config.RequestTimeout]);
//   - [ErrUnavailable] when no member can host the actor, or the
//     attempts kept failing for a known reason until the bound (the
//     error matches that reason too, such as [actor.ErrDeadTarget] for
//     a member whose connection failed: a member that stops answering
//     fails requests so, and one that left too, until the membership
//     says who owns the identity now);
//   - [actor.ErrDeadTarget] or [actor.ErrRestarted] if the activation
//     stopped or restarted holding the request, [actor.ErrDeadlock] for
//     a wait cycle on the responder's member, a [*RemoteError] for an
//     error the actor answered with [actor.Reply.Fail];
//   - [ErrShutdown] once m is shut down; f's cancellation error.
//
// A request whose activation went away before it answered (its member
// left, it passivated) is sent again to the identity's new activation:
// it may then be handled twice, as with protoactor's cluster requests.
//
// Ask is a suspension point: it must be called by f itself, and f must
// live in an actor.
func Ask[Q WireRequest[P, R], P any, R proto.Message](f *fiber.Fiber, to Ref[P], req Q, opts ...Option) (R, error) {
	reply, err := request(fiberWaiter{f, to.m.sys}, to, wire(req), opts)
	return decode[R](reply, err, to, req)
}

// Call is [Ask] for code outside actors: it blocks the calling goroutine
// until the actor answers, the request fails, or ctx is done (it then
// returns [context.Cause] of ctx). Call is safe for concurrent use.
func Call[Q WireRequest[P, R], P any, R proto.Message](ctx context.Context, to Ref[P], req Q, opts ...Option) (R, error) {
	reply, err := request(ctxWaiter{ctx, to.m.sys.Raw()}, to, wire(req), opts)
	return decode[R](reply, err, to, req)
}

// Tell sends msg, which must be a protobuf message, to the virtual actor
// to without waiting for an answer, from the fiber f: f suspends only if
// the activation must be looked up (the first message, or after a move).
// It returns an error if msg is not a protobuf message, if no member can
// host the actor within the member's request timeout ([ErrUnavailable]),
// or once the member is shut down; a message that reaches the member but
// not the actor (it passivated in between, its member died) is lost.
func Tell[M any](f *fiber.Fiber, to Ref[M], msg M) error {
	return tell(fiberWaiter{f, to.m.sys}, to, msg)
}

// Send is [Tell] for code outside actors: it blocks only while the
// activation is looked up, at most until ctx is done.
func (r Ref[M]) Send(ctx context.Context, msg M) error {
	return tell(ctxWaiter{ctx, r.m.sys.Raw()}, r, msg)
}

func tell[M any](w waiter, to Ref[M], msg M) error {
	pm, ok := any(msg).(proto.Message)
	if !ok {
		return fmt.Errorf("cluster: Tell to %v: %T is not a protobuf message", to, msg)
	}
	deadline := w.now().Add(to.m.timeout)
	pid, err := resolve(w, to, deadline)
	if err != nil {
		return fmt.Errorf("cluster: Tell %T to %v: %w", msg, to, err)
	}
	to.m.sys.Raw().Root.Send(pid, wire(pm))
	return nil
}

// wire returns the message to send for msg: the protobuf message a
// request embeds, or msg itself.
func wire(msg proto.Message) proto.Message { return msg.ProtoReflect().Interface() }

// waiter is what a request needs of its caller: a fiber's suspensions or
// a goroutine's blocking waits.
type waiter interface {
	now() time.Time
	request(pid *pa.PID, msg any, within time.Duration) (any, error)
	sleep(d time.Duration) error
}

type fiberWaiter struct {
	f   *fiber.Fiber
	sys *actor.System
}

func (w fiberWaiter) now() time.Time { return w.sys.Now() }

func (w fiberWaiter) request(pid *pa.PID, msg any, within time.Duration) (any, error) {
	return bridge.RequestRaw(w.f, pid, msg, nil, bridge.Within(within))
}

func (w fiberWaiter) sleep(d time.Duration) error { return w.f.Sleep(d) }

type ctxWaiter struct {
	ctx context.Context
	sys *pa.ActorSystem
}

func (w ctxWaiter) now() time.Time { return time.Now() }

// errWithin is the cause of a Call's wait that reached its bound.
var errWithin = fmt.Errorf("%w: request bound reached", actor.ErrTimeout)

func (w ctxWaiter) request(pid *pa.PID, msg any, within time.Duration) (any, error) {
	ctx, cancel := context.WithTimeoutCause(w.ctx, within, errWithin)
	defer cancel()
	return bridge.CallRaw(ctx, w.sys, pid, msg, nil)
}

func (w ctxWaiter) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-w.ctx.Done():
		return context.Cause(w.ctx)
	}
}

// Retry pacing: the first retry waits minBackoff, each next one twice as
// long, up to maxBackoff.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = 200 * time.Millisecond
)

// request sends msg to the activation of to and returns its raw reply,
// retrying while the activation it reached is gone, until the bound.
func request[M any](w waiter, to Ref[M], msg proto.Message, opts []Option) (any, error) {
	if to.m == nil {
		panic("cluster: request to a zero Ref")
	}
	cfg := callConfig{within: to.m.timeout}
	for _, o := range opts {
		o(&cfg)
	}
	deadline := w.now().Add(cfg.within)
	backoff := minBackoff
	for {
		pid, err := resolve(w, to, deadline)
		if err != nil {
			return nil, err
		}
		reply, err := w.request(pid, msg, deadline.Sub(w.now()))
		switch {
		case err == nil:
			return reply, nil
		case errors.Is(err, actor.ErrTimeout):
			return nil, fmt.Errorf("%w: no reply within %v", actor.ErrTimeout, cfg.within)
		case !errors.Is(err, actor.ErrDeadTarget):
			return nil, err // the caller's cancellation
		}
		// The activation is gone (passivated, moved, its member left or
		// died): look the identity up again.
		to.m.c.PidCache.RemoveByValue(to.ci.Identity, to.ci.Kind, pid)
		if err := pause(w, to, deadline, &backoff, err); err != nil {
			return nil, err
		}
	}
}

// pause waits before the next attempt after the failure last; it returns
// the request's error if the bound does not leave room for one.
func pause[M any](w waiter, to Ref[M], deadline time.Time, backoff *time.Duration, last error) error {
	if to.m.closing.Load() {
		return ErrShutdown
	}
	if w.now().Add(*backoff).After(deadline) {
		return fmt.Errorf("%w: %v: %w", ErrUnavailable, to, last)
	}
	if err := w.sleep(*backoff); err != nil {
		return err
	}
	*backoff = min(2**backoff, maxBackoff)
	return nil
}

// resolve returns the PID of to's activation: from the member's cache, or
// from the identity's owner, which activates it if need be.
func resolve[M any](w waiter, to Ref[M], deadline time.Time) (*pa.PID, error) {
	m := to.m
	backoff := minBackoff
	for {
		if m.closing.Load() {
			return nil, ErrShutdown
		}
		if pid, ok := m.c.PidCache.Get(to.ci.Identity, to.ci.Kind); ok {
			if !m.unreachable(pid.Address) {
				return pid, nil
			}
			m.c.PidCache.RemoveByValue(to.ci.Identity, to.ci.Kind, pid)
		}
		owner := m.owner(to.ci)
		var err error
		switch {
		case owner == "":
			err = fmt.Errorf("no member hosts kind %q", to.ci.Kind)
		case m.unreachable(owner):
			err = fmt.Errorf("%w: member %s is unreachable (its connection failed)", actor.ErrDeadTarget, owner)
		default:
			activator := pa.NewPID(owner, disthash.PartitionActivatorActorName)
			var reply any
			reply, err = w.request(activator, &clustering.ActivationRequest{ClusterIdentity: to.ci}, deadline.Sub(w.now()))
			if err == nil {
				if r, ok := reply.(*clustering.ActivationResponse); ok && r.GetPid() != nil {
					m.c.PidCache.Set(to.ci.Identity, to.ci.Kind, r.GetPid())
					return r.GetPid(), nil
				}
				err = fmt.Errorf("member %s did not activate it (%T)", owner, reply)
			} else if errors.Is(err, actor.ErrTimeout) {
				return nil, fmt.Errorf("%w: %w: %v: member %s did not answer the lookup", ErrUnavailable, actor.ErrTimeout, to, owner)
			} else if !errors.Is(err, actor.ErrDeadTarget) {
				return nil, err
			}
		}
		if err := pause(w, to, deadline, &backoff, err); err != nil {
			return nil, err
		}
	}
}

// decode turns the raw reply of a request into an R or an error naming
// the request and its target.
func decode[R any, Q any, M any](reply any, err error, to Ref[M], req Q) (R, error) {
	var zero R
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return zero, err
		}
		return zero, fmt.Errorf("cluster: %T to %v: %w", req, to, err)
	}
	switch r := reply.(type) {
	case R:
		return r, nil
	case *clusterpb.Failure:
		return zero, fmt.Errorf("cluster: %T to %v: %w", req, to, errorOf(r))
	}
	return zero, fmt.Errorf("cluster: %T to %v: %w: got %T, want %v", req, to, actor.ErrUnexpectedReply, reply, reflect.TypeFor[R]())
}
