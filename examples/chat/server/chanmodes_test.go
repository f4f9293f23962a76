package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

func TestChannelLimit(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	a.join("#l")
	a.checkReplies(t, []lineTest{
		{"MODE #l +l", []reply{r(irc.ErrNeedMoreParams, "MODE", "Not enough parameters")}},
		{"MODE #l +l x", []reply{r(irc.ErrInvalidModeParam, "#l", "l", "x", "Invalid limit (a positive number)")}},
		{"MODE #l +l -3", []reply{r(irc.ErrInvalidModeParam, "#l", "l", "-3", "Invalid limit (a positive number)")}},
	})
	a.send("MODE #l +l 2")
	a.expectCmd("MODE", "#l", "+l", "2")
	a.send("MODE #l")
	a.expectExact(irc.RplChannelModeIs, "#l", "+ntl", "2")
	b.join("#l")
	c.checkReplies(t, []lineTest{{"JOIN #l", []reply{r(irc.ErrChannelIsFull, "#l", "Cannot join channel (+l)")}}})
	a.send("MODE #l -l")
	a.expectCmd("MODE", "#l", "-l")
	c.join("#l")
}

func TestChannelFlags(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	out := s.registered(t, "outsider")
	a.join("#f")
	b.join("#f")
	// +n is on by default: outsiders cannot speak.
	out.checkReplies(t, []lineTest{{"PRIVMSG #f :hi", []reply{r(irc.ErrCannotSendToChan, "#f", "Cannot send to channel")}}})
	a.send("MODE #f -n")
	a.expectCmd("MODE", "#f", "-n")
	out.send("PRIVMSG #f :from outside")
	b.expectCmd("PRIVMSG", "#f", "from outside")
	// +m: only voiced members and operators speak.
	a.send("MODE #f +m")
	a.expectCmd("MODE", "#f", "+m")
	b.checkReplies(t, []lineTest{{"PRIVMSG #f :muted", []reply{r(irc.ErrCannotSendToChan, "#f", "Cannot send to channel")}}})
	a.send("MODE #f +v bob")
	a.expectCmd("MODE", "#f", "+v", "bob")
	b.send("PRIVMSG #f :voiced")
	a.expectCmd("PRIVMSG", "#f", "voiced")
	a.send("MODE #f +imst-m")
	a.expectCmd("MODE", "#f", "+is-m") // +t was on already, m set then cleared
	a.send("MODE #f")
	a.expectExact(irc.RplChannelModeIs, "#f", "+ist")
	// Setting what is set changes nothing and announces nothing.
	a.send("MODE #f +i")
	a.sync()
	if l := a.lines[len(a.lines)-2]; strings.Contains(l, " MODE ") {
		t.Errorf("MODE +i when +i: %q", l)
	}
}

func TestBans(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	a.join("#b")
	b.join("#b")
	a.send("MODE #b +b carol")
	a.expectCmd("MODE", "#b", "+b", "carol!*@*")
	a.send("MODE #b +b *!*@10.*")
	a.expectCmd("MODE", "#b", "+b", "*!*@10.*")
	a.send("MODE #b +b")
	a.expectNumeric(irc.RplBanList, "#b", "carol!*@*", "alice!alice@127.0.0.1")
	a.expectNumeric(irc.RplBanList, "#b", "*!*@10.*", "alice!alice@127.0.0.1")
	a.expectExact(irc.RplEndOfBanList, "#b", "End of channel ban list")
	c.checkReplies(t, []lineTest{{"JOIN #b", []reply{r(irc.ErrBannedFromChan, "#b", "Cannot join channel (+b)")}}})
	// A banned member cannot speak (unless voiced).
	a.send("MODE #b +b BOB!*@127.0.0.1")
	a.expectCmd("MODE", "#b", "+b", "BOB!*@127.0.0.1")
	b.checkReplies(t, []lineTest{{"PRIVMSG #b :hi", []reply{r(irc.ErrCannotSendToChan, "#b", "Cannot send to channel")}}})
	a.send("MODE #b +v bob")
	a.expectCmd("MODE", "#b", "+v", "bob")
	b.send("PRIVMSG #b :voiced")
	a.expectCmd("PRIVMSG", "#b", "voiced")
	// Removing, and an invitation overrides a ban.
	a.send("MODE #b -b carol")
	a.expectCmd("MODE", "#b", "-b", "carol!*@*")
	a.send("MODE #b +b c*")
	a.expectCmd("MODE", "#b", "+b", "c*!*@*")
	a.send("INVITE carol #b")
	a.expectNumeric(irc.RplInviting, "carol", "#b")
	c.join("#b")
	// Non-operators may list the bans but not change them.
	b.send("MODE #b b")
	b.expectNumeric(irc.RplBanList, "#b")
	b.checkReplies(t, []lineTest{{"MODE #b +b x", []reply{r(irc.ErrChanOPrivsNeeded, "#b", "You're not channel operator")}}})
}

func TestModesPerCommand(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	a.join("#p")
	for _, n := range []string{"b1", "b2", "b3", "b4", "b5"} {
		s.registered(t, n).join("#p")
		a.expectCmd("JOIN", "#p")
	}
	a.send("MODE #p +vvvvv b1 b2 b3 b4 b5")
	a.expectLine(":alice!alice@127.0.0.1 MODE #p +vvvv b1 b2 b3 b4")
	a.send("MODE #p +vvvvv-nnnn b1 b2 b3 b4 b5")
	a.expectLine(":alice!alice@127.0.0.1 MODE #p -n")
}

func TestKeyedChannel(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#k")
	a.send("MODE #k +k sesame")
	a.expectCmd("MODE", "#k", "+k", "sesame")
	a.send("MODE #k")
	a.expectExact(irc.RplChannelModeIs, "#k", "+ntk", "sesame")
	b.send("MODE #k")
	b.expectExact(irc.RplChannelModeIs, "#k", "+ntk", "*")
	b.checkReplies(t, []lineTest{
		{"JOIN #k", []reply{r(irc.ErrBadChannelKey, "#k", "Cannot join channel (+k)")}},
		{"JOIN #k wrong", []reply{r(irc.ErrBadChannelKey, "#k", "Cannot join channel (+k)")}},
	})
	b.send("JOIN #k sesame")
	b.expectNumeric(irc.RplEndOfNames, "#k")
	a.send("MODE #k -k *")
	a.expectCmd("MODE", "#k", "-k", "*")
}

// listNames sends a LIST line and returns the channels of its 322 replies
// (sorted) up to 323.
func listNames(t *testing.T, c *client, line string) []string {
	t.Helper()
	c.send(line)
	c.expectExact(irc.RplListStart, "Channel", "Users  Name")
	var names []string
	for {
		m := c.expect("322 or 323", func(m irc.Message) bool { return m.Command == "322" || m.Command == "323" })
		if m.Command == "323" {
			slices.Sort(names)
			return names
		}
		names = append(names, m.Param(1))
	}
}

func TestListFilters(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	for _, ch := range []string{"#one", "#two", "#three"} {
		a.join(ch)
	}
	b.join("#two")
	b.join("#three")
	tests := []struct {
		line string
		want []string
	}{
		{"LIST", []string{"#one", "#three", "#two"}},
		{"LIST #t*", []string{"#three", "#two"}},
		{"LIST #one,#two", []string{"#one", "#two"}},
		{"LIST !#t*", []string{"#one"}},
		{"LIST >1", []string{"#three", "#two"}},
		{"LIST <2", []string{"#one"}},
		{"LIST >1,!#th*", []string{"#two"}},
		{"LIST #none", nil},
	}
	for _, tt := range tests {
		if got := listNames(t, b, tt.line); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q; want %q", tt.line, got, tt.want)
		}
	}
}
