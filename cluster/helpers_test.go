package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/fiber"
)

// The test protocol: protobuf well-known wrappers as wire forms.

// Add adds its value to the counter and answers the new total.
type Add struct {
	actor.Request[proto.Message, *wrapperspb.Int64Value]
	*wrapperspb.Int64Value
}

// Where answers "member-address activation-number".
type Where struct {
	actor.Request[proto.Message, *wrapperspb.StringValue]
	*wrapperspb.StringValue
}

// Hang is never answered.
type Hang struct {
	actor.Request[proto.Message, *wrapperspb.BoolValue]
	*wrapperspb.BoolValue
}

// Quit stops the activation without answering.
type Quit struct {
	actor.Request[proto.Message, *wrapperspb.UInt32Value]
	*wrapperspb.UInt32Value
}

// Fail is answered with an application error.
type Fail struct {
	actor.Request[proto.Message, *wrapperspb.BytesValue]
	*wrapperspb.BytesValue
}

// Relay asks the counter named by its value for Add{1} from a fiber of
// the activation, and answers with that counter's total.
type Relay struct {
	actor.Request[proto.Message, *wrapperspb.Int64Value]
	*wrapperspb.UInt64Value
}

// activations numbers the activations of every test cluster.
var activations atomic.Int64

// counter is the test kind's behavior.
type counter struct {
	stopped chan<- string // gets "address id" when an activation stops
	member  *atomic.Pointer[cluster.Member]
	kind    *cluster.Kind[proto.Message]
	id      int64
	total   int64
}

func (c *counter) Started(self *actor.Self[proto.Message]) { c.id = activations.Add(1) }

func (c *counter) Stopping(self *actor.Self[proto.Message]) {
	select {
	case c.stopped <- fmt.Sprintf("%s %d", c.member.Load().Addr(), c.id):
	default:
	}
}

func (c *counter) Stopped(self *actor.Self[proto.Message]) {}

func (c *counter) Receive(self *actor.Self[proto.Message], msg proto.Message) {
	switch m := msg.(type) {
	case Add:
		c.total += m.GetValue()
		actor.ReplyTo(self, m).Send(wrapperspb.Int64(c.total))
	case Where:
		actor.ReplyTo(self, m).Send(wrapperspb.String(fmt.Sprintf("%s %d", c.member.Load().Addr(), c.id)))
	case Hang:
	case Quit:
		self.Stop()
	case Fail:
		actor.ReplyTo(self, m).Fail(errors.New("boom"))
	case Relay:
		reply := actor.ReplyTo(self, m)
		other := cluster.Get(c.member.Load(), c.kind, fmt.Sprint(m.GetValue()))
		self.Go("relay", func(f *fiber.Fiber) error {
			r, err := cluster.Ask(f, other, Add{Int64Value: wrapperspb.Int64(1)})
			if err != nil {
				return reply.Fail(err)
			}
			return reply.Send(r)
		})
	case *wrapperspb.Int32Value: // one-way
		c.total += int64(m.GetValue())
	}
}

// newKind returns the test kind for one member.
func newKind(member *atomic.Pointer[cluster.Member], stopped chan<- string, opts ...cluster.KindOption) *cluster.Kind[proto.Message] {
	var k *cluster.Kind[proto.Message]
	k = cluster.NewKind("counter", func() actor.Behavior[proto.Message] {
		return &counter{member: member, kind: k, stopped: stopped}
	}, opts...)
	cluster.Accept[Add](k)
	cluster.Accept[Where](k)
	cluster.Accept[Hang](k)
	cluster.Accept[Quit](k)
	cluster.Accept[Fail](k)
	cluster.Accept[Relay](k)
	return k
}

// freePorts returns n free TCP ports of the loopback interface.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

var clusterSeq atomic.Int64

// testCluster is n members of one cluster in this process, on loopback,
// with the automanaged provider.
type testCluster struct {
	members []*cluster.Member
	kind    *cluster.Kind[proto.Message] // the first member's, for Get
	stopped chan string                  // "address id" of each activation that stops
}

// startCluster joins n members (concurrently: each join takes about a
// second) and shuts them down, and their systems, at the end of the test.
func startCluster(t testing.TB, n int, opts ...cluster.KindOption) *testCluster {
	t.Helper()
	ports := freePorts(t, n)
	var peers []string
	for _, p := range ports {
		peers = append(peers, fmt.Sprintf("127.0.0.1:%d", p))
	}
	return joinMembers(t, fmt.Sprintf("test%d", clusterSeq.Add(1)), n, func(i int) cluster.Provider {
		return cluster.Automanaged(cluster.AutomanagedConfig{Port: ports[i], Peers: peers, Refresh: 100 * time.Millisecond})
	}, opts...)
}

// joinMembers joins n members of the cluster name, member i with the
// provider provider(i), concurrently, each on a system of its own, and
// shuts them down, and their systems, at the end of the test.
func joinMembers(t testing.TB, name string, n int, provider func(i int) cluster.Provider, opts ...cluster.KindOption) *testCluster {
	t.Helper()
	tc := &testCluster{members: make([]*cluster.Member, n), stopped: make(chan string, 1000)}
	kinds := make([]*cluster.Kind[proto.Message], n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		var ptr atomic.Pointer[cluster.Member]
		kinds[i] = newKind(&ptr, tc.stopped, opts...)
		sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := cluster.Join(sys, cluster.Config{
				Name:     name,
				Provider: provider(i),
				Kinds:    []cluster.HostedKind{kinds[i]},
			})
			if err != nil {
				errs[i] = err
				_ = sys.Shutdown(context.Background())
				return
			}
			ptr.Store(m)
			tc.members[i] = m
		}()
	}
	wg.Wait()
	tc.kind = kinds[0]
	t.Cleanup(func() { tc.shutdown(t) })
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Join() = %v", err)
		}
	}
	return tc
}

func (tc *testCluster) shutdown(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, m := range tc.members {
		if m != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := m.Shutdown(ctx); err != nil {
					t.Errorf("Member.Shutdown() = %v", err)
				}
			}()
		}
	}
	wg.Wait()
	for _, m := range tc.members {
		if m != nil {
			if err := m.System().Shutdown(ctx); err != nil {
				t.Errorf("System.Shutdown() = %v", err)
			}
		}
	}
}

// ref returns the counter id through member i.
func (tc *testCluster) ref(i int, id string) cluster.Ref[proto.Message] {
	return cluster.Get(tc.members[i], tc.kind, id)
}

// call makes a Call with a test bound.
func call[Q cluster.WireRequest[proto.Message, R], R proto.Message](t testing.TB, to cluster.Ref[proto.Message], req Q) (R, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return cluster.Call(ctx, to, req)
}
