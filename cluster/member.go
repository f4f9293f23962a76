package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	clustering "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/identitylookup/disthash"
	"github.com/asynkron/protoactor-go/eventstream"
	parem "github.com/asynkron/protoactor-go/remote"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/weft-go/weft/actor"
)

// Config configures a [Member].
type Config struct {
	// Name is the cluster's name: members of one cluster share it.
	// Required.
	Name string
	// Address is the host:port the member listens on for the other
	// members (protoactor remote, gRPC); port 0 picks a free port. The
	// default is 127.0.0.1:0.
	Address string
	// Provider finds the other members. Required.
	Provider Provider
	// Kinds lists the kinds of virtual actors this member hosts (values
	// of [NewKind]). A member may host none and still address the
	// others' virtual actors.
	Kinds []HostedKind
	// RequestTimeout bounds a request to a virtual actor that has no
	// bound of its own ([Within], a context deadline): lookups, retries
	// and the wait for the reply together. The default is 5 seconds.
	RequestTimeout time.Duration
	// HeartbeatExpiration is how long a member may stay silent on the
	// cluster's gossip before the others block it; protoactor's
	// default is 20 seconds.
	HeartbeatExpiration time.Duration
	// Joining, if set, is called with the member as soon as it exists,
	// before it starts to host activations: the other members may send
	// it requests, and so start activations here, before Join returns.
	// From then on the member may be used (Get, Ask, WatchMembers; its
	// Addr once Join returns or an activation runs). It runs on Join's
	// goroutine; if Join then fails, the member is shut down.
	Joining func(*Member)
}

// HostedKind is a kind a member hosts: a [*Kind] of any protocol.
type HostedKind interface {
	// Name returns the kind's name.
	Name() string
	build(m *Member) *clustering.Kind
}

// Member is one member (node) of a cluster: it hosts the activations of
// its kinds that the cluster places on it and sends the requests of its
// system's code to virtual actors wherever they are. Create one with
// [Join]; shut it down with [Member.Shutdown] before its system.
type Member struct {
	sys     *actor.System
	c       *clustering.Cluster
	timeout time.Duration

	closing atomic.Bool
	topo    *eventstream.Subscription

	mu      sync.Mutex // guards rdv (whose hasher is not safe for concurrent use), members and down
	rdv     *clustering.Rendezvous
	members []string               // the addresses of the members in the last topology
	down    map[string]time.Time   // members whose connection failed, and when
	watches map[*watch]bool        // see WatchMembers
	acts    map[activation]*pa.PID // the activations this member hosts

	once sync.Once
	done chan struct{} // closed when the shutdown is over
	err  error
}

// Join starts a member of the cluster cfg.Name for the actors of sys and
// returns once it has joined: about a second, which protoactor-go gives
// the membership to settle. It returns an error for an invalid cfg, an
// address that cannot be listened on, a provider that fails to start,
// and a system that already has a member (a system whose Join failed
// cannot join again: use a new one).
func Join(sys *actor.System, cfg Config) (_ *Member, err error) {
	if cfg.Name == "" {
		return nil, errors.New("cluster: Join: empty cluster name")
	}
	if cfg.Provider == nil {
		return nil, errors.New("cluster: Join: no provider")
	}
	if cfg.Address == "" {
		cfg.Address = "127.0.0.1:0"
	}
	host, portStr, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("cluster: address %q: %w", cfg.Address, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("cluster: address %q: %w", cfg.Address, err)
	}
	if hasCluster(sys.Raw()) {
		return nil, errors.New("cluster: Join: the system already has a member")
	}
	prov, err := cfg.Provider.provider()
	if err != nil {
		return nil, err
	}
	m := &Member{sys: sys, timeout: cfg.RequestTimeout, rdv: clustering.NewRendezvous(), down: map[string]time.Time{},
		acts: map[activation]*pa.PID{}, done: make(chan struct{})}
	var kinds []*clustering.Kind
	seen := map[string]bool{}
	for _, k := range cfg.Kinds {
		if seen[k.Name()] {
			return nil, fmt.Errorf("cluster: Join: kind %q listed twice", k.Name())
		}
		seen[k.Name()] = true
		kinds = append(kinds, k.build(m))
	}
	if m.timeout <= 0 {
		m.timeout = 5 * time.Second
	}
	opts := []clustering.ConfigOption{clustering.WithKinds(kinds...), clustering.WithRequestTimeout(m.timeout)}
	if cfg.HeartbeatExpiration > 0 {
		opts = append(opts, clustering.WithHeartbeatExpiration(cfg.HeartbeatExpiration))
	}
	rcfg := parem.Configure(host, port)
	// One connection attempt per endpoint: protoactor's endpoint writer
	// replaces its gRPC connection on each retry without closing the
	// failed one, which then redials for ever (a goroutine leak). A failed
	// attempt terminates the endpoint instead, which fails the requests
	// waiting on it at once (they retry, see Ask).
	rcfg.MaxRetryCount = 1
	ccfg := clustering.Configure(cfg.Name, prov, disthash.New(), rcfg, opts...)
	defer func() {
		if p := recover(); p != nil { // protoactor panics when it cannot start
			err = fmt.Errorf("cluster: starting member on %s: %v", cfg.Address, p)
			if m.c != nil {
				_ = m.teardown() // what started of it
			}
		}
	}()
	m.c = clustering.New(sys.Raw(), ccfg)
	m.topo = sys.Raw().EventStream.Subscribe(m.onEvent)
	if cfg.Joining != nil {
		cfg.Joining(m)
	}
	m.c.StartMember()
	return m, nil
}

// hasCluster reports whether protoactor's cluster extension is
// registered on sys.
func hasCluster(sys *pa.ActorSystem) (has bool) {
	defer func() {
		if recover() != nil {
			has = false
		}
	}()
	return clustering.GetCluster(sys) != nil
}

// onEvent keeps the member's view of who owns which identity, as
// protoactor's identity lookup does with its own, and of the members
// whose connection failed.
func (m *Member) onEvent(evt any) {
	switch e := evt.(type) {
	case *clustering.ClusterTopology:
		rdv := clustering.NewRendezvous()
		rdv.UpdateMembers(e.Members)
		addrs := make([]string, 0, len(e.Members))
		for _, mb := range e.Members {
			addrs = append(addrs, mb.Address())
		}
		slices.Sort(addrs)
		m.mu.Lock()
		m.rdv = rdv
		changed := !slices.Equal(m.members, addrs)
		m.members = addrs
		if changed {
			for w := range m.watches {
				w.notify(slices.Clone(addrs))
			}
			m.moveAway()
		}
		for addr := range m.down {
			if !slices.ContainsFunc(e.Members, func(mb *clustering.Member) bool { return mb.Address() == addr }) {
				delete(m.down, addr)
			}
		}
		m.mu.Unlock()
	case *parem.EndpointTerminatedEvent:
		m.mu.Lock()
		m.down[e.Address] = time.Now()
		m.mu.Unlock()
	case *parem.EndpointConnectedEvent:
		m.mu.Lock()
		delete(m.down, e.Address)
		m.mu.Unlock()
	}
}

// downFor is how long a member whose connection failed is taken for
// unreachable: requests to the identities it owns wait for the topology
// to change (or fail at their bound with ErrUnavailable) rather than
// dialling it again, which costs protoactor's endpoint writer a
// two-second pause per failed attempt.
const downFor = time.Second

// unreachable reports whether the connection to the member at addr failed
// less than downFor ago.
func (m *Member) unreachable(addr string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.down[addr]
	return ok && time.Since(t) < downFor
}

// owner returns the address of the member that hosts ci's activation;
// "" if no member hosts its kind.
func (m *Member) owner(ci *clustering.ClusterIdentity) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rdv.GetByClusterIdentity(ci)
}

// activation names an activation this member hosts.
type activation struct{ kind, identity string }

// track records an activation that started here, untrack one that
// stopped.
//
// An activation that starts for an identity this member's membership
// gives to another member (a request from a member whose view is behind)
// is stopped at once: the asker retries, and finds the owner once its
// view has caught up.
func (m *Member) track(ci *clustering.ClusterIdentity, pid *pa.PID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if owner := m.rdv.GetByClusterIdentity(ci); owner != "" && owner != m.sys.Raw().Address() {
		m.sys.Raw().Root.Stop(pid)
		return
	}
	m.acts[activation{ci.GetKind(), ci.GetIdentity()}] = pid
}

func (m *Member) untrack(ci *clustering.ClusterIdentity, pid *pa.PID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := activation{ci.GetKind(), ci.GetIdentity()}
	if cur := m.acts[a]; cur != nil && cur.Equal(pid) {
		delete(m.acts, a)
	}
}

// moveAway stops the activations of the identities that the membership,
// as it just changed, gives to another member (protoactor-go's identity
// lookup sends their next requests there, and would leave them running):
// their new owner activates them on their next request, so that an
// identity never has two activations. Called with mu held.
func (m *Member) moveAway() {
	self := m.sys.Raw().Address()
	for a, pid := range m.acts {
		owner := m.rdv.GetByClusterIdentity(clustering.NewClusterIdentity(a.identity, a.kind))
		if owner == "" || owner == self {
			continue
		}
		delete(m.acts, a)
		m.sys.Raw().Root.Stop(pid) // asynchronous: its hooks run in its turn
	}
}

// watch is one WatchMembers.
type watch struct{ notify func([]string) }

// WatchMembers sends the actor to the message msg(members) with the
// cluster's members as m sees them now, then each time the membership
// changes (a member joins, leaves, or is found dead): their addresses,
// sorted, as [Member.Members] returns them. msg runs on a goroutine of m's and must not block; the send is
// [actor.Ref.Send]'s. WatchMembers returns the function that ends the
// watch (safe to call more than once); a watch also ends when m shuts
// down.
func WatchMembers[M any](m *Member, to actor.Ref[M], msg func(members []string) M) (stop func()) {
	w := &watch{notify: func(addrs []string) { to.Send(msg(addrs)) }}
	m.mu.Lock()
	if m.watches == nil {
		m.watches = make(map[*watch]bool)
	}
	m.watches[w] = true
	w.notify(slices.Clone(m.members)) // under mu: before any change's
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		delete(m.watches, w)
		m.mu.Unlock()
	}
}

// Members returns the addresses (host:port) of the cluster's members as
// this member last learnt them from the membership, sorted; this
// member's own address is among them once it has joined. A member that
// died stays in the list until the provider notices (for [Automanaged],
// within about one refresh). Members is safe for concurrent use.
func (m *Member) Members() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.members)
}

// Addr returns the address other members reach this one at (host:port).
func (m *Member) Addr() string { return m.sys.Raw().Address() }

// System returns the member's actor system.
func (m *Member) System() *actor.System { return m.sys }

// Shutdown leaves the cluster: it tells the other members it leaves,
// stops the provider, stops every activation the member hosts (their
// fibers are cancelled and their hooks run; requests they held fail
// their askers with [actor.ErrDeadTarget], and the askers' retries find
// the identities' new owners), then stops the member's gossip and remote
// layer, and waits for all of it. Later requests of the member fail with
// [ErrShutdown]. Shut the member down before its system.
//
// The work runs on a goroutine owned by the member. If ctx is done first,
// Shutdown returns an error wrapping [context.Cause] of ctx while the work
// goes on; a later call waits for it again. Shutdown is safe to call more
// than once and concurrently: every call that waits to the end returns
// the same result.
func (m *Member) Shutdown(ctx context.Context) error {
	m.once.Do(func() {
		m.closing.Store(true)
		go m.stop()
	})
	select {
	case <-m.done:
		return m.err
	case <-ctx.Done():
		return fmt.Errorf("cluster: shutdown still in progress: %w", context.Cause(ctx))
	}
}

// stop is Shutdown's work.
func (m *Member) stop() {
	defer close(m.done)
	m.mu.Lock()
	clear(m.watches)
	m.mu.Unlock()
	m.err = m.teardown()
}

// teardown does what protoactor's Cluster.Shutdown does but for stopping
// the actor system (Weft's System.Shutdown does) and its fixed two-second
// sleep. Each step tolerates a member whose start failed before it.
func (m *Member) teardown() error {
	c := m.c
	var err error
	step(func() { c.Gossip.SetState(clustering.GracefullyLeftKey, &emptypb.Empty{}) })
	step(func() {
		if perr := c.Config.ClusterProvider.Shutdown(true); perr != nil {
			err = fmt.Errorf("cluster: stopping the provider: %w", perr)
		}
	})
	step(func() { c.IdentityLookup.Shutdown() }) // stops the placement actor, which stops the activations
	step(func() { c.Gossip.Shutdown() })
	raw := m.sys.Raw()
	if m.topo != nil {
		raw.EventStream.Unsubscribe(m.topo)
	}
	step(func() { _ = raw.Root.StopFuture(pa.NewPID(raw.Address(), clustering.PubSubDeliveryName)).Wait() })
	if c.Remote != nil {
		step(func() { stopRemote(c.Remote) })
	}
	return err
}

// step runs one step of teardown; a step that panics (on a part that
// never started) is skipped.
func step(fn func()) {
	defer func() { _ = recover() }()
	fn()
}

// stopRemote shuts protoactor's remote layer down and waits for it, as
// package remote's Node.Close does.
func stopRemote(r *parem.Remote) {
	defer func() {
		if recover() != nil {
			// protoactor's endpointManager.stop sends on the closed
			// disconnect channel of an endpoint reader whose stream failed
			// (the peer stopped first) and panics before it stops the
			// gRPC server; stop it now.
			r.Shutdown(false)
		}
	}()
	r.Shutdown(true)
}
