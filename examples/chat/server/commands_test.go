package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

func r(n irc.Numeric, params ...string) reply { return reply{n, params} }

func TestAway(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	a.checkReplies(t, []lineTest{
		{"AWAY :gone fishing", []reply{r(irc.RplNowAway, "You have been marked as being away")}},
	})
	b.send("PRIVMSG alice :hello?")
	b.expectExact(irc.RplAway, "alice", "gone fishing")
	a.expectCmd("PRIVMSG", "alice", "hello?")
	b.send("NOTICE alice :no 301 for a notice")
	b.sync()
	for _, l := range b.lines[len(b.lines)-1:] {
		if strings.Contains(l, " 301 ") {
			t.Errorf("NOTICE got a 301: %q", l)
		}
	}
	b.send("WHOIS alice")
	b.expectExact(irc.RplAway, "alice", "gone fishing")
	b.send("WHO alice")
	b.expectExact(irc.RplWhoReply, "*", "alice", "127.0.0.1", "test.server", "alice", "G", "0 The alice")
	b.send("USERHOST alice")
	b.expectExact(irc.RplUserHost, "alice=-alice@127.0.0.1")
	a.checkReplies(t, []lineTest{
		{"AWAY", []reply{r(irc.RplUnAway, "You are no longer marked as being away")}},
	})
	b.send("PRIVMSG alice :back?", "USERHOST alice")
	b.expectExact(irc.RplUserHost, "alice=+alice@127.0.0.1") // no 301 before it
	if strings.Contains(strings.Join(b.lines[len(b.lines)-2:], "\n"), " 301 ") {
		t.Errorf("301 after AWAY was cleared")
	}
}

func TestUserhostIson(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	s.registered(t, "Bob")
	a.checkReplies(t, []lineTest{
		{"USERHOST", []reply{r(irc.ErrNeedMoreParams, "USERHOST", "Not enough parameters")}},
		{"USERHOST bob nobody alice", []reply{r(irc.RplUserHost, "Bob=+Bob@127.0.0.1 alice=+alice@127.0.0.1")}},
		{"USERHOST nobody", []reply{r(irc.RplUserHost, "")}},
		{"ISON", []reply{r(irc.ErrNeedMoreParams, "ISON", "Not enough parameters")}},
		{"ISON bob nobody ALICE", []reply{r(irc.RplIsOn, "Bob alice")}},
		{"ISON :bob alice", []reply{r(irc.RplIsOn, "Bob alice")}},
		{"ISON nobody", []reply{r(irc.RplIsOn, "")}},
	})
}

func TestKick(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	a.join("#k")
	b.join("#k")
	b.checkReplies(t, []lineTest{
		{"KICK #k alice", []reply{r(irc.ErrChanOPrivsNeeded, "#k", "You're not channel operator")}},
	})
	c.checkReplies(t, []lineTest{
		{"KICK #k bob", []reply{r(irc.ErrNotOnChannel, "#k", "You're not on that channel")}},
	})
	a.checkReplies(t, []lineTest{
		{"KICK", []reply{r(irc.ErrNeedMoreParams, "KICK", "Not enough parameters")}},
		{"KICK #k", []reply{r(irc.ErrNeedMoreParams, "KICK", "Not enough parameters")}},
		{"KICK #none bob", []reply{r(irc.ErrNoSuchChannel, "#none", "No such channel")}},
		{"KICK #k carol", []reply{r(irc.ErrUserNotInChannel, "carol", "#k", "They aren't on that channel")}},
	})
	a.send("KICK #k bob :behave")
	a.expectCmd("KICK", "#k", "bob", "behave")
	if m := b.expectCmd("KICK", "#k", "bob", "behave"); m.Source != "alice!alice@127.0.0.1" {
		t.Errorf("KICK source = %q", m.Source)
	}
	// bob is off the channel, and his connection knows it.
	a.send("NAMES #k")
	a.expectExact(irc.RplNamReply, "=", "#k", "@alice")
	b.send("PRIVMSG #k :still here?")
	b.expectExact(irc.ErrCannotSendToChan, "#k", "Cannot send to channel")
	b.join("#k")
	a.expectCmd("JOIN", "#k")
	// Without a reason, the nickname is the reason.
	a.send("KICK #k bob")
	b.expectCmd("KICK", "#k", "bob", "bob")
}

func TestInvite(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	a.join("#i")
	a.send("MODE #i +i")
	a.expectCmd("MODE", "#i", "+i")
	c.join("#other")
	b.checkReplies(t, []lineTest{
		{"JOIN #i", []reply{r(irc.ErrInviteOnlyChan, "#i", "Cannot join channel (+i)")}},
		{"INVITE carol #i", []reply{r(irc.ErrNotOnChannel, "#i", "You're not on that channel")}},
		{"INVITE", []reply{r(irc.RplEndOfInviteList, "End of /INVITE list")}},
	})
	a.checkReplies(t, []lineTest{
		{"INVITE bob", []reply{r(irc.ErrNeedMoreParams, "INVITE", "Not enough parameters")}},
		{"INVITE nobody #i", []reply{r(irc.ErrNoSuchNick, "nobody", "No such nick/channel")}},
		{"INVITE bob #none", []reply{r(irc.ErrNoSuchChannel, "#none", "No such channel")}},
		{"INVITE alice #i", []reply{r(irc.ErrUserOnChannel, "alice", "#i", "is already on channel")}},
		{"INVITE bob #i", []reply{r(irc.RplInviting, "bob", "#i")}},
	})
	if m := b.expectCmd("INVITE", "bob", "#i"); m.Source != "alice!alice@127.0.0.1" {
		t.Errorf("INVITE source = %q", m.Source)
	}
	b.checkReplies(t, []lineTest{
		{"INVITE", []reply{r(irc.RplInviteList, "#i"), r(irc.RplEndOfInviteList, "End of /INVITE list")}},
	})
	b.join("#i") // the invitation bypasses +i
	b.send("INVITE")
	b.expectExact(irc.RplEndOfInviteList, "End of /INVITE list") // used up
	// A non-operator cannot invite to a +i channel.
	b.checkReplies(t, []lineTest{
		{"INVITE carol #i", []reply{r(irc.ErrChanOPrivsNeeded, "#i", "You're not channel operator")}},
	})
}

func TestLusers(t *testing.T) {
	s := startServer(t, server.Config{Opers: []server.Oper{{Name: "root", Password: "pw"}}})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	b.send("MODE bob +i", "OPER root pw")
	b.expectNumeric(irc.RplYoureOper)
	a.join("#x")
	half := dial(t, s.addr)
	half.send("NICK half")
	half.sync()
	a.checkReplies(t, []lineTest{
		{"LUSERS", []reply{
			r(irc.RplLuserClient, "There are 1 users and 1 invisible on 1 servers"),
			r(irc.RplLuserOp, "1", "operator(s) online"),
			r(irc.RplLuserUnknown, "1", "unknown connection(s)"),
			r(irc.RplLuserChannels, "1", "channels formed"),
			r(irc.RplLuserMe, "I have 2 clients and 0 servers"),
			r(irc.RplLocalUsers, "2", "2", "Current local users 2, max 2"),
			r(irc.RplGlobalUsers, "2", "2", "Current global users 2, max 2"),
		}},
	})
	// The counts follow mode changes and departures.
	b.send("MODE bob -i")
	b.expectCmd("MODE", "bob", "-i")
	a.send("LUSERS")
	a.expectExact(irc.RplLuserClient, "There are 2 users and 0 invisible on 1 servers")
	b.send("QUIT")
	b.expectClosed()
	// The registry hears of the departure after the socket closes: ask
	// until it has.
	for i := 0; ; i++ {
		a.send("LUSERS")
		if a.expectNumeric(irc.RplLuserClient).Param(1) == "There are 1 users and 0 invisible on 1 servers" {
			break
		}
		if i == 1000 {
			t.Fatal("LUSERS never counted bob's departure")
		}
	}
	a.expectExact(irc.RplLuserOp, "0", "operator(s) online")
}

func TestOperKillWallops(t *testing.T) {
	s := startServer(t, server.Config{Opers: []server.Oper{{Name: "root", Password: "s3cret"}}})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	b.join("#w")
	c.join("#w")
	a.checkReplies(t, []lineTest{
		{"OPER", []reply{r(irc.ErrNeedMoreParams, "OPER", "Not enough parameters")}},
		{"OPER root", []reply{r(irc.ErrNeedMoreParams, "OPER", "Not enough parameters")}},
		{"OPER root wrong", []reply{r(irc.ErrPasswdMismatch, "Password incorrect")}},
		{"OPER nobody s3cret", []reply{r(irc.ErrPasswdMismatch, "Password incorrect")}},
		{"KILL bob :bye", []reply{r(irc.ErrNoPrivileges, "Permission Denied- You're not an IRC operator")}},
		{"WALLOPS :hi", []reply{r(irc.ErrNoPrivileges, "Permission Denied- You're not an IRC operator")}},
		{"OPER root s3cret", []reply{r(irc.RplYoureOper, "You are now an IRC operator")}},
		{"MODE alice", []reply{r(irc.RplUModeIs, "+o")}},
		{"KILL", []reply{r(irc.ErrNeedMoreParams, "KILL", "Not enough parameters")}},
		{"KILL nobody :x", []reply{r(irc.ErrNoSuchNick, "nobody", "No such nick/channel")}},
	})
	a.send("WHOIS alice")
	a.expectExact(irc.RplWhoisOperator, "alice", "is an IRC operator")
	a.send("WHO alice")
	a.expectExact(irc.RplWhoReply, "*", "alice", "127.0.0.1", "test.server", "alice", "H*", "0 The alice")
	// WALLOPS reaches +w users only.
	b.send("MODE bob +w")
	b.expectCmd("MODE", "bob", "+w")
	a.send("WALLOPS :server going down")
	if m := b.expectCmd("WALLOPS", "server going down"); m.Source != "alice!alice@127.0.0.1" {
		t.Errorf("WALLOPS source = %q", m.Source)
	}
	c.sync()
	for _, l := range c.lines {
		if strings.Contains(l, "WALLOPS") {
			t.Errorf("carol (no +w) got %q", l)
		}
	}
	a.send("KILL bob :spamming")
	if last := b.expectClosed(); last != "ERROR :Closing Link: 127.0.0.1 (Killed (alice (spamming)))" {
		t.Errorf("killed client's last line = %q", last)
	}
	c.expectCmd("QUIT", "Killed (alice (spamming))")
	// -o drops operator status; +o cannot be set by MODE.
	a.send("MODE alice -o")
	a.expectCmd("MODE", "alice", "-o")
	a.send("MODE alice +o", "MODE alice")
	a.expectExact(irc.RplUModeIs, "+")
	// No operators configured: 491.
	s2 := startServer(t, server.Config{})
	x := s2.registered(t, "x")
	x.checkReplies(t, []lineTest{{"OPER root s3cret", []reply{r(irc.ErrNoOperHost, "No O-lines for your host")}}})
}

func TestServerQueries(t *testing.T) {
	s := startServer(t, server.Config{MOTD: []string{"line one"}, Admin: server.Admin{Email: "ops@test"}})
	a := s.registered(t, "alice")
	a.checkReplies(t, []lineTest{
		{"MOTD", []reply{
			r(irc.RplMotdStart, "- test.server Message of the day - "),
			r(irc.RplMotd, "- line one"),
			r(irc.RplEndOfMotd, "End of /MOTD command."),
		}},
		{"ADMIN", []reply{
			r(irc.RplAdminMe, "test.server", "Administrative info"),
			r(irc.RplAdminLoc1, "Weft IRC network"),
			r(irc.RplAdminLoc2, "Server test.server, a Weft chat server"),
			r(irc.RplAdminEmail, "ops@test"),
		}},
		{"ADMIN other.server", []reply{r(irc.ErrNoSuchServer, "other.server", "No such server")}},
		{"TIME other.server", []reply{r(irc.ErrNoSuchServer, "other.server", "No such server")}},
		{"LINKS", []reply{r(irc.RplLinks, "*", "test.server", "0 Weft chat server"), r(irc.RplEndOfLinks, "*", "End of /LINKS list")}},
		{"LINKS nomatch.*", []reply{r(irc.RplEndOfLinks, "nomatch.*", "End of /LINKS list")}},
		{"HELP nonsense", []reply{r(irc.ErrHelpNotFound, "NONSENSE", "No help available on this topic")}},
		{"HELP away", []reply{
			r(irc.RplHelpStart, "AWAY", "AWAY [:<message>]"),
			r(irc.RplHelpTxt, "AWAY", "Marks you away with the message, or back without one."),
			r(irc.RplEndOfHelp, "AWAY", "End of /HELP"),
		}},
	})
	a.send("TIME")
	if m := a.expectNumeric(irc.RplTime, "test.server"); len(m.Params) != 3 || m.Param(2) == "" {
		t.Errorf("391 = %q", m.Params)
	}
	a.send("VERSION")
	if m := a.expectNumeric(irc.RplVersion); m.Param(2) != "test.server" || !strings.HasPrefix(m.Param(1), "weft-chat-") {
		t.Errorf("351 = %q", m.Params)
	}
	a.expectNumeric(irc.RplISupport)
	a.send("INFO")
	a.expectNumeric(irc.RplInfo)
	a.expectExact(irc.RplEndOfInfo, "End of INFO list")
	a.send("HELP")
	a.expectNumeric(irc.RplHelpStart, "*")
	a.expectNumeric(irc.RplEndOfHelp, "*")
}

func TestWhowas(t *testing.T) {
	s := startServer(t, server.Config{Limits: server.Limits{Whowas: 2}})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	b.send("NICK bobby")
	b.expectCmd("NICK", "bobby")
	b.nick = "bobby"
	b.send("SETNAME :Robert")
	b.sync()
	b.send("QUIT")
	b.expectClosed()
	a.checkReplies(t, []lineTest{
		{"WHOWAS", []reply{r(irc.ErrNoNicknameGiven, "No nickname given")}},
		{"WHOWAS nobody", []reply{r(irc.ErrWasNoSuchNick, "nobody", "There was no such nickname"), r(irc.RplEndOfWhoWas, "nobody", "End of WHOWAS")}},
		{"WHOWAS bob", []reply{r(irc.RplWhoWasUser, "bob", "bob", "127.0.0.1", "*", "The bob")}},
	})
	a.expectNumeric(irc.RplWhoisServer, "bob", "test.server")
	a.expectExact(irc.RplEndOfWhoWas, "bob", "End of WHOWAS")
	a.send("WHOWAS BOBBY")
	a.expectExact(irc.RplWhoWasUser, "bobby", "bob", "127.0.0.1", "*", "Robert")
	// The history is bounded: two more departures push bob out.
	for _, n := range []string{"c1", "c2"} {
		c := s.registered(t, n)
		c.send("QUIT")
		c.expectClosed()
	}
	a.send("WHOWAS c1", "WHOWAS bob")
	a.expectNumeric(irc.RplWhoWasUser, "c1")
	a.expectExact(irc.ErrWasNoSuchNick, "bob", "There was no such nickname")
}

func TestWhoisChannels(t *testing.T) {
	s := startServer(t, server.Config{})
	a := s.registered(t, "alice")
	b := s.registered(t, "bob")
	c := s.registered(t, "carol")
	a.join("#pub")
	a.join("#sec")
	a.send("MODE #sec +s")
	a.expectCmd("MODE", "#sec", "+s")
	b.join("#pub")
	b.join("#sec")
	b.send("WHOIS alice")
	b.expectExact(irc.RplWhoisUser, "alice", "alice", "127.0.0.1", "*", "The alice")
	b.expectExact(irc.RplWhoisChannels, "alice", "@#pub @#sec")
	b.expectNumeric(irc.RplWhoisServer, "alice")
	c.send("WHOIS alice") // the secret channel is hidden from outsiders
	c.expectExact(irc.RplWhoisChannels, "alice", "@#pub")
	b.send("PART #pub")
	b.expectCmd("PART", "#pub")
	c.send("WHOIS bob")
	c.expectNumeric(irc.RplWhoisUser, "bob")
	if m := c.expect("319 or 312", func(m irc.Message) bool { return m.Command == "319" || m.Command == "312" }); m.Command != "312" {
		t.Errorf("WHOIS bob by an outsider = %q; want no channels (#sec is secret, #pub left)", m.String())
	}
	// An invisible user is seen by WHO * from those who share a channel.
	a.send("MODE alice +i")
	a.expectCmd("MODE", "alice", "+i")
	if got := whoNicks(t, c, "WHO *", "*"); slices.Contains(got, "alice") {
		t.Errorf("WHO * by carol = %q; want invisible alice hidden", got)
	}
	if got := whoNicks(t, b, "WHO *", "*"); !slices.Contains(got, "alice") {
		t.Errorf("WHO * by bob = %q; want alice (they share #sec)", got)
	}
}
