package server_test

import (
	"io"
	"log"
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

func connectIRC(t *testing.T, addr, nick string) *ircClient {
	t.Helper()
	c := &ircClient{
		Connection: &ircevent.Connection{
			Server:      addr,
			Nick:        nick,
			User:        nick,
			RealName:    "ircevent " + nick,
			RequestCaps: []string{"message-tags", "server-time"},
			Timeout:     timeout,
			KeepAlive:   time.Hour,
			QuitMessage: "bye from " + nick,
			Log:         log.New(io.Discard, "", 0),
		},
		msgs: make(chan ircmsg.Message, 1000),
		done: make(chan struct{}),
	}
	for _, cmd := range []string{"PRIVMSG", "JOIN", "QUIT", "353", "366", "TOPIC", "ERROR"} {
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
