//go:build !race

// Two nodes in one process: protoactor's remote code trips the race
// detector when two remotes start and stop in one process, so these tests
// do not run under -race.

package server_test

import (
	"testing"
	"time"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// nodeAddr waits until s listens for its peer and returns the address.
func nodeAddr(t *testing.T, s *testServer) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if a := s.NodeAddr(); a != "" {
			return a
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the node never listened for its peer")
	return ""
}

func TestTwoNodes(t *testing.T) {
	a := startServer(t, server.Config{Name: "a.test", NodeAddr: "127.0.0.1:0"})
	b := startServer(t, server.Config{Name: "b.test", NodeAddr: "127.0.0.1:0", Peer: nodeAddr(t, a)})
	nodeAddr(t, b)

	alice := a.registered(t, "alice")
	bob := b.registered(t, "bob")
	alice.join("#weft")
	bob.join("#weft")

	// bob's JOIN crosses to a (after b's Hello, which taught a its peer).
	alice.expect("bob's JOIN from b", func(m irc.Message) bool {
		return m.Command == "JOIN" && m.Source == "bob!bob@127.0.0.1" && m.Param(0) == "#weft"
	})

	alice.send("PRIVMSG #weft :hello from a")
	bob.expect("alice's PRIVMSG from a", func(m irc.Message) bool {
		return m.Command == "PRIVMSG" && m.Source == "alice!alice@127.0.0.1" && m.Param(0) == "#weft" && m.Param(1) == "hello from a"
	})
	bob.send("NOTICE #weft :hello from b")
	alice.expect("bob's NOTICE from b", func(m irc.Message) bool {
		return m.Command == "NOTICE" && m.Source == "bob!bob@127.0.0.1" && m.Param(1) == "hello from b"
	})

	bob.send("PART #weft :bye")
	alice.expect("bob's PART from b", func(m irc.Message) bool {
		return m.Command == "PART" && m.Source == "bob!bob@127.0.0.1" && m.Param(1) == "bye"
	})
	// A channel with no local members ignores the peer's events.
	alice.send("PRIVMSG #weft :nobody there")
	alice.sync()
	bob.sync()
}

func TestNodeAddrInUse(t *testing.T) {
	a := startServer(t, server.Config{Name: "a.test", NodeAddr: "127.0.0.1:0"})
	addr := nodeAddr(t, a)
	srv := server.New(server.Config{Addr: "127.0.0.1:0", NodeAddr: addr})
	if err := srv.ListenAndServe(t.Context()); err == nil {
		t.Fatal("ListenAndServe with a busy node address = nil; want an error")
	}
}
