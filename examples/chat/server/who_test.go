package server_test

import (
	"slices"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// whoNicks sends a WHO line and returns the nicknames of the 352 replies
// (sorted) up to 315, checking the 315's mask.
func whoNicks(t *testing.T, c *client, line, endMask string) []string {
	t.Helper()
	c.send(line)
	var nicks []string
	for {
		m := c.expect("352 or 315", func(m irc.Message) bool { return m.Command == "352" || m.Command == "315" })
		if m.Command == "315" {
			if m.Param(1) != endMask || m.Param(2) != "End of WHO list" {
				t.Errorf("%s: 315 = %q; want mask %q", line, m.Params, endMask)
			}
			slices.Sort(nicks)
			return nicks
		}
		nicks = append(nicks, m.Param(5))
	}
}

func TestWhoMasks(t *testing.T) {
	s := startServer(t, server.Config{Opers: []server.Oper{{Name: "o", Password: "p"}}})
	a := s.registered(t, "alice")
	s.registered(t, "coolnick")
	s.registered(t, "coolnix")
	hidden := s.registered(t, "hidden")
	hidden.send("MODE hidden +i")
	hidden.expectCmd("MODE", "hidden", "+i")
	a.join("#w")
	hidden.join("#w")
	tests := []struct {
		line, end string
		want      []string
	}{
		{"WHO", "*", []string{"alice", "coolnick", "coolnix", "hidden"}}, // hidden shares #w with alice,
		{"WHO *", "*", []string{"alice", "coolnick", "coolnix", "hidden"}},
		{"WHO coolni*", "coolni*", []string{"coolnick", "coolnix"}},
		{"WHO COOLNI?K", "COOLNI?K", []string{"coolnick"}},
		{"WHO *@127.0.0.1", "*@127.0.0.1", []string{"alice", "coolnick", "coolnix", "hidden"}},
		{"WHO hidden", "hidden", []string{"hidden"}}, // an exact nickname shows an invisible user
		{"WHO #w", "#w", []string{"alice", "hidden"}},
		{"WHO #none", "#none", nil},
		{"WHO nobody", "nobody", nil},
		{"WHO * o", "*", nil},
	}
	for _, tt := range tests {
		if got := whoNicks(t, a, tt.line, tt.end); !slices.Equal(got, tt.want) {
			t.Errorf("%s: nicks %q; want %q", tt.line, got, tt.want)
		}
	}
	a.send("OPER o p")
	a.expectNumeric(irc.RplYoureOper)
	if got, want := whoNicks(t, a, "WHO * o", "*"), []string{"alice"}; !slices.Equal(got, want) {
		t.Errorf("WHO * o: %q; want %q", got, want)
	}
	c := s.registered(t, "outsider")
	if got := whoNicks(t, c, "WHO *", "*"); slices.Contains(got, "hidden") {
		t.Errorf("WHO * by an outsider: %q; want the invisible user hidden", got)
	}
	c.send("OPER o p")
	c.expectNumeric(irc.RplYoureOper)
	if got := whoNicks(t, c, "WHO *", "*"); !slices.Contains(got, "hidden") {
		t.Errorf("WHO * by an operator: %q; want the invisible user too", got)
	}
}

func TestWhoFlags(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#f")
	b.join("#f")
	a.send("MODE #f +v alice", "AWAY :lunch")
	a.expectNumeric(irc.RplNowAway)
	b.send("WHO #f")
	b.expectExact(irc.RplWhoReply, "#f", "alice", "127.0.0.1", "test.server", "alice", "G@", "0 The alice")
	b.expectExact(irc.RplWhoReply, "#f", "bob", "127.0.0.1", "test.server", "bob", "H", "0 The bob")
	b.expectExact(irc.RplEndOfWho, "#f", "End of WHO list")
	// multi-prefix shows every prefix.
	b.send("CAP REQ multi-prefix")
	b.expectCmd("CAP", "bob", "ACK", "multi-prefix")
	b.send("WHO #f")
	b.expectExact(irc.RplWhoReply, "#f", "alice", "127.0.0.1", "test.server", "alice", "G@+", "0 The alice")
}

func TestWhox(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	s.registered(t, "bob")
	a.join("#x")
	tests := []struct {
		line string
		want []string
	}{
		{"WHO bob %n", []string{"bob"}},
		{"WHO bob %tnuhs,42", []string{"42", "bob", "127.0.0.1", "test.server", "bob"}},
		{"WHO bob %rnf", []string{"bob", "H", "The bob"}}, // fields in the spec's order, not the request's
		{"WHO bob %tcuihsnfdar,1", []string{"1", "*", "bob", "127.0.0.1", "127.0.0.1", "test.server", "bob", "H", "0", "0", "The bob"}},
		{"WHO #x %cnf", []string{"#x", "alice", "H@"}},
		{"WHO bob %o", []string{"n/a"}},
	}
	for _, tt := range tests {
		a.send(tt.line)
		a.expectExact(irc.RplWhoSpcRpl, tt.want...)
		a.expectNumeric(irc.RplEndOfWho)
	}
	a.send("WHO bob %l")
	if m := a.expectNumeric(irc.RplWhoSpcRpl); m.Param(1) != "0" && m.Param(1) != "1" {
		t.Errorf("idle = %q; want about 0", m.Param(1))
	}
}
