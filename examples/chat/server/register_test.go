package server_test

import (
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

func TestRegistration(t *testing.T) {
	s := startServer(t, server.Config{MOTD: []string{"hello", "world"}})
	c := dial(t, s.addr)
	c.send("NICK alice", "USER alice 0 * :Alice Liddell")
	c.nick = "alice"
	w := c.expectNumeric(irc.RplWelcome)
	if got, want := w.Source, "test.server"; got != want {
		t.Errorf("001 source = %q; want %q", got, want)
	}
	if got, want := w.Param(1), "alice!alice@127.0.0.1"; !strings.HasSuffix(got, want) {
		t.Errorf("001 text = %q; want it to end with %q", got, want)
	}
	c.expectNumeric(irc.RplYourHost)
	c.expectNumeric(irc.RplCreated)
	c.expectNumeric(irc.RplMyInfo, "test.server")
	if m := c.expectNumeric(irc.RplISupport); !strings.Contains(strings.Join(m.Params, " "), "CASEMAPPING=rfc1459") {
		t.Errorf("005 = %q; want CASEMAPPING=rfc1459 in it", m.Params)
	}
	c.expectNumeric(irc.RplMotdStart)
	if m := c.expectNumeric(irc.RplMotd); m.Param(1) != "- hello" {
		t.Errorf("372 = %q; want %q", m.Param(1), "- hello")
	}
	c.expectNumeric(irc.RplMotd)
	c.expectNumeric(irc.RplEndOfMotd)
}

func TestRegistrationWithoutMOTD(t *testing.T) {
	s := startServer(t, server.Config{})
	c := dial(t, s.addr)
	c.send("USER bob 0 * :Bob", "NICK bob") // either order
	c.nick = "bob"
	c.expectNumeric(irc.RplWelcome)
	c.expectNumeric(irc.ErrNoMotd)
}

func TestCapNegotiation(t *testing.T) {
	s := startServer(t, server.Config{})
	c := dial(t, s.addr)
	c.send("CAP LS 302", "NICK carol", "USER carol 0 * :Carol")
	if m := c.expectCmd("CAP", "*", "LS"); m.Param(2) != "away-notify batch cap-notify echo-message invite-notify labeled-response message-tags multi-prefix server-time setname standard-replies userhost-in-names" {
		t.Errorf("CAP LS = %q; want every capability", m.Params)
	}
	c.send("CAP REQ :multi-prefix sasl")
	if m := c.expectCmd("CAP", "carol", "NAK"); m.Param(2) != "multi-prefix sasl" {
		t.Errorf("CAP NAK = %q; want the request refused whole", m.Params)
	}
	// Registration waits for CAP END: a PING is answered, no 001 comes first.
	c.send("PING :before-end")
	if m := c.expect("a reply", func(irc.Message) bool { return true }); m.Command != "PONG" {
		t.Fatalf("reply before CAP END = %q; want PONG", m.String())
	}
	c.send("CAP END")
	c.nick = "carol"
	c.expectNumeric(irc.RplWelcome)
	c.send("CAP LIST")
	c.expectCmd("CAP", "carol", "LIST")
	c.send("CAP FOO")
	c.expectNumeric(irc.ErrInvalidCapCmd, "FOO")
}

func TestPassword(t *testing.T) {
	s := startServer(t, server.Config{Password: "sesame"})
	t.Run("right", func(t *testing.T) {
		c := dial(t, s.addr)
		c.send("PASS sesame", "NICK dan", "USER dan 0 * :Dan")
		c.nick = "dan"
		c.expectNumeric(irc.RplWelcome)
	})
	for name, pass := range map[string]string{"wrong": "PASS open", "missing": ""} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, s.addr)
			if pass != "" {
				c.send(pass)
			}
			c.send("NICK eve", "USER eve 0 * :Eve")
			c.nick = "eve"
			c.expectNumeric(irc.ErrPasswdMismatch)
			if last := c.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (Bad Password)" {
				t.Errorf("last line = %q; want the Bad Password ERROR", last)
			}
		})
	}
}

func TestRegistrationErrors(t *testing.T) {
	s := startServer(t, server.Config{})
	c := dial(t, s.addr)
	c.send("JOIN #x")
	c.expectNumeric(irc.ErrNotRegistered)
	c.send("NICK")
	c.expectNumeric(irc.ErrNoNicknameGiven)
	c.send("NICK 1abc")
	c.expectNumeric(irc.ErrErroneusNickname, "1abc")
	c.send("NICK " + strings.Repeat("a", 31))
	c.expectNumeric(irc.ErrErroneusNickname)
	c.send("USER x")
	c.expectNumeric(irc.ErrNeedMoreParams, "USER")
	c.register("frank")
	c.send("USER frank 0 * :again")
	c.expectNumeric(irc.ErrAlreadyRegistred)
	c.send("PASS x")
	c.expectNumeric(irc.ErrAlreadyRegistred)
}

func TestNickCollision(t *testing.T) {
	s := startServer(t, server.Config{})
	s.registered(t, "[Alice]")
	for _, nick := range []string{"[Alice]", "[alice]", "{ALICE}", "{alice}"} {
		c := dial(t, s.addr)
		c.send("NICK " + nick)
		c.expectNumeric(irc.ErrNicknameInUse, nick)
	}
	// A nickname held by an unregistered connection is taken too.
	c1 := dial(t, s.addr)
	c1.send("NICK pending")
	c1.send("PING :x")
	c1.expectCmd("PONG")
	c2 := dial(t, s.addr)
	c2.send("NICK Pending")
	c2.expectNumeric(irc.ErrNicknameInUse, "Pending")
}

func TestNickChangeRelayedOnce(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	for _, ch := range []string{"#one", "#two"} {
		a.join(ch)
		b.join(ch)
	}
	a.send("NICK alicia")
	if m := a.expectCmd("NICK", "alicia"); m.Source != "alice!alice@127.0.0.1" {
		t.Errorf("NICK source = %q; want the old prefix", m.Source)
	}
	b.expectCmd("NICK", "alicia")
	b.sync() // a second NICK line would have come before the PONG
	for _, l := range b.lines[len(b.lines)-1:] {
		if strings.Contains(l, " NICK ") {
			t.Errorf("bob got the NICK change twice")
		}
	}
	a.nick = "alicia"
	a.send("NAMES #one")
	if m := a.expectNumeric(irc.RplNamReply, "="); !strings.Contains(m.Param(3), "alicia") {
		t.Errorf("NAMES after the change = %q; want alicia", m.Param(3))
	}
	// The old nickname is free again.
	s.registered(t, "alice")
}
