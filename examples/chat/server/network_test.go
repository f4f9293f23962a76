//go:build !race

// The network tests start several nodes in one process; protoactor-go
// races inside itself then (see package cluster's documentation), so they
// run without the race detector only.

package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// TestNetworkChannel has clients of three nodes share a channel: JOIN,
// NAMES, PRIVMSG (with text that is not UTF-8), TOPIC, MODE, KICK, PART
// and QUIT reach every member, wherever its channel actor runs.
func TestNetworkChannel(t *testing.T) {
	nodes := startNetwork(t, 3)
	alice := nodes[0].registered(t, "alice")
	bob := nodes[1].registered(t, "bob")
	carol := nodes[2].registered(t, "carol")

	alice.join("#net")
	bob.join("#net")
	alice.expect("bob's JOIN", func(m irc.Message) bool { return m.Command == "JOIN" && strings.HasPrefix(m.Source, "bob!") })
	carol.send("JOIN #net")
	names := carol.expectNumeric(irc.RplNamReply, "=", "#net")
	if got := strings.Fields(names.Param(3)); strings.Join(got, " ") != "@alice bob carol" {
		t.Errorf("NAMES on the third node = %q; want @alice bob carol", got)
	}
	carol.expectNumeric(irc.RplEndOfNames, "#net")
	for _, c := range []*client{alice, bob} {
		c.expect("carol's JOIN", func(m irc.Message) bool { return m.Command == "JOIN" && strings.HasPrefix(m.Source, "carol!") })
	}

	text := "caf\xe9 \xff bytes"
	alice.send("PRIVMSG #net :" + text)
	for _, c := range []*client{bob, carol} {
		m := c.expectCmd("PRIVMSG", "#net")
		if m.Param(1) != text || !strings.HasPrefix(m.Source, "alice!") {
			t.Errorf("%s got %q from %s; want %q from alice", c.nick, m.Param(1), m.Source, text)
		}
	}

	alice.send("TOPIC #net :network topic")
	for _, c := range []*client{bob, carol} {
		c.expectCmd("TOPIC", "#net", "network topic")
	}
	bob.send("TOPIC #net :not an operator")
	bob.expectNumeric(irc.ErrChanOPrivsNeeded, "#net")
	carol.send("TOPIC #net")
	carol.expectNumeric(irc.RplTopic, "#net", "network topic")

	alice.send("MODE #net +v bob")
	for _, c := range []*client{alice, bob, carol} {
		c.expectCmd("MODE", "#net", "+v", "bob")
	}

	alice.send("KICK #net carol :out")
	for _, c := range []*client{alice, bob, carol} {
		c.expectCmd("KICK", "#net", "carol", "out")
	}
	carol.send("PRIVMSG #net :still here?")
	carol.expectNumeric(irc.ErrCannotSendToChan, "#net")

	bob.send("PART #net :bye")
	alice.expectCmd("PART", "#net", "bye")
	bob.expectCmd("PART", "#net", "bye")

	carol.join("#net")
	alice.expect("carol's JOIN", func(m irc.Message) bool { return m.Command == "JOIN" && strings.HasPrefix(m.Source, "carol!") })
	alice.send("QUIT :done")
	carol.expect("alice's QUIT", func(m irc.Message) bool {
		return m.Command == "QUIT" && strings.HasPrefix(m.Source, "alice!") && m.Param(0) == "Quit: done"
	})
}

// TestNetworkNicks checks that nicknames are unique in the network and
// that users of other nodes are found: private messages, WHOIS, ISON,
// and a nickname free again once its holder quits.
func TestNetworkNicks(t *testing.T) {
	nodes := startNetwork(t, 3)
	alice := nodes[0].registered(t, "alice")

	taken := dial(t, nodes[1].addr)
	taken.send("NICK Alice", "USER x 0 * :x")
	taken.expectNumeric(irc.ErrNicknameInUse, "Alice")

	bob := nodes[1].registered(t, "bob")
	bob.send("PRIVMSG alice :hi \xff")
	m := alice.expectCmd("PRIVMSG", "alice")
	if m.Param(1) != "hi \xff" || !strings.HasPrefix(m.Source, "bob!") {
		t.Errorf("alice got %q from %s; want \"hi \\xff\" from bob", m.Param(1), m.Source)
	}
	alice.send("NOTICE bob :hello back")
	bob.expectCmd("NOTICE", "bob", "hello back")

	carol := nodes[2].registered(t, "carol")
	alice.join("#where")
	// The channel's news reaches alice's node, which tells the network's
	// record of her nickname: ask until it has.
	for i := 0; ; i++ {
		carol.send("WHOIS alice")
		carol.expectNumeric(irc.RplWhoisUser, "alice", "alice")
		m := carol.expect("319 or 318", func(m irc.Message) bool {
			return m.Command == irc.RplWhoisChannels.Code() || m.Command == irc.RplEndOfWhois.Code()
		})
		if m.Command == irc.RplWhoisChannels.Code() {
			if m.Param(2) != "@#where" {
				t.Errorf("WHOIS alice from another node: 319 %q; want @#where", m.Param(2))
			}
			carol.expectNumeric(irc.RplEndOfWhois, "alice")
			break
		}
		if i == 100 {
			t.Fatal("WHOIS on another node never listed alice's channel")
		}
	}
	carol.send("ISON alice nobody bob")
	if got := carol.expectNumeric(irc.RplIsOn).Param(1); got != "alice bob" {
		t.Errorf("ISON = %q; want \"alice bob\"", got)
	}
	carol.send("PRIVMSG nobody :x")
	carol.expectNumeric(irc.ErrNoSuchNick, "nobody")
	carol.send("WHO *")
	var who []string
	for {
		m := carol.expect("WHO", func(m irc.Message) bool {
			return m.Command == irc.RplWhoReply.Code() || m.Command == irc.RplEndOfWho.Code()
		})
		if m.Command == irc.RplEndOfWho.Code() {
			break
		}
		who = append(who, m.Param(5)+"@"+m.Param(4)) // nick@server
	}
	slices.Sort(who)
	if got, want := strings.Join(who, " "), "alice@n0.test bob@n1.test carol@n2.test"; got != want {
		t.Errorf("WHO * = %s; want %s", got, want)
	}

	alice.send("QUIT")
	alice.expectClosed()
	// The release travels from alice's node to the nickname's actor:
	// claim until it has arrived.
	for i := 0; ; i++ {
		taken.send("NICK alice")
		m := taken.expect("NICK or 433", func(m irc.Message) bool {
			return m.Command == irc.ErrNicknameInUse.Code() || m.Command == irc.RplWelcome.Code()
		})
		if m.Command == irc.RplWelcome.Code() {
			break
		}
		if i == 100 {
			t.Fatal("alice's nickname was never released")
		}
	}
}

// TestNetworkList checks that LIST shows the channels of the network,
// with their members on every node.
func TestNetworkList(t *testing.T) {
	nodes := startNetwork(t, 2)
	alice := nodes[0].registered(t, "alice")
	bob := nodes[1].registered(t, "bob")
	alice.join("#one")
	bob.join("#one")
	bob.join("#two")
	alice.send("LIST")
	got := map[string]string{}
	for {
		m := alice.expect("LIST", func(m irc.Message) bool {
			return m.Command == irc.RplList.Code() || m.Command == irc.RplListEnd.Code()
		})
		if m.Command == irc.RplListEnd.Code() {
			break
		}
		got[m.Param(1)] = m.Param(2)
	}
	if got["#one"] != "2" || got["#two"] != "1" || len(got) != 2 {
		t.Errorf("LIST = %v; want #one with 2 users, #two with 1", got)
	}
}

// TestNetworkOperators: an operator of one node kills a user of another,
// and WALLOPS reaches +w users of every node; LUSERS counts the nodes.
func TestNetworkOperators(t *testing.T) {
	nodes := startNetworkWith(t, 2, server.Config{Opers: []server.Oper{{Name: "root", Password: "pw"}}})
	op := nodes[0].registered(t, "op")
	op.send("OPER root pw")
	op.expectNumeric(irc.RplYoureOper)
	watcher := nodes[1].registered(t, "watcher")
	watcher.send("MODE watcher +w")
	watcher.expectCmd("MODE", "watcher", "+w")
	victim := nodes[1].registered(t, "victim")

	op.send("LUSERS")
	if got := op.expectNumeric(irc.RplLuserClient).Param(1); !strings.HasSuffix(got, "on 2 servers") {
		t.Errorf("LUSERS 251 = %q; want … on 2 servers", got)
	}
	op.send("WALLOPS :hear ye")
	watcher.expectCmd("WALLOPS", "hear ye")

	op.send("KILL victim :spam")
	m := victim.expectCmd("KILL", "victim")
	if !strings.HasPrefix(m.Source, "op!") || m.Param(1) != "spam" {
		t.Errorf("victim got KILL from %s with %q; want from op with \"spam\"", m.Source, m.Param(1))
	}
	if last := victim.expectClosed(); !strings.Contains(last, "Killed (op (spam))") {
		t.Errorf("victim's last line = %q; want the Killed ERROR", last)
	}
	op.send("KILL nobody :x")
	op.expectNumeric(irc.ErrNoSuchNick, "nobody")
}
