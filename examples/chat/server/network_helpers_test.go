package server_test

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

var networkSeq atomic.Int64

// freePorts returns n TCP ports free on loopback a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// healthPeers returns the health endpoints of the automanaged provider
// on these ports of loopback.
func healthPeers(ports []int) []string {
	var peers []string
	for _, p := range ports {
		peers = append(peers, fmt.Sprintf("127.0.0.1:%d", p))
	}
	return peers
}

// startNetwork starts n servers that form one network, on loopback with
// the automanaged provider, and waits until each sees all of them.
func startNetwork(t testing.TB, n int) []*testServer {
	t.Helper()
	return startNetworkWith(t, n, server.Config{})
}

// startNetworkWith is startNetwork with cfg for every node (but its Name
// and Cluster).
func startNetworkWith(t testing.TB, n int, cfg server.Config) []*testServer {
	t.Helper()
	ports := freePorts(t, n)
	peers := healthPeers(ports)
	name := fmt.Sprintf("chat-test-%d", networkSeq.Add(1))
	nodes := make([]*testServer, n)
	var wg sync.WaitGroup
	for i := range n {
		cfg.Name = fmt.Sprintf("n%d.test", i)
		cfg.Cluster = server.Cluster{
			Name: name,
			// Its polling goroutine ends within Refresh after Shutdown.
			Provider: cluster.Automanaged(cluster.AutomanagedConfig{Port: ports[i], Peers: peers, Refresh: 100 * time.Millisecond}),
		}
		nodes[i] = startServer(t, cfg)
	}
	// Serve joins the cluster before it accepts: a registered client on
	// each node says its node has joined.
	for i, s := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, s.addr)
			c.register(fmt.Sprintf("probe%d", i))
			c.send("QUIT")
			c.expectClosed()
		}()
	}
	wg.Wait()
	return nodes
}

// TestNetworkOneNode runs a network of one node: every channel and
// nickname request goes through the cluster's virtual actors and their
// wire forms as in a network of several, in one member, which the race
// detector can watch (several members in one process race inside
// protoactor-go, so the tests of several nodes run without it).
func TestNetworkOneNode(t *testing.T) {
	nodes := startNetwork(t, 1)
	alice := nodes[0].registered(t, "alice")
	bob := nodes[0].registered(t, "bob")
	taken := dial(t, nodes[0].addr)
	taken.send("NICK ALICE", "USER x 0 * :x")
	taken.expectNumeric(irc.ErrNicknameInUse, "ALICE")
	alice.join("#one")
	bob.join("#one")
	alice.send("PRIVMSG #one :caf\xe9", "TOPIC #one :t", "MODE #one +v bob", "NAMES #one", "WHOIS bob", "WHO *", "LIST")
	bob.expectCmd("PRIVMSG", "#one", "caf\xe9")
	bob.expectCmd("TOPIC", "#one", "t")
	bob.expectCmd("MODE", "#one", "+v", "bob")
	if names := alice.expectNumeric(irc.RplNamReply, "=", "#one").Param(3); names != "@alice +bob" {
		t.Errorf("NAMES #one = %q; want @alice +bob", names)
	}
	alice.expectNumeric(irc.RplWhoisUser, "bob")
	alice.expectNumeric(irc.RplEndOfWho, "*")
	alice.expectNumeric(irc.RplList, "#one", "2")
	alice.send("KICK #one bob :out")
	bob.expectCmd("KICK", "#one", "bob", "out")
	bob.send("PRIVMSG alice :still here")
	alice.expectCmd("PRIVMSG", "alice", "still here")
	bob.send("QUIT :bye")
	bob.expectClosed()
	alice.send("PART #one")
	alice.expectCmd("PART", "#one")
}
