package server_test

import (
	"testing"

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
