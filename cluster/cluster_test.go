//go:build !race

// protoactor-go's remote layer races inside itself when several remotes
// run in one process (see package remote's tests), so the tests of
// clusters in one process run only without the race detector.

package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/fiber"
)

func where(t *testing.T, tc *testCluster, i int, id string) string {
	t.Helper()
	r, err := call(t, tc.ref(i, id), Where{StringValue: wrapperspb.String("")})
	if err != nil {
		t.Fatalf("Call(Where) of %s through member %d = %v", id, i, err)
	}
	return r.GetValue()
}

// TestActivation: a virtual actor is activated on demand by its first
// request, and every member reaches the same activation of an identity;
// identities spread over the members.
func TestActivation(t *testing.T) {
	tc := startCluster(t, 3)
	for i := range 3 {
		r, err := call(t, tc.ref(i, "a"), Add{Int64Value: wrapperspb.Int64(1)})
		if err != nil || r.GetValue() != int64(i+1) {
			t.Fatalf("Call(Add 1) through member %d = %v, %v; want %d, nil", i, r, err, i+1)
		}
	}
	first := where(t, tc, 0, "a")
	for i := 1; i < 3; i++ {
		if got := where(t, tc, i, "a"); got != first {
			t.Errorf("Where through member %d = %q; want %q (one activation)", i, got, first)
		}
	}
	hosts := map[string]bool{}
	for n := range 24 {
		hosts[strings.Fields(where(t, tc, n%3, fmt.Sprint("id", n)))[0]] = true
	}
	if len(hosts) < 2 {
		t.Errorf("24 identities were all placed on %v; want them spread over the members", hosts)
	}
	// A one-way message reaches the same activation.
	if err := tc.ref(1, "a").Send(context.Background(), wrapperspb.Int32(10)); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	if r, err := call(t, tc.ref(1, "a"), Add{Int64Value: wrapperspb.Int64(0)}); err != nil || r.GetValue() != 13 {
		t.Errorf("Call(Add 0) after Send(10) = %v, %v; want 13", r, err)
	}
	// Bad input: a message that is not a protobuf message, a second
	// member for one system.
	locals := cluster.NewKind("local", func() actor.Behavior[localMsg] { return nil })
	if err := cluster.Get(tc.members[0], locals, "x").Send(context.Background(), startAsk{}); err == nil || !strings.Contains(err.Error(), "not a protobuf message") {
		t.Errorf("Send(startAsk{}) = %v; want a not-a-protobuf-message error", err)
	}
	if m, err := cluster.Join(tc.members[0].System(), cluster.Config{Name: "again", Provider: cluster.Automanaged(cluster.AutomanagedConfig{Port: 1, Peers: []string{"127.0.0.1:1"}})}); err == nil || !strings.Contains(err.Error(), "already has a member") {
		if m != nil {
			_ = m.Shutdown(context.Background())
		}
		t.Errorf("second Join() for one system = %v; want an already-has-a-member error", err)
	}
}

// TestAskFromFiber: a fiber inside a virtual actor asks another virtual
// actor (on whatever member) and answers its own asker with the reply.
func TestAskFromFiber(t *testing.T) {
	tc := startCluster(t, 3)
	for n := range 6 {
		r, err := call(t, tc.ref(n%3, fmt.Sprint("from", n)), Relay{UInt64Value: wrapperspb.UInt64(uint64(n))})
		if err != nil || r.GetValue() != 1 {
			t.Fatalf("Call(Relay) = %v, %v; want 1, nil", r, err)
		}
	}
}

// TestErrors: the typed failures of requests.
func TestErrors(t *testing.T) {
	tc := startCluster(t, 3)
	start := time.Now()
	ctx := context.Background()
	_, err := cluster.Call(ctx, tc.ref(0, "h"), Hang{BoolValue: wrapperspb.Bool(true)}, cluster.Within(300*time.Millisecond))
	if !errors.Is(err, actor.ErrTimeout) {
		t.Errorf("Call(Hang, Within 300ms) = %v; want ErrTimeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Call(Hang, Within 300ms) took %v", d)
	}
	if _, err := call(t, tc.ref(1, "q"), Quit{UInt32Value: wrapperspb.UInt32(0)}); !errors.Is(err, actor.ErrDeadTarget) {
		t.Errorf("Call(Quit) = %v; want ErrDeadTarget", err)
	}
	var re *cluster.RemoteError
	if _, err := call(t, tc.ref(2, "f"), Fail{BytesValue: wrapperspb.Bytes(nil)}); !errors.As(err, &re) || re.Message != "boom" {
		t.Errorf("Call(Fail) = %v; want a RemoteError \"boom\"", err)
	}
	// A kind no member hosts.
	nobody := cluster.NewKind("nobody", func() actor.Behavior[proto.Message] { return nil })
	cluster.Accept[Add](nobody)
	_, err = cluster.Call(ctx, cluster.Get(tc.members[0], nobody, "x"), Add{Int64Value: wrapperspb.Int64(1)}, cluster.Within(200*time.Millisecond))
	if !errors.Is(err, cluster.ErrUnavailable) {
		t.Errorf("Call to a kind no member hosts = %v; want ErrUnavailable", err)
	}
	// The caller's own context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := cluster.Call(cctx, tc.ref(0, "a"), Add{Int64Value: wrapperspb.Int64(1)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Call with a cancelled context = %v; want context.Canceled", err)
	}
}

// TestMemberLeaves: when the member hosting an activation leaves, the
// next request to the identity activates it on another member.
func TestMemberLeaves(t *testing.T) {
	tc := startCluster(t, 3)
	before := strings.Fields(where(t, tc, 0, "m"))[0]
	host, caller := -1, -1
	for i, m := range tc.members {
		if m.Addr() == before {
			host = i
		} else if caller < 0 {
			caller = i
		}
	}
	if host < 0 {
		t.Fatalf("no member has address %s", before)
	}
	ctx := context.Background()
	if err := tc.members[host].Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	if err := tc.members[host].Shutdown(ctx); err != nil { // twice
		t.Fatalf("second Shutdown() = %v", err)
	}
	start := time.Now()
	after := strings.Fields(where(t, tc, caller, "m"))[0]
	if after == before {
		t.Errorf("after its member left, %q is still on %s", "m", before)
	}
	t.Logf("moved from %s to %s in %v", before, after, time.Since(start))
	if _, err := call(t, cluster.Get(tc.members[host], tc.kind, "m"), Where{StringValue: wrapperspb.String("")}); !errors.Is(err, cluster.ErrShutdown) {
		t.Errorf("Call through a member that left = %v; want ErrShutdown", err)
	}
}

// TestPassivation: an idle activation stops after the kind's idle time;
// the next request activates the identity again.
func TestPassivation(t *testing.T) {
	tc := startCluster(t, 2, cluster.PassivateAfter(150*time.Millisecond))
	first := where(t, tc, 0, "p")
	timeout := time.After(10 * time.Second)
	for stopped := ""; stopped != first; {
		select {
		case stopped = <-tc.stopped:
		case <-timeout:
			t.Fatalf("activation %q did not passivate within 10 s", first)
		}
	}
	if again := where(t, tc, 1, "p"); again == first {
		t.Errorf("after passivation, Where = %q again; want a new activation", again)
	}
}

// Local protocol of TestAskSuspendsOnlyFiber.
type (
	localMsg interface{ isLocal() }
	startAsk struct{}
	ping     struct {
		actor.Request[localMsg, string]
	}
)

func (startAsk) isLocal() {}
func (ping) isLocal()     {}

// TestAskSuspendsOnlyFiber: while a fiber of a local actor waits on a
// cluster.Ask that is never answered, the actor answers other requests;
// stopping the actor cancels the fiber's Ask.
func TestAskSuspendsOnlyFiber(t *testing.T) {
	tc := startCluster(t, 2)
	sys := tc.members[0].System()
	hang := tc.ref(0, "hang")
	waiting, result := make(chan struct{}), make(chan error, 1)
	local, err := actor.Spawn(sys, "asker", func() actor.Behavior[localMsg] {
		return actor.BehaviorFunc[localMsg](func(self *actor.Self[localMsg], m localMsg) {
			switch m := m.(type) {
			case startAsk:
				self.Go("ask", func(f *fiber.Fiber) error {
					close(waiting)
					_, err := cluster.Ask(f, hang, Hang{BoolValue: wrapperspb.Bool(true)}, cluster.Within(time.Minute))
					result <- err
					return nil
				})
			case ping:
				actor.ReplyTo(self, m).Send("pong")
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	local.Send(startAsk{})
	<-waiting
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if r, err := actor.Call(ctx, local, ping{}); err != nil || r != "pong" {
		t.Fatalf("Call(ping) while a fiber waits on cluster.Ask = %q, %v; want pong", r, err)
	}
	select {
	case err := <-result:
		t.Fatalf("cluster.Ask of Hang returned %v before the actor stopped", err)
	default:
	}
	if err := local.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-result; !errors.Is(err, actor.ErrStopped) {
		t.Errorf("cluster.Ask when its actor stopped = %v; want ErrStopped", err)
	}
}

// TestMemberStopsAnswering: a member whose network went away (it did not
// leave, and its provider still lists it) fails the requests to the
// activations it hosts, through the other members, with ErrUnavailable
// (its connection failed) within their bound.
func TestMemberStopsAnswering(t *testing.T) {
	tc := startCluster(t, 3)
	before := strings.Fields(where(t, tc, 0, "z"))[0]
	host, caller := -1, -1
	for i, m := range tc.members {
		if m.Addr() == before {
			host = i
		} else if caller < 0 {
			caller = i
		}
	}
	cluster.KillRemote(tc.members[host])
	start := time.Now()
	_, err := cluster.Call(context.Background(), tc.ref(caller, "z"), Where{StringValue: wrapperspb.String("")}, cluster.Within(time.Second))
	elapsed := time.Since(start)
	// Its connection failed: a known failure, not a timeout.
	if !errors.Is(err, cluster.ErrUnavailable) || !errors.Is(err, actor.ErrDeadTarget) {
		t.Errorf("Call to an activation of a member that stopped answering = %v; want ErrUnavailable and ErrDeadTarget", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("the failure took %v; want about the 1 s bound", elapsed)
	}
	t.Logf("failed after %v with: %v", elapsed, err)
}

// TestWatchMembers: a watch gets the membership after a member leaves,
// without it, and no more messages once stopped.
func TestWatchMembers(t *testing.T) {
	tc := startCluster(t, 3)
	got := make(chan []string, 16)
	sys := tc.members[0].System()
	ref, err := actor.Spawn(sys, "watcher", func() actor.Behavior[[]string] {
		return actor.BehaviorFunc[[]string](func(_ *actor.Self[[]string], addrs []string) { got <- addrs })
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 3; len(tc.members[0].Members()) != want {
		t.Fatalf("Members() = %v; want %d members", tc.members[0].Members(), want)
	}
	stop := cluster.WatchMembers(tc.members[0], ref, func(addrs []string) []string { return addrs })
	if first := <-got; len(first) != 3 {
		t.Errorf("first message = %v; want the three members", first)
	}
	gone := tc.members[2].Addr()
	if err := tc.members[2].Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	bound := time.After(20 * time.Second)
	for left := false; !left; {
		select {
		case addrs := <-got:
			if left = !slices.Contains(addrs, gone); left && (len(addrs) != 2 || !slices.IsSorted(addrs)) {
				t.Errorf("members after one left = %v; want the two others, sorted", addrs)
			}
		case <-bound:
			t.Fatalf("no membership without %s", gone)
		}
	}
	if m := tc.members[0].Members(); slices.Contains(m, gone) {
		t.Errorf("Members() = %v still lists %s", m, gone)
	}
	stop()
	stop() // twice
}

// TestMemberJoins: when a member joins, the identities the membership
// now gives it move there: the activations elsewhere stop, and every
// member reaches the one new activation of each.
func TestMemberJoins(t *testing.T) {
	ports := freePorts(t, 3)
	var peers []string
	for _, p := range ports {
		peers = append(peers, fmt.Sprintf("127.0.0.1:%d", p))
	}
	name := fmt.Sprintf("test%d", clusterSeq.Add(1))
	provider := func(port int) cluster.Provider {
		return cluster.Automanaged(cluster.AutomanagedConfig{Port: port, Peers: peers, Refresh: 100 * time.Millisecond})
	}
	tc := joinMembers(t, name, 2, func(i int) cluster.Provider { return provider(ports[i]) })
	const ids = 24
	for i := range ids {
		if _, err := call(t, tc.ref(0, fmt.Sprint(i)), Add{Int64Value: wrapperspb.Int64(1)}); err != nil {
			t.Fatal(err)
		}
	}
	// Watch both members' view until each sees the newcomer.
	views := make(chan []string, 64)
	for _, m := range tc.members {
		w, err := actor.Spawn(m.System(), "view", func() actor.Behavior[[]string] {
			return actor.BehaviorFunc[[]string](func(_ *actor.Self[[]string], addrs []string) { views <- addrs })
		})
		if err != nil {
			t.Fatal(err)
		}
		defer cluster.WatchMembers(m, w, func(addrs []string) []string { return addrs })()
	}
	late := joinMembers(t, name, 1, func(int) cluster.Provider { return provider(ports[2]) })
	bound := time.After(20 * time.Second)
	for seen := 0; seen < 2; {
		select {
		case v := <-views:
			if slices.Contains(v, late.members[0].Addr()) {
				seen++
			}
		case <-bound:
			t.Fatal("the members never saw the newcomer")
		}
	}
	moved := 0
	for i := range ids {
		id := fmt.Sprint(i)
		a, err := call(t, tc.ref(0, id), Add{Int64Value: wrapperspb.Int64(1)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := call(t, cluster.Get(late.members[0], late.kind, id), Add{Int64Value: wrapperspb.Int64(1)})
		if err != nil {
			t.Fatal(err)
		}
		if b.GetValue() != a.GetValue()+1 {
			t.Errorf("%s: totals %d through a member and %d through the newcomer; want one activation (consecutive totals)", id, a.GetValue(), b.GetValue())
		}
		if a.GetValue() == 1 {
			moved++ // a fresh activation: the identity moved
		}
	}
	if moved == 0 {
		t.Errorf("no identity of %d moved to the newcomer", ids)
	}
	// The activations of the moved identities stopped where they were.
	for stops := 0; stops < moved; {
		select {
		case s := <-tc.stopped:
			if strings.HasPrefix(s, late.members[0].Addr()+" ") {
				t.Errorf("an activation of the newcomer stopped: %s", s)
			}
			stops++
		case <-bound:
			t.Fatalf("%d of the %d moved identities' old activations stopped", stops, moved)
		}
	}
	t.Logf("%d of %d identities moved to the newcomer", moved, ids)
}
