package server_test

import (
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// TestReplies checks exact replies, error paths included, of commands
// that need no second client: each line, sent by a registered client
// (alice, operator of #c, with bob registered elsewhere), and the numeric
// and parameters (after the target) that must come back.
func TestReplies(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	s.registered(t, "bob")
	a.join("#c")
	tests := []struct {
		line   string
		want   irc.Numeric
		params []string
	}{
		{"X1", irc.ErrUnknownCommand, []string{"X1", "Unknown command"}},
		{"FOO-BAR baz", irc.ErrUnknownCommand, []string{"FOO-BAR", "Unknown command"}},
		{"FROBNICATE", irc.ErrUnknownCommand, []string{"FROBNICATE", "Unknown command"}},
		{"MODE #c +k", irc.ErrNeedMoreParams, []string{"MODE", "Not enough parameters"}},
		{"MODE #c +k :", irc.ErrInvalidKey, []string{"#c", "Key is not well-formed"}},
		{"MODE #c +k :a b", irc.ErrInvalidKey, []string{"#c", "Key is not well-formed"}},
		{"MODE #c +k a,b", irc.ErrInvalidKey, []string{"#c", "Key is not well-formed"}},
		{"MODE #c +o nobody", irc.ErrNoSuchNick, []string{"nobody", "No such nick/channel"}},
		{"MODE #c +v bob", irc.ErrUserNotInChannel, []string{"bob", "#c", "They aren't on that channel"}},
		{"USER a 0 * :again", irc.ErrAlreadyRegistred, []string{"You may not reregister"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			a.t = t
			a.send(tt.line)
			m := a.expectNumeric(tt.want)
			if got := m.Params[1:]; strings.Join(got, "|") != strings.Join(tt.params, "|") {
				t.Errorf("%s: %s params = %q; want %q", tt.line, tt.want.Code(), got, tt.params)
			}
		})
	}
}

// TestUnregisteredReplies checks replies before registration.
func TestUnregisteredReplies(t *testing.T) {
	s := startServer(t, server.Config{})
	tests := []struct {
		line   string
		want   irc.Numeric
		params []string
	}{
		{"X1", irc.ErrNotRegistered, []string{"You have not registered"}},
		{"FOO-BAR", irc.ErrNotRegistered, []string{"You have not registered"}},
		{"JOIN #x", irc.ErrNotRegistered, []string{"You have not registered"}},
		{"USER x 0 * :", irc.ErrNeedMoreParams, []string{"USER", "Not enough parameters"}},
		{"USER x 0 *", irc.ErrNeedMoreParams, []string{"USER", "Not enough parameters"}},
		{"PASS", irc.ErrNeedMoreParams, []string{"PASS", "Not enough parameters"}},
	}
	c := dial(t, s.addr)
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c.t = t
			c.send(tt.line)
			m := c.expectNumeric(tt.want)
			if got := m.Params[1:]; strings.Join(got, "|") != strings.Join(tt.params, "|") {
				t.Errorf("%s: %s params = %q; want %q", tt.line, tt.want.Code(), got, tt.params)
			}
		})
	}
}

func TestTopicCutOnRuneBoundary(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	a.join("#c")
	a.send("TOPIC #c :" + strings.Repeat("a", 389) + "é")
	if m := a.expectCmd("TOPIC", "#c"); m.Param(1) != strings.Repeat("a", 389) {
		t.Errorf("topic = %d bytes %q…; want the 389 ASCII bytes, the 2-byte rune dropped", len(m.Param(1)), m.Param(1)[380:])
	}
}

func TestSecretChannelNamesSymbol(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	a.join("#s")
	a.send("MODE #s +s")
	a.expectCmd("MODE", "#s", "+s")
	a.send("NAMES #s")
	a.expectNumeric(irc.RplNamReply, "@", "#s", "@alice")
	a.expectNumeric(irc.RplEndOfNames, "#s", "End of /NAMES list")
}
