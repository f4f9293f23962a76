package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
	"github.com/weft-go/weft/leakcheck"
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
	if m := c.expectCmd("CAP", "*", "LS"); m.Param(2) != "" {
		t.Errorf("CAP LS = %q; want an empty list", m.Params)
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
		{"MODE bob +i", irc.ErrUsersDontMatch, nil},
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
	a.expectNumeric(irc.RplChannelModeIs, "#m", "+t")
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
	a.expectNumeric(irc.ErrUserNotInChannel, "nobody", "#m")
	a.send("MODE #m +z")
	a.expectNumeric(irc.ErrUnknownMode, "z")
	a.send("MODE #m")
	a.expectNumeric(irc.RplChannelModeIs, "#m", "+s")
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

func TestQuitRelayedOnce(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	for _, ch := range []string{"#one", "#two"} {
		a.join(ch)
		b.join(ch)
	}
	a.send("QUIT :gone fishing")
	if last := a.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (Quit: gone fishing)" {
		t.Errorf("last line = %q; want the closing ERROR", last)
	}
	if m := b.expectCmd("QUIT", "Quit: gone fishing"); m.Source != "alice!alice@127.0.0.1" {
		t.Errorf("QUIT source = %q", m.Source)
	}
	b.sync()
	n := 0
	for _, l := range b.lines {
		if strings.Contains(l, " QUIT ") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("bob got %d QUIT lines; want 1", n)
	}
	b.send("WHOIS alice")
	b.expectNumeric(irc.ErrNoSuchNick, "alice")
	b.send("NAMES #one")
	if m := b.expectNumeric(irc.RplNamReply, "=", "#one"); m.Param(3) != "bob" {
		t.Errorf("NAMES after the quit = %q; want bob alone", m.Param(3))
	}
}

func TestAbruptDisconnect(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#c")
	b.join("#c")
	a.nc.Close()
	if m := b.expectCmd("QUIT"); m.Param(0) != "Remote host closed the connection" && !strings.HasPrefix(m.Param(0), "Read error: ") {
		t.Errorf("QUIT reason = %q; want a closed connection", m.Param(0))
	}
	b.send("WHOIS alice")
	b.expectNumeric(irc.ErrNoSuchNick, "alice")
	s.registered(t, "alice") // the nickname is free
	st, err := s.Stats(context.Background())
	if err != nil || st.Users != 2 {
		t.Errorf("Stats() = %+v, %v; want 2 users", st, err)
	}
	// A client that disconnects in the middle of registration leaves nothing.
	x := dial(t, s.addr)
	x.send("NICK half")
	x.sync()
	x.nc.Close()
	// The release is asynchronous: x's reader sees EOF, its actor tells the
	// registry, then stops, and the server forgets the connection. Once the
	// server counts two clients, the registry has the departure in its
	// mailbox ahead of any later request. (Asking with NICK until it is
	// granted would trip the flood limit when the release is slow.)
	for i := 0; ; i++ {
		st, err := s.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Clients == 2 {
			break
		}
		if i == 1_000_000 {
			t.Fatalf("Stats().Clients = %d after x disconnected; want 2", st.Clients)
		}
	}
	y := dial(t, s.addr)
	y.send("USER half 0 * :Half", "NICK half")
	y.expect("001", func(m irc.Message) bool { return m.Command == "001" })
}

func TestOversizedLine(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#c")
	b.join("#c")
	long := "PRIVMSG #c :" + strings.Repeat("x", 600)
	a.send(long, "PRIVMSG #c :after")
	a.expectNumeric(irc.ErrInputTooLong)
	b.expectCmd("PRIVMSG", "#c", "after")
	// A line of exactly 512 bytes, CR LF included, passes.
	exact := "PRIVMSG #c :"
	exact += strings.Repeat("y", 510-len(exact))
	a.send(exact)
	// Relayed lines are cut to 512 bytes: the prefix made this one longer.
	if m := b.expectCmd("PRIVMSG", "#c"); !strings.HasPrefix(exact, "PRIVMSG #c :"+m.Param(1)) || len(m.Param(1)) < 400 {
		t.Errorf("512-byte line relayed as %d text bytes; want a cut of the original", len(m.Param(1)))
	}
	if l := b.lines[len(b.lines)-1]; len(l)+2 != irc.MaxLine {
		t.Errorf("relayed line is %d bytes; want 512", len(l)+2)
	}
	// A very long line (beyond the read buffer) too.
	a.sendRaw(strings.Repeat("z", 100_000) + "\r\nPING :alive\r\n")
	a.expectNumeric(irc.ErrInputTooLong)
	a.expectCmd("PONG", "test.server", "alive")
}

func TestGarbage(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#c")
	b.join("#c")
	garbage := []string{
		"\x00\x01\x02\xff\xfe\r\n",
		"PRIVMSG #c :hello\rPRIVMSG #c :injected\r\n", // a bare CR: the line is dropped whole
		"PRIVMSG #c :nul\x00byte\r\n",
		":\r\n", "@\r\n", "@=;; PRIVMSG\r\n", "   \r\n", "\r\n", "\n\n\n",
		"\xc3\x28\xa0\xa1 \xf0\x28\x8c\xbc\r\n",
		"PRIVMSG #c :invalid utf-8 \xc3\x28 passes\r\n",
	}
	for _, g := range garbage {
		a.sendRaw(g)
	}
	a.send("PRIVMSG #c :done")
	m := b.expectCmd("PRIVMSG", "#c")
	if got, want := m.Param(1), "invalid utf-8 \xc3\x28 passes"; got != want {
		t.Errorf("first relayed line = %q; want %q (nothing injected)", got, want)
	}
	b.expectCmd("PRIVMSG", "#c", "done")
	a.sync()
	// An unregistered client sending garbage is fine too.
	x := dial(t, s.addr)
	x.sendRaw("\xff\xff\xff\r\n\x00\r\n")
	x.register("xavier")
}

func TestFloodDisconnects(t *testing.T) {
	s := startServer(t, server.Config{Flood: server.Flood{Lines: 1, Window: time.Hour, Burst: 10}})
	a := s.registered(t, "alice") // 2 lines
	b := s.registered(t, "bob")
	a.join("#c") // 3
	b.join("#c")
	var lines []string
	for i := range 20 {
		lines = append(lines, "PRIVMSG #c :"+strconv.Itoa(i))
	}
	a.send(lines...)
	if last := a.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (Excess Flood)" {
		t.Errorf("last line = %q; want the Excess Flood ERROR", last)
	}
	b.expectCmd("QUIT", "Excess Flood")
	n := 0
	for _, l := range b.lines {
		if strings.Contains(l, "PRIVMSG") {
			n++
		}
	}
	if n != 7 {
		t.Errorf("bob got %d messages before the flood cut; want 7 (burst 10 - 3 lines)", n)
	}
}

func TestSlowConsumer(t *testing.T) {
	s := startServer(t, server.Config{
		Flood:  server.Flood{Lines: -1},
		Limits: server.Limits{MaxSendQ: 8 << 10, WriteBuffer: 4096},
	})
	slow := dialSmallBuffer(t, s.addr)
	slow.register("slow")
	slow.join("#c")
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#c")
	b.join("#c")
	text := strings.Repeat("x", 200)
	next, quit := 0, false
	for !quit && next < 20_000 {
		batch := make([]string, 10) // well below bob's SendQ
		for i := range batch {
			batch[i] = fmt.Sprintf("PRIVMSG #c :%d %s", next+i, text)
		}
		a.send(batch...)
		// bob gets every message, in order, whatever happens to slow.
		for i := 0; i < len(batch); {
			m, err := b.read()
			if err != nil {
				t.Fatalf("bob: %v", err)
			}
			switch m.Command {
			case "QUIT":
				if m.Param(0) != "SendQ exceeded" || !strings.HasPrefix(m.Source, "slow!") {
					t.Fatalf("QUIT = %q; want slow's SendQ exceeded", m.String())
				}
				quit = true
			case "PRIVMSG":
				if n, _, _ := strings.Cut(m.Param(1), " "); n != strconv.Itoa(next+i) {
					t.Fatalf("bob got message %s; want %d", n, next+i)
				}
				i++
			}
		}
		next += len(batch)
	}
	if !quit {
		t.Fatalf("slow was not disconnected after %d messages", next)
	}
	// slow reads what was written before the cut, then the closing line.
	if last := slow.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (SendQ exceeded)" {
		t.Errorf("slow's last line = %q; want the SendQ ERROR", last)
	}
	a.sync()
	b.sync()
	st, err := s.Stats(context.Background())
	if err != nil || st.Users != 2 {
		t.Errorf("Stats() = %+v, %v; want 2 users", st, err)
	}
}

// TestFanoutOrder checks the ordering guarantee: a message is queued for
// every recipient before the sender's next line is handled, so a member
// gets a sender's messages in the order they were sent, whether they went
// through the channel or directly.
func TestFanoutOrder(t *testing.T) {
	s := startServer(t, server.Config{Flood: server.Flood{Lines: -1}})
	a := s.registered(t, "alice")
	members := []*client{s.registered(t, "bob"), s.registered(t, "carol"), s.registered(t, "dave")}
	a.join("#c")
	for _, m := range members {
		m.join("#c")
	}
	for _, m := range members[:len(members)-1] {
		m.sync()
	}
	const n = 600
	lines := make([]string, n)
	for i := range lines {
		target := "#c"
		if i%3 == 1 {
			target = "bob,carol,dave" // directly, through the registry
		}
		lines[i] = fmt.Sprintf("PRIVMSG %s :%d", target, i)
	}
	a.send(lines...)
	for _, m := range members {
		for i := 0; i < n; i++ {
			msg := m.expectCmd("PRIVMSG")
			if msg.Param(1) != strconv.Itoa(i) {
				t.Fatalf("%s got message %q at position %d; want %d", m.nick, msg.Param(1), i, i)
			}
		}
	}
}

func TestShutdown(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#c")
	b.join("#c")
	unregistered := dial(t, s.addr)
	unregistered.send("NICK half")
	unregistered.sync()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown() = %v; want nil", err)
	}
	for _, c := range []*client{a, b, unregistered} {
		if last := c.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (Server shutting down)" {
			t.Errorf("%s: last line = %q; want the shutdown ERROR", c.nick, last)
		}
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown() = %v; want nil", err)
	}
	if _, err := dialErr(s.addr); err == nil {
		t.Error("the server still accepts connections after Shutdown")
	}
	leakcheck.VerifyNone(t)
}

func TestPanicInConnection(t *testing.T) {
	s := startServer(t, server.WithPanicOn(server.Config{}, "BOOM"))
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.join("#c")
	b.join("#c")
	a.send("BOOM")
	if last := a.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (Internal error)" {
		t.Errorf("last line = %q; want the Internal error ERROR", last)
	}
	b.expectCmd("QUIT", "Internal error")
	b.send("PRIVMSG #c :still alive")
	b.sync()
	s.registered(t, "alice").join("#c")
	b.expectCmd("JOIN", "#c")
	// Panicking during registration is handled the same way.
	x := dial(t, s.addr)
	x.send("BOOM")
	x.expectClosed()
}

func TestPingTimeout(t *testing.T) {
	s := startServer(t, server.Config{Limits: server.Limits{PingInterval: 100 * time.Millisecond}})
	a := s.registered(t, "alice")
	a.expectCmd("PING", "test.server")
	if last := a.expectClosed(); !strings.HasPrefix(last, "ERROR :Closing Link: 127.0.0.1 (Ping timeout") {
		t.Errorf("last line = %q; want a Ping timeout ERROR", last)
	}
	// A client that answers stays.
	b := s.registered(t, "bob")
	for range 2 {
		b.expectCmd("PING", "test.server")
		b.send("PONG :test.server")
	}
}
