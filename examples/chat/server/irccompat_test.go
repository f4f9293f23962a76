package server_test

import (
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/ergochat/irc-go/ircevent"
	"github.com/ergochat/irc-go/ircmsg"
	"github.com/weft-go/weft/examples/chat/server"
)

// ircClient is an independent IRC client (github.com/ergochat/irc-go
// ircevent) connected to a test server, whose events are sent on msgs.
type ircClient struct {
	*ircevent.Connection
	msgs chan ircmsg.Message
	done chan struct{} // closed when Loop has returned
}

func connectIRC(t *testing.T, addr, nick string, caps ...string) *ircClient {
	t.Helper()
	if caps == nil {
		caps = []string{"message-tags", "server-time"}
	}
	c := &ircClient{
		Connection: &ircevent.Connection{
			Server:      addr,
			Nick:        nick,
			User:        nick,
			RealName:    "ircevent " + nick,
			RequestCaps: caps,
			Timeout:     timeout,
			KeepAlive:   time.Hour,
			QuitMessage: "bye from " + nick,
			Log:         log.New(io.Discard, "", 0),
		},
		msgs: make(chan ircmsg.Message, 1000),
		done: make(chan struct{}),
	}
	for _, cmd := range []string{"PRIVMSG", "TAGMSG", "JOIN", "QUIT", "AWAY", "353", "366", "TOPIC", "ERROR"} {
		c.AddCallback(cmd, func(m ircmsg.Message) { c.msgs <- m })
	}
	if err := c.Connect(); err != nil {
		t.Fatalf("ircevent Connect(%s) = %v", nick, err)
	}
	go func() { // owned by the test: it waits for done
		defer close(c.done)
		c.Loop()
	}()
	t.Cleanup(func() {
		c.Quit()
		select {
		case <-c.done:
		case <-time.After(timeout):
			t.Errorf("ircevent client %s did not stop", nick)
		}
	})
	return c
}

// wait returns the next event with command cmd from the client, dropping
// the events before it.
func (c *ircClient) wait(t *testing.T, cmd string) ircmsg.Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m := <-c.msgs:
			if m.Command == cmd {
				return m
			}
		case <-deadline:
			t.Fatalf("%s: no %s within %v", c.CurrentNick(), cmd, timeout)
		}
	}
}

// TestIRCEventClient drives the server with an independent client library.
func TestIRCEventClient(t *testing.T) {
	s := startServer(t, server.Config{MOTD: []string{"hi"}})
	alice := connectIRC(t, s.addr, "alice")
	bob := connectIRC(t, s.addr, "bob")
	if got := alice.ISupport()["CASEMAPPING"]; got != "rfc1459" {
		t.Errorf("ISUPPORT CASEMAPPING = %q; want rfc1459", got)
	}
	if caps := alice.AcknowledgedCaps(); len(caps) != 2 {
		t.Errorf("acknowledged caps = %v; want message-tags and server-time", caps)
	}

	alice.Join("#weft")
	alice.wait(t, "366")
	bob.Join("#weft")
	if m := bob.wait(t, "353"); m.Params[3] != "@alice bob" {
		t.Errorf("bob's NAMES = %q; want %q", m.Params[3], "@alice bob")
	}
	if m := alice.wait(t, "JOIN"); m.Nick() != "bob" {
		t.Errorf("alice saw %s join; want bob", m.Nick())
	}

	alice.Privmsg("#weft", "hello from ircevent")
	if m := bob.wait(t, "PRIVMSG"); m.Nick() != "alice" || m.Params[1] != "hello from ircevent" {
		t.Errorf("bob got %v; want alice's message", m)
	}
	bob.Privmsg("alice", "hi alice")
	if m := alice.wait(t, "PRIVMSG"); m.Nick() != "bob" || m.Params[0] != "alice" || m.Params[1] != "hi alice" {
		t.Errorf("alice got %v; want bob's private message", m)
	}
	alice.Send("TOPIC", "#weft", "set by ircevent")
	if m := bob.wait(t, "TOPIC"); m.Params[1] != "set by ircevent" {
		t.Errorf("TOPIC = %v", m)
	}

	bob.Quit()
	if m := alice.wait(t, "QUIT"); m.Nick() != "bob" || m.Params[0] != "Quit: bye from bob" {
		t.Errorf("alice got %v; want bob's QUIT", m)
	}
	<-bob.done
}

// TestIRCEventCapabilities negotiates the IRCv3 capabilities with the
// independent client library and uses them: server-time and client tags
// on messages, echo-message, TAGMSG, away-notify, and labeled-response
// (with batch) through the library's own label handling.
func TestIRCEventCapabilities(t *testing.T) {
	s := startServer(t, server.Config{})
	all := []string{"message-tags", "server-time", "echo-message", "batch", "labeled-response", "away-notify", "multi-prefix", "userhost-in-names", "setname", "invite-notify"}
	alice := connectIRC(t, s.addr, "alice", all...)
	bob := connectIRC(t, s.addr, "bob", all...)
	if got := alice.AcknowledgedCaps(); len(got) != len(all) {
		t.Errorf("acknowledged caps = %v; want %v", got, all)
	}
	alice.Join("#v3")
	alice.wait(t, "366")
	bob.Join("#v3")
	if m := bob.wait(t, "353"); m.Params[3] != "@alice!alice@127.0.0.1 bob!bob@127.0.0.1" {
		t.Errorf("NAMES with userhost-in-names = %q", m.Params[3])
	}
	alice.wait(t, "JOIN")

	if err := alice.SendWithTags(map[string]string{"+draft/react": "x"}, "PRIVMSG", "#v3", "tagged hello"); err != nil {
		t.Fatal(err)
	}
	m := bob.wait(t, "PRIVMSG")
	if _, v := m.GetTag("+draft/react"); v != "x" || m.Params[1] != "tagged hello" {
		t.Errorf("bob got %v; want the client tag relayed", m)
	}
	if ok, ts := m.GetTag("time"); !ok || !strings.HasSuffix(ts, "Z") {
		t.Errorf("server-time tag = %q, %v", ts, ok)
	}
	if e := alice.wait(t, "PRIVMSG"); e.Params[1] != "tagged hello" || e.Nick() != "alice" {
		t.Errorf("alice's echo = %v", e)
	}
	alice.SendWithTags(map[string]string{"+typing": "active"}, "TAGMSG", "#v3")
	if m := bob.wait(t, "TAGMSG"); m.Params[0] != "#v3" {
		t.Errorf("TAGMSG = %v", m)
	}
	alice.Send("AWAY", "busy")
	if m := bob.wait(t, "AWAY"); m.Nick() != "alice" || m.Params[0] != "busy" {
		t.Errorf("away-notify = %v", m)
	}

	batch, err := alice.GetLabeledResponse(nil, "NAMES", "#v3")
	if err != nil {
		t.Fatalf("labeled NAMES: %v", err)
	}
	if batch.Command != "BATCH" || len(batch.Items) != 2 || batch.Items[0].Command != "353" || batch.Items[1].Command != "366" {
		t.Errorf("labeled NAMES = %v with %d items; want a batch of 353 and 366", batch.Message, len(batch.Items))
	}
	one, err := alice.GetLabeledResponse(nil, "PING", "labeled")
	if err != nil || one.Command != "PONG" || len(one.Items) != 0 {
		t.Errorf("labeled PING = %v, %v; want one PONG", one, err)
	}
}
