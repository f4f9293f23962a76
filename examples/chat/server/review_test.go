package server_test

import (
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// The user being killed gets the KILL line, from the operator, before
// the ERROR that closes its link (modern IRC, KILL).
func TestKillTellsVictim(t *testing.T) {
	s := startServer(t, server.Config{Opers: []server.Oper{{Name: "root", Password: "s3cret"}}})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.send("OPER root s3cret")
	a.expectCmd("MODE", "alice", "+o")
	b.sync()
	a.send("KILL bob :spamming")
	b.expectLine(":alice!alice@127.0.0.1 KILL bob :spamming")
	if last := b.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (Killed (alice (spamming)))" {
		t.Errorf("killed client's last line = %q", last)
	}
}

// NAMES without a parameter gets one 366 for "*" (modern IRC, NAMES),
// whether or not the client is on channels.
func TestNamesWithoutParameter(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	a.send("NAMES")
	a.expectLine(":test.server 366 alice * :End of /NAMES list")
	a.join("#n")
	a.send("NAMES", "PING :tok")
	a.expectLine(":test.server 366 alice * :End of /NAMES list")
	a.expectLine(":test.server PONG test.server :tok")
}

// "INVITE" alone lists only invitations that still hold: one to a channel
// that closed (its last member left) is gone with it, also when a new
// channel of that name exists.
func TestInviteListForgetsClosedChannels(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#inv")
	a.send("INVITE bob #inv")
	b.expectCmd("INVITE", "bob", "#inv")
	b.send("INVITE")
	b.expectLine(":test.server 336 bob :#inv")
	b.expectLine(":test.server 337 bob :End of /INVITE list")
	a.send("PART #inv")
	a.expectCmd("PART", "#inv")
	b.send("INVITE")
	b.expectLine(":test.server 337 bob :End of /INVITE list")
	// A new channel of the same name does not have the old invitation.
	a.send("INVITE bob #inv2")
	a.expectNumeric(irc.ErrNoSuchChannel, "#inv2")
	a.join("#inv2")
	a.send("INVITE bob #inv2", "PART #inv2", "JOIN #inv2")
	a.expectNumeric(irc.RplEndOfNames, "#inv2")
	b.expectCmd("INVITE", "bob", "#inv2")
	b.send("INVITE")
	b.expectLine(":test.server 337 bob :End of /INVITE list")
}

// MODE on a nickname nobody has gets 401 (modern IRC, user MODE); on
// another user's, 502.
func TestUserModeOfUnknownNick(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	s.registered(t, "bob")
	a.checkReplies(t, []lineTest{
		{"MODE nobody", []reply{r(irc.ErrNoSuchNick, "nobody", "No such nick/channel")}},
		{"MODE nobody +i", []reply{r(irc.ErrNoSuchNick, "nobody", "No such nick/channel")}},
		{"MODE bob", []reply{r(irc.ErrUsersDontMatch, "Can't view modes for other users")}},
		{"MODE BOB +i", []reply{r(irc.ErrUsersDontMatch, "Cannot change mode for other users")}},
	})
}

// A line that does not parse (malformed tags or source, a NUL) gets 400
// with the reason, and the connection goes on.
func TestMalformedLineAnswered(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	for _, tc := range []struct{ line, reason string }{
		{"@=x PING a", "malformed message tags"},
		{"@;;; PING a", "malformed message tags"},
		{": PING a", "malformed source"},
		{":alice", "missing command"},
		{"PING a\x00b", "NUL, CR or LF inside the line"},
	} {
		a.send(tc.line)
		a.expectLine(":test.server 400 alice * :Malformed message: " + tc.reason)
	}
	a.send("PING still")
	a.expectCmd("PONG", "test.server", "still")
}

// A client that rejoins as soon as it sees its KICK (auto-rejoin) is a
// member again, and its QUIT reaches the channel: the connection forgot
// the channel before the KICK line reached its client.
func TestRejoinAfterKick(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#k")
	b.join("#k")
	a.expectCmd("JOIN", "#k")
	for range 20 {
		a.send("KICK #k bob :again")
		a.expectCmd("KICK", "#k", "bob", "again")
		b.expectCmd("KICK", "#k", "bob", "again")
		b.join("#k")
		a.expectCmd("JOIN", "#k")
	}
	b.send("QUIT :bye")
	a.expectCmd("QUIT", "Quit: bye")
	a.send("NAMES #k")
	if m := a.expectNumeric(irc.RplNamReply, "=", "#k"); m.Param(3) != "@alice" {
		t.Errorf("NAMES after bob's QUIT = %q; want %q", m.Param(3), "@alice")
	}
}
