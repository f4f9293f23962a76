package server_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// capClient registers nick with the capabilities caps (CAP LS 302, REQ,
// END) and waits for the end of registration.
func (s *testServer) capClient(t *testing.T, nick string, caps ...string) *client {
	t.Helper()
	c := dial(t, s.addr)
	c.send("CAP LS 302", "NICK "+nick, "USER "+nick+" 0 * :The "+nick)
	c.expectCmd("CAP", "*", "LS")
	if len(caps) > 0 {
		c.send("CAP REQ :" + strings.Join(caps, " "))
		c.expectCmd("CAP", nick, "ACK", strings.Join(caps, " "))
	}
	c.send("CAP END")
	c.nick = nick
	c.expect("end of registration", func(m irc.Message) bool {
		return m.Command == irc.RplEndOfMotd.Code() || m.Command == irc.ErrNoMotd.Code()
	})
	return c
}

func TestCapCommands(t *testing.T) {
	s := startServer(t, server.Config{})
	c := dial(t, s.addr)
	c.send("CAP LS 302")
	c.expectLine(":test.server CAP * LS :away-notify batch cap-notify echo-message invite-notify labeled-response message-tags multi-prefix server-time setname standard-replies userhost-in-names")
	c.send("CAP LIST")
	c.expectLine(":test.server CAP * LIST :cap-notify") // implied by 302
	c.send("CAP REQ :multi-prefix bogus")
	c.expectLine(":test.server CAP * NAK :multi-prefix bogus")
	c.send("CAP REQ :-cap-notify")
	c.expectLine(":test.server CAP * NAK :-cap-notify") // cannot be disabled after 302
	c.send("CAP REQ :")
	c.expectLine(":test.server CAP * NAK :")
	c.send("CAP REQ :multi-prefix server-time")
	c.expectLine(":test.server CAP * ACK :multi-prefix server-time")
	c.send("CAP REQ -server-time")
	c.expectLine(":test.server CAP * ACK :-server-time")
	c.send("CAP LIST")
	c.expectLine(":test.server CAP * LIST :cap-notify multi-prefix")
	c.send("NICK dave", "USER dave 0 * :Dave", "PING :waiting")
	c.expectLine(":test.server PONG test.server :waiting") // no 001 before CAP END
	c.send("CAP END")
	c.nick = "dave"
	c.expectNumeric(irc.RplWelcome)
	c.expectNumeric(irc.ErrNoMotd)
	// After registration: REQ takes effect at once, CAP END does nothing.
	c.send("CAP REQ echo-message", "CAP END", "PRIVMSG dave :to myself")
	c.expectLine(":test.server CAP dave ACK :echo-message")
	c.expectLine(":dave!dave@127.0.0.1 PRIVMSG dave :to myself") // delivered
	c.expectLine(":dave!dave@127.0.0.1 PRIVMSG dave :to myself") // echoed
	c.send("CAP LS")
	c.expectCmd("CAP", "dave", "LS")
}

var timeTag = regexp.MustCompile(`^@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)

func TestMessageTagsAndServerTime(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice", "message-tags")
	b := s.capClient(t, "bob", "message-tags", "server-time")
	c := s.capClient(t, "carol")
	d := s.capClient(t, "dave", "server-time")
	for _, x := range []*client{a, b, c, d} {
		x.join("#t")
	}
	for _, x := range []*client{a, b, c} {
		x.sync()
	}
	a.send("@+draft/reply=abc;+example.com/x=a\\sb;label=l1;time=forged PRIVMSG #t :tagged")
	l, _ := b.readLine()
	if !timeTag.MatchString(strings.Replace(l, "+draft/reply=abc;+example.com/x=a\\sb;", "", 1)) ||
		!strings.HasPrefix(l, "@+draft/reply=abc;+example.com/x=a\\sb;time=") || !strings.HasSuffix(l, " :alice!alice@127.0.0.1 PRIVMSG #t :tagged") {
		t.Errorf("bob (message-tags, server-time) got %q", l)
	}
	c.expectLine(":alice!alice@127.0.0.1 PRIVMSG #t :tagged")
	if l, _ := d.readLine(); !timeTag.MatchString(l) || !strings.HasSuffix(l, " :alice!alice@127.0.0.1 PRIVMSG #t :tagged") {
		t.Errorf("dave (server-time) got %q", l)
	}
	// TAGMSG reaches only members with message-tags; to a nickname too.
	a.send("@+typing=active TAGMSG #t", "@+typing=done TAGMSG bob", "PRIVMSG #t :after")
	if l, _ := b.readLine(); !strings.HasPrefix(l, "@+typing=active;time=") || !strings.HasSuffix(l, " :alice!alice@127.0.0.1 TAGMSG #t") {
		t.Errorf("bob got %q; want the TAGMSG", l)
	}
	if l, _ := b.readLine(); !strings.HasPrefix(l, "@+typing=done;time=") || !strings.HasSuffix(l, " :alice!alice@127.0.0.1 TAGMSG bob") {
		t.Errorf("bob got %q; want the private TAGMSG", l)
	}
	c.expectLine(":alice!alice@127.0.0.1 PRIVMSG #t :after") // no TAGMSG before it
	a.send("TAGMSG")
	a.expectExact(irc.ErrNoRecipient, "No recipient given (TAGMSG)")
}

func TestEchoMessage(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice", "echo-message", "message-tags")
	b := s.capClient(t, "bob")
	a.join("#e")
	b.join("#e")
	a.expectCmd("JOIN", "#e")
	a.send("@+x=1 PRIVMSG #e :hello", "NOTICE bob :psst", "PRIVMSG nobody :lost")
	a.expectLine("@+x=1 :alice!alice@127.0.0.1 PRIVMSG #e :hello")
	a.expectLine(":alice!alice@127.0.0.1 NOTICE bob :psst")
	a.expectExact(irc.ErrNoSuchNick, "nobody", "No such nick/channel") // not echoed
	b.expectLine(":alice!alice@127.0.0.1 PRIVMSG #e :hello")
}

func TestLabeledResponse(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice", "labeled-response", "batch")
	a.join("#l")
	a.send("@label=one PING :x")
	a.expectLine("@label=one :test.server PONG test.server :x")
	a.send("@label=none PRIVMSG #l :nobody else here")
	a.expectLine("@label=none :test.server ACK")
	a.send("@label=many NAMES #l")
	a.expectLine("@label=many :test.server BATCH +L1 labeled-response")
	a.expectLine("@batch=L1 :test.server 353 alice = #l :@alice")
	a.expectLine("@batch=L1 :test.server 366 alice #l :End of /NAMES list")
	a.expectLine(":test.server BATCH -L1")
	// The replies of channel actors and of the connection go in one batch.
	a.send("@label=a\\sb JOIN #l2")
	a.expectLine("@label=a\\sb :test.server BATCH +L2 labeled-response")
	a.expectLine("@batch=L2 :alice!alice@127.0.0.1 JOIN #l2")
	a.expectLine("@batch=L2 :test.server 353 alice = #l2 :@alice")
	a.expectLine("@batch=L2 :test.server 366 alice #l2 :End of /NAMES list")
	a.expectLine(":test.server BATCH -L2")
	// Without the capabilities (both) the label is ignored.
	b := s.capClient(t, "bob")
	b.send("@label=x PING :y")
	b.expectLine(":test.server PONG test.server :y")
	c := s.capClient(t, "carol", "labeled-response")
	c.send("@label=x PING :y", "@label=z PRIVMSG carol :self")
	c.expectLine(":test.server PONG test.server :y")
	c.expectLine(":carol!carol@127.0.0.1 PRIVMSG carol :self") // no ACK
}

func TestAwayNotify(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice")
	b := s.capClient(t, "bob", "away-notify")
	c := s.capClient(t, "carol")
	for _, x := range []*client{a, b, c} {
		x.join("#a")
	}
	a.sync()
	b.sync()
	a.send("AWAY :brb")
	a.expectNumeric(irc.RplNowAway)
	b.expectLine(":alice!alice@127.0.0.1 AWAY :brb")
	a.send("AWAY")
	b.expectLine(":alice!alice@127.0.0.1 AWAY")
	c.send("AWAY :zzz")
	c.expectNumeric(irc.RplNowAway)
	b.expectLine(":carol!carol@127.0.0.1 AWAY :zzz")
	// An away user who joins is announced as away.
	c.send("PART #a")
	b.expectCmd("PART", "#a")
	c.join("#a")
	b.expectLine(":carol!carol@127.0.0.1 JOIN #a")
	b.expectLine(":carol!carol@127.0.0.1 AWAY :zzz")
	a.sync()
	for _, l := range a.lines {
		if strings.Contains(l, " AWAY :") || strings.HasSuffix(l, " AWAY") {
			t.Errorf("alice (no away-notify) got %q", l)
		}
	}
}

func TestInviteNotify(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice")
	b := s.capClient(t, "bob", "invite-notify")
	s.capClient(t, "carol")
	a.join("#n")
	b.join("#n")
	a.send("MODE #n +o bob")
	b.expectCmd("MODE", "#n", "+o", "bob")
	a.send("INVITE carol #n")
	b.expectLine(":alice!alice@127.0.0.1 INVITE carol #n")
}

func TestSetnameAndStandardReplies(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice", "setname", "standard-replies")
	b := s.capClient(t, "bob", "setname")
	c := s.capClient(t, "carol")
	for _, x := range []*client{a, b, c} {
		x.join("#s")
	}
	a.sync()
	a.send("SETNAME :Alice Liddell")
	a.expectLine(":alice!alice@127.0.0.1 SETNAME :Alice Liddell")
	b.expectCmd("JOIN", "#s") // carol's
	b.expectLine(":alice!alice@127.0.0.1 SETNAME :Alice Liddell")
	c.send("WHOIS alice")
	c.expectExact(irc.RplWhoisUser, "alice", "alice", "127.0.0.1", "*", "Alice Liddell")
	a.send("SETNAME :" + strings.Repeat("x", 200))
	a.expectLine(":test.server FAIL SETNAME INVALID_REALNAME :Realname is not valid")
	a.send("SETNAME")
	a.expectExact(irc.ErrNeedMoreParams, "SETNAME", "Not enough parameters")
}

func TestNamesCaps(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice")
	b := s.capClient(t, "bob", "multi-prefix", "userhost-in-names")
	a.join("#n")
	b.join("#n")
	a.send("MODE #n +v alice")
	b.expectCmd("MODE", "#n", "+v", "alice")
	b.send("NAMES #n")
	b.expectExact(irc.RplNamReply, "=", "#n", "@+alice!alice@127.0.0.1 bob!bob@127.0.0.1")
	a.send("NAMES #n")
	a.expectExact(irc.RplNamReply, "=", "#n", "@alice bob")
}

// TestStatusMsg: PRIVMSG @#chan reaches operators only.
func TestStatusMsg(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.capClient(t, "alice")
	b := s.capClient(t, "bob")
	c := s.capClient(t, "carol")
	for _, x := range []*client{a, b, c} {
		x.join("#o")
	}
	a.send("MODE #o +o bob", "MODE #o +v carol")
	c.expectCmd("MODE", "#o", "+v", "carol")
	c.send("PRIVMSG @#o :ops only", "PRIVMSG +#o :voiced and ops", "PRIVMSG #o :everyone")
	b.expectCmd("PRIVMSG", "@#o", "ops only")
	b.expectCmd("PRIVMSG", "+#o", "voiced and ops")
	b.expectCmd("PRIVMSG", "#o", "everyone")
	a.expectCmd("PRIVMSG", "@#o", "ops only") // alice, the first member, is an operator too
	a.expectCmd("PRIVMSG", "+#o", "voiced and ops")
	a.expectCmd("PRIVMSG", "#o", "everyone")
	// Too many targets: 407 for the rest.
	a.send("PRIVMSG a,b,c,d,e :x")
	a.expectNumeric(irc.ErrTooManyTargets, "e")
}
