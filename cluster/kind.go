package cluster

import (
	"fmt"
	"reflect"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	clustering "github.com/asynkron/protoactor-go/cluster"
	"google.golang.org/protobuf/proto"

	"github.com/weft-go/weft/actor"
)

// Kind describes a kind of virtual actor of protocol M: its name, shared
// by every member of the cluster, the behavior each activation runs, and
// the request types it accepts from other members ([Accept]). A member
// hosts the kinds listed in its [Config]; a member that does not host a
// kind can still address its actors ([Get]) with the same Kind value.
//
// Every message of M that crosses members must be a protobuf message
// registered in the receiving process (generated code registers itself):
// a protocol is usually an interface implemented by generated message
// types, with a marker method declared in their package, or
// [proto.Message] itself.
//
// Configure a Kind (NewKind, Accept) before any member joins with it; then
// it is read-only and may be shared by several members of one process.
type Kind[M any] struct {
	name     string
	produce  func() actor.Behavior[M]
	idle     time.Duration
	spawn    []actor.SpawnOption
	requests map[reflect.Type]inbound // by the wire message's type
}

// inbound turns a request that came over the wire into the request value
// its actor receives, bound to answer if the asker waits (bound).
type inbound func(msg proto.Message, answer func(proto.Message, error), bound bool) any

// KindOption configures a [Kind].
type KindOption func(*kindConfig)

type kindConfig struct {
	idle  time.Duration
	spawn []actor.SpawnOption
}

// PassivateAfter makes an activation stop after d without a message or
// fiber activity (a reply, a timer or a wake-up of one of its fibers counts
// as activity): its fibers are cancelled and its hooks run as for any
// stop, and the next message to its identity activates it again, on the
// member that owns the identity then. Idleness is all that counts: an
// activation that holds unanswered requests (a fiber waiting on a long
// timer, say) passivates all the same, and they fail with
// [actor.ErrDeadTarget]. Without it (or with d <= 0) an activation lives
// until its member leaves or it stops itself.
func PassivateAfter(d time.Duration) KindOption { return func(c *kindConfig) { c.idle = d } }

// WithSpawnOptions gives each activation these options of package actor
// (a mailbox, a supervisor for its children, EscalateFiberErrors).
func WithSpawnOptions(opts ...actor.SpawnOption) KindOption {
	return func(c *kindConfig) { c.spawn = append(c.spawn, opts...) }
}

// NewKind returns the kind name of virtual actors whose behavior produce
// returns, called once per activation (and per restart). The behavior
// learns its identity with [Identity]. It panics on an empty name.
func NewKind[M any](name string, produce func() actor.Behavior[M], opts ...KindOption) *Kind[M] {
	if name == "" {
		panic("cluster: NewKind with an empty name")
	}
	var c kindConfig
	for _, o := range opts {
		o(&c)
	}
	return &Kind[M]{name: name, produce: produce, idle: c.idle, spawn: c.spawn, requests: map[reflect.Type]inbound{}}
}

// Name returns the kind's name.
func (k *Kind[M]) Name() string { return k.name }

// Accept registers Q as a request type of the kind: a struct that embeds
// an [actor.Request] of protocol M with a protobuf reply type R, and a
// pointer to the generated protobuf message that is its wire form:
//
//	type GetTopic struct {
//		actor.Request[ChannelMsg, *chanpb.Topic]
//		*chanpb.GetTopic
//	}
//
//	cluster.Accept[GetTopic](channels)
//
// On the hosting member, a request that arrives as a *chanpb.GetTopic is
// handed to the activation as a GetTopic whose [actor.ReplyTo] answers
// the remote asker. It panics if Q does not embed exactly one protobuf
// message pointer, or if another request type of the kind has the same
// wire message.
func Accept[Q WireRequest[M, R], M any, R proto.Message](k *Kind[M]) {
	qt := reflect.TypeFor[Q]()
	field := -1
	pmType := reflect.TypeFor[proto.Message]()
	for i := range qt.NumField() {
		f := qt.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Pointer && f.Type.Implements(pmType) {
			if field >= 0 {
				panic(fmt.Sprintf("cluster: Accept[%v]: embeds two protobuf messages; its wire form must be one", qt))
			}
			field = i
		}
	}
	if field < 0 {
		panic(fmt.Sprintf("cluster: Accept[%v]: embeds no pointer to a protobuf message (its wire form)", qt))
	}
	wt := qt.Field(field).Type
	if _, dup := k.requests[wt]; dup {
		panic(fmt.Sprintf("cluster: Accept[%v]: kind %q already has a request type whose wire form is %v", qt, k.name, wt))
	}
	k.requests[wt] = func(msg proto.Message, answer func(proto.Message, error), bound bool) any {
		v := reflect.New(qt).Elem()
		v.Field(field).Set(reflect.ValueOf(msg))
		q := v.Interface().(Q)
		if !bound {
			return any(q)
		}
		return actor.BindReply(q, func(r R, err error) { answer(r, err) })
	}
}

// WireRequest is the constraint of request types that cross members: a
// request of protocol P (it embeds an [actor.Request] of P with reply R)
// that is a protobuf message through the generated message it embeds.
type WireRequest[P, R any] interface {
	actor.RequestOf[P, R]
	proto.Message
}

// build returns protoactor's kind for the member mb: Weft actor props
// with the middleware that decodes requests, passivates and tells mb of
// the activations it hosts.
func (k *Kind[M]) build(mb *Member) *clustering.Kind {
	p := actor.PropsOf(mb.sys, k.produce, k.spawn...)
	p = p.Configure(pa.WithReceiverMiddleware(func(next pa.ReceiverFunc) pa.ReceiverFunc { return k.middleware(mb, next) }))
	return clustering.NewKind(k.name, p)
}

// middleware runs in each activation's turns, before Weft's: it turns the
// wire form of a request into the request value, bound to its asker,
// passivates the activation when idle, and tracks it in mb.
func (k *Kind[M]) middleware(mb *Member, next pa.ReceiverFunc) pa.ReceiverFunc {
	return func(c pa.ReceiverContext, env *pa.MessageEnvelope) {
		switch m := env.Message.(type) {
		case *pa.Stopped:
			if ctx, ok := c.(pa.Context); ok {
				if ci := clustering.GetClusterIdentity(ctx); ci != nil {
					mb.untrack(ci, ctx.Self())
				}
			}
		case *pa.Started:
			if ctx, ok := c.(pa.Context); ok {
				if ci := clustering.GetClusterIdentity(ctx); ci != nil {
					mb.track(ci, ctx.Self())
				}
			}
			if k.idle > 0 {
				if ctx, ok := c.(pa.Context); ok {
					ctx.SetReceiveTimeout(k.idle)
				}
			}
		case *pa.ReceiveTimeout:
			if ctx, ok := c.(pa.Context); ok {
				ctx.Stop(ctx.Self())
			}
			return
		case proto.Message:
			if in := k.requests[reflect.TypeOf(m)]; in != nil {
				sender, sys := env.Sender, c.ActorSystem()
				answer := func(r proto.Message, err error) {
					if err != nil {
						sys.Root.Send(sender, failureOf(err))
						return
					}
					sys.Root.Send(sender, r)
				}
				next(c, &pa.MessageEnvelope{Header: env.Header, Message: in(m, answer, sender != nil), Sender: sender})
				return
			}
		}
		next(c, env)
	}
}

// Identity returns the identity of the virtual actor self is, as given
// to [Get]; "" for an actor that is not a virtual actor. Call it from
// the actor's turns (its behavior, hooks or fibers).
func Identity[M any](self *actor.Self[M]) string {
	if ci := clustering.GetClusterIdentity(self.Raw()); ci != nil {
		return ci.Identity
	}
	return ""
}
