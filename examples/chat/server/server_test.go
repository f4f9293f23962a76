package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

func TestJoinPartNamesTopic(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")

	a.send("JOIN #Weft")
	if m := a.expectCmd("JOIN"); m.Source != "alice!alice@127.0.0.1" || m.Param(0) != "#Weft" {
		t.Errorf("JOIN echo = %q", m.String())
	}
	if m := a.expectNumeric(irc.RplNamReply, "=", "#Weft"); m.Param(3) != "@alice" {
		t.Errorf("NAMES = %q; want @alice (the first member is an operator)", m.Param(3))
	}
	a.expectNumeric(irc.RplEndOfNames, "#Weft")

	a.send("TOPIC #weft")
	a.expectNumeric(irc.RplNoTopic, "#Weft")
	a.send("TOPIC #weft :fibers all the way down")
	a.expectCmd("TOPIC", "#Weft", "fibers all the way down")

	b.send("JOIN #WEFT") // case-insensitive: the same channel
	b.expectCmd("JOIN", "#Weft")
	b.expectNumeric(irc.RplTopic, "#Weft", "fibers all the way down")
	if m := b.expectNumeric(irc.RplTopicWhoTime, "#Weft"); m.Param(2) != "alice!alice@127.0.0.1" {
		t.Errorf("333 = %q; want set by alice", m.Params)
	}
	if m := b.expectNumeric(irc.RplNamReply, "=", "#Weft"); m.Param(3) != "@alice bob" {
		t.Errorf("NAMES = %q; want %q", m.Param(3), "@alice bob")
	}
	b.expectNumeric(irc.RplEndOfNames)
	a.expectCmd("JOIN", "#Weft") // alice sees bob join

	b.send("TOPIC #weft :mine now")
	b.expectNumeric(irc.ErrChanOPrivsNeeded, "#Weft")

	b.send("NAMES #weft,#nowhere")
	b.expectNumeric(irc.RplNamReply, "=", "#Weft")
	b.expectNumeric(irc.RplEndOfNames, "#Weft")
	b.expectNumeric(irc.RplEndOfNames, "#nowhere")

	b.send("PART #weft :see you")
	b.expectCmd("PART", "#Weft", "see you")
	if m := a.expectCmd("PART", "#Weft", "see you"); m.Source != "bob!bob@127.0.0.1" {
		t.Errorf("PART source = %q", m.Source)
	}
	b.send("PART #weft")
	b.expectNumeric(irc.ErrNotOnChannel, "#weft")
	b.send("PART #nowhere")
	b.expectNumeric(irc.ErrNoSuchChannel, "#nowhere")
	b.send("TOPIC #weft :x")
	b.expectNumeric(irc.ErrNotOnChannel, "#Weft")
	b.send("JOIN bad")
	b.expectNumeric(irc.ErrNoSuchChannel, "bad")

	// The last member leaving closes the channel.
	a.send("PART #weft")
	a.expectCmd("PART", "#Weft")
	st, err := s.Stats(context.Background())
	if err != nil || st.Channels != 0 || st.Users != 2 || st.Clients != 2 {
		t.Errorf("Stats() = %+v, %v; want 2 clients, 2 users, 0 channels", st, err)
	}
	// And it can be created again.
	b.join("#weft")
}

func TestJoinMultipleAndKeys(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.send("JOIN #a,#b")
	a.expectNumeric(irc.RplEndOfNames, "#a")
	a.expectNumeric(irc.RplEndOfNames, "#b")
	a.send("MODE #b +k secret")
	a.expectCmd("MODE", "#b", "+k", "secret")
	b.send("JOIN #b")
	b.expectNumeric(irc.ErrBadChannelKey, "#b")
	b.send("JOIN #a,#b ,wrong")
	b.expectNumeric(irc.RplEndOfNames, "#a")
	b.expectNumeric(irc.ErrBadChannelKey, "#b")
	b.send("JOIN #b secret")
	b.expectNumeric(irc.RplEndOfNames, "#b")
	b.send("JOIN 0")
	b.expectCmd("PART")
	b.expectCmd("PART")
	b.send("PRIVMSG #a :still here?")
	b.expectNumeric(irc.ErrCannotSendToChan, "#a")
}

func TestTooManyChannels(t *testing.T) {
	s := startServer(t, server.Config{Limits: server.Limits{MaxChannels: 2}})
	a := s.registered(t, "alice")
	a.send("JOIN #1,#2,#3")
	a.expectNumeric(irc.RplEndOfNames, "#1")
	a.expectNumeric(irc.RplEndOfNames, "#2")
	a.expectNumeric(irc.ErrTooManyChannels, "#3")
}

func TestMessages(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	for _, x := range []*client{a, b} {
		x.join("#chat")
	}
	a.send("PRIVMSG #chat :hello, channel")
	if m := b.expectCmd("PRIVMSG", "#chat", "hello, channel"); m.Source != "alice!alice@127.0.0.1" {
		t.Errorf("PRIVMSG source = %q", m.Source)
	}
	a.send("NOTICE #chat :a notice")
	b.expectCmd("NOTICE", "#chat", "a notice")
	a.send("PRIVMSG BOB :psst")
	b.expectCmd("PRIVMSG", "BOB", "psst")
	a.send("NOTICE bob,carol :both")
	b.expectCmd("NOTICE", "bob", "both") // each recipient sees itself as the target
	c.expectCmd("NOTICE", "carol", "both")
	a.sync() // the sender does not get its own channel messages back
	for _, l := range a.lines {
		if strings.Contains(l, "hello, channel") {
			t.Errorf("alice got her own channel message: %q", l)
		}
	}

	c.send("PRIVMSG #chat :let me in")
	c.expectNumeric(irc.ErrCannotSendToChan, "#chat")
	c.send("PRIVMSG nobody :hi")
	c.expectNumeric(irc.ErrNoSuchNick, "nobody")
	c.send("PRIVMSG #nowhere :hi")
	c.expectNumeric(irc.ErrNoSuchChannel, "#nowhere")
	c.send("PRIVMSG")
	c.expectNumeric(irc.ErrNoRecipient)
	c.send("PRIVMSG bob")
	c.expectNumeric(irc.ErrNoTextToSend)
	c.send("PRIVMSG bob :")
	c.expectNumeric(irc.ErrNoTextToSend)
	// NOTICE never gets an error reply.
	c.send("NOTICE nobody :hi", "NOTICE #chat :hi", "NOTICE", "NOTICE bob")
	c.sync()
	for _, l := range c.lines[len(c.lines)-1:] {
		if !strings.Contains(l, "PONG") {
			t.Errorf("NOTICE got a reply: %q", l)
		}
	}
}

func TestErrorNumerics(t *testing.T) {
	s := startServer(t, server.Config{})
	c := s.registered(t, "alice")
	tests := []struct {
		line   string
		want   irc.Numeric
		params []string
	}{
		{"FROBNICATE x", irc.ErrUnknownCommand, []string{"FROBNICATE"}},
		{"JOIN", irc.ErrNeedMoreParams, []string{"JOIN"}},
		{"PART", irc.ErrNeedMoreParams, []string{"PART"}},
		{"TOPIC", irc.ErrNeedMoreParams, []string{"TOPIC"}},
		{"MODE", irc.ErrNeedMoreParams, []string{"MODE"}},
		{"WHOIS", irc.ErrNoNicknameGiven, nil},
		{"NICK", irc.ErrNoNicknameGiven, nil},
		{"NICK a b", irc.ErrErroneusNickname, []string{"a"}[:0]},
		{"PING", irc.ErrNoOrigin, nil},
		{"TOPIC #none", irc.ErrNoSuchChannel, []string{"#none"}},
		{"MODE #none", irc.ErrNoSuchChannel, []string{"#none"}},
		{"MODE bob +i", irc.ErrNoSuchNick, []string{"bob"}}, // no bob here: 401 (502 is for an existing other user)
		{"MODE alice +x", irc.ErrUModeUnknownFlag, nil},
		{"CAP", irc.ErrNeedMoreParams, []string{"CAP"}},
	}
	for _, tt := range tests {
		if tt.want == irc.ErrErroneusNickname {
			continue // "a" is a valid nickname: covered elsewhere
		}
		c.send(tt.line)
		c.expectNumeric(tt.want, tt.params...)
	}
}

func TestWhois(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	s.registered(t, "bob")
	a.send("WHOIS BOB")
	if m := a.expectNumeric(irc.RplWhoisUser, "bob"); m.Param(2) != "bob" || m.Param(3) != "127.0.0.1" || m.Param(5) != "The bob" {
		t.Errorf("311 = %q", m.Params)
	}
	a.expectNumeric(irc.RplWhoisServer, "bob", "test.server")
	a.expectNumeric(irc.RplEndOfWhois, "bob")
	a.send("WHOIS nobody")
	a.expectNumeric(irc.ErrNoSuchNick, "nobody")
	a.expectNumeric(irc.RplEndOfWhois, "nobody")
	a.send("WHO #none")
	a.expectNumeric(irc.RplEndOfWho, "#none")
	a.join("#w")
	a.send("WHO #w")
	if m := a.expectNumeric(irc.RplWhoReply, "#w"); m.Param(5) != "alice" || m.Param(6) != "H@" {
		t.Errorf("352 = %q", m.Params)
	}
	a.expectNumeric(irc.RplEndOfWho, "#w")
}

func TestChannelModes(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	a.join("#m")
	b.join("#m")
	a.send("MODE #m")
	a.expectNumeric(irc.RplChannelModeIs, "#m", "+nt")
	a.expectNumeric(irc.RplCreationTime, "#m")
	a.send("MODE #m b")
	a.expectNumeric(irc.RplEndOfBanList, "#m")

	b.send("MODE #m +o bob")
	b.expectNumeric(irc.ErrChanOPrivsNeeded, "#m")
	c.send("MODE #m +s")
	c.expectNumeric(irc.ErrNotOnChannel, "#m")

	a.send("MODE #m +ov bob bob")
	b.expectCmd("MODE", "#m", "+ov", "bob", "bob")
	a.expectCmd("MODE", "#m", "+ov", "bob", "bob")
	b.send("TOPIC #m :op topic") // bob is an operator now
	a.expectCmd("TOPIC", "#m", "op topic")
	b.send("MODE #m -t+s")
	a.expectCmd("MODE", "#m", "-t+s")
	a.send("MODE #m +o nobody")
	a.expectNumeric(irc.ErrNoSuchNick, "nobody")
	a.send("MODE #m +o carol")
	a.expectNumeric(irc.ErrUserNotInChannel, "carol", "#m")
	a.send("MODE #m +z")
	a.expectNumeric(irc.ErrUnknownMode, "z")
	a.send("MODE #m")
	a.expectNumeric(irc.RplChannelModeIs, "#m", "+ns")
	// Secret: outsiders see no names and no LIST entry.
	c.send("NAMES #m")
	if m := c.expect("NAMES reply", func(m irc.Message) bool { return m.Command == "353" || m.Command == "366" }); m.Command != "366" {
		t.Errorf("NAMES of a secret channel by an outsider = %q; want only 366", m.String())
	}
	c.send("LIST")
	c.expectNumeric(irc.RplListStart)
	if m := c.expect("LIST end", func(m irc.Message) bool { return m.Command == "322" || m.Command == "323" }); m.Command != "323" {
		t.Errorf("LIST shows a secret channel: %q", m.String())
	}
	a.send("MODE #m -s")
	a.expectCmd("MODE", "#m", "-s")
	c.send("LIST")
	if m := c.expectNumeric(irc.RplList, "#m"); m.Param(2) != "2" || m.Param(3) != "op topic" {
		t.Errorf("322 = %q", m.Params)
	}
	// User modes.
	c.send("MODE carol +i")
	c.expectCmd("MODE", "carol", "+i")
	c.send("MODE carol")
	c.expectNumeric(irc.RplUModeIs, "+i")
}
