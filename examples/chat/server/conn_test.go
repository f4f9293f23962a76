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
	s := startServer(t, server.Config{Flood: server.Flood{Lines: 1, Window: time.Hour, Burst: 10, MaxDelayed: -1}})
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
		if strings.Contains(l, " PRIVMSG ") {
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
	leakcheck.VerifyNone(t, clusterThrottles...)
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
