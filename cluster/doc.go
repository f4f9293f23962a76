// Package cluster runs Weft actors as virtual actors on protoactor-go's
// cluster: actors addressed by a kind and an identity rather than by a
// PID, activated on demand on the member (node) that owns the identity,
// passivated when idle, and activated again elsewhere when their member
// leaves.
//
// A kind is a protocol M and a behavior, as for a local actor; requests
// that cross members are the typed requests of package actor, whose wire
// form is the protobuf message they embed:
//
//	type GetTopic struct {
//		actor.Request[RoomMsg, *roompb.Topic] // answered with a *roompb.Topic
//		*roompb.GetTopic                      // its wire form
//	}
//
//	rooms := cluster.NewKind("room", newRoom, cluster.PassivateAfter(10*time.Minute))
//	cluster.Accept[GetTopic](rooms)
//
//	m, err := cluster.Join(sys, cluster.Config{Name: "chat", Provider: p, Kinds: []cluster.HostedKind{rooms}})
//	defer m.Shutdown(ctx) // before sys.Shutdown
//
//	room := cluster.Get(m, rooms, "#weft")
//	t, err := cluster.Ask(f, room, GetTopic{GetTopic: &roompb.GetTopic{}}) // from a fiber
//	t, err := cluster.Call(ctx, room, GetTopic{GetTopic: &roompb.GetTopic{}}) // from outside actors
//
// The behavior is a plain [actor.Behavior]: its fibers run inside the
// activation's turns with the rules of package actor, it answers with
// [actor.ReplyTo], and it learns its identity with [Identity]. [Ask]
// suspends only the asking fiber, with the turn rules of [actor.Ask].
//
// # Membership
//
// Members find each other through a [Provider]: [Automanaged] needs no
// external service (each member polls the others' health endpoints, listed
// in advance: three members on loopback in one process, or three
// processes), [Etcd] keeps the member list in an etcd cluster. Identities
// are placed on members by rendezvous hashing over the members that host
// their kind (protoactor-go's disthash identity lookup); activations move
// when the membership changes: a member stops its activations of the
// identities the new membership gives to another member (their hooks run
// as for any stop), and the next request activates them at their new
// owner, so that an identity never has two activations.
// What an activation holds in memory does not move with it: a behavior
// that must keep state across moves hands it over in its Stopping hook,
// or keeps it elsewhere. [WatchMembers] tells an actor of each change.
//
// # Failures
//
// Requests fail with typed errors, never with a silent timeout when the
// failure is known: [ErrUnavailable] (no member can host the actor, or
// the attempts kept failing until the bound, wrapping the last failure),
// [actor.ErrTimeout] (the bound passed with no answer), [actor.ErrDeadTarget]
// and [actor.ErrRestarted] (the activation stopped or restarted holding
// the request), [actor.ErrDeadlock] (a wait cycle on the responder's
// member), [*RemoteError] (the actor's own [actor.Reply.Fail]) and
// [ErrShutdown]. A request whose activation vanished before answering
// (passivated, moved, its member left or its connection broke) is sent
// again to the identity's next activation, within the request's bound:
// delivery is at least once, as with protoactor-go's cluster requests.
// Deadlock detection works within a member; a wait cycle across members
// ends at the requests' bounds. One-way messages ([Tell], [Ref.Send]) are
// at most once.
//
// # Shutdown and goroutines
//
// [Member.Shutdown] stops what the member started: its activations, its
// gossip, its provider and its remote layer, and waits. Two kinds of
// goroutines of protoactor-go outlive it, bounded and with no handle to
// stop them: the gossip's log throttles (60 seconds after the member's
// last gossip) and the automanaged provider's polling loop (one refresh
// interval plus one poll). Tests that check for leaked goroutines ignore
// the first (see this package's TestMain) and wait out the second.
//
// # Race detector
//
// protoactor-go races inside itself when several members run in one
// process: every remote sets gRPC's global logger, its endpoint manager
// and block list are read and written from several goroutines, its gossip
// shares a math/rand source. The race detector reports those (and no
// access of Weft's), so this package's tests of clusters in one process
// run only without it, as package remote's do; under -race they would
// take about twice as long, which is not the reason.
//
// # Timing
//
// Join takes about a second (protoactor-go's member start sleeps one).
// Shutdown takes milliseconds, except that a member whose remote layer
// is still connecting to a peer that went away waits out protoactor-go's
// two-second pause after a failed connection.
package cluster
