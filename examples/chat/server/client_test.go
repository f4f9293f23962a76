package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// timeout bounds every wait of the tests.
const timeout = 10 * time.Second

// testServer is a server serving on 127.0.0.1:0 for one test.
type testServer struct {
	*server.Server
	addr string
}

// startServer starts a server with cfg and shuts it down (checking that
// Serve returned) when the test ends.
func startServer(t testing.TB, cfg server.Config) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name == "" {
		cfg.Name = "test.server"
	}
	if os.Getenv("CHAT_TEST_LOG") != "" && cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := server.New(cfg)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown() = %v; want nil", err)
		}
		if err := <-served; !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("Serve() = %v; want ErrServerClosed", err)
		}
	})
	return &testServer{Server: srv, addr: ln.Addr().String()}
}

// client is a raw-line IRC test client.
type client struct {
	t     testing.TB
	nc    net.Conn
	br    *bufio.Reader
	nick  string
	lines []string // everything read, for failure reports
}

// dial connects a client; it is closed when the test ends.
func dial(t testing.TB, addr string) *client {
	t.Helper()
	return dialWith(t, addr, net.Dialer{Timeout: timeout})
}

// dialSmallBuffer connects a client whose socket receive buffer is tiny,
// so that a client that does not read fills up quickly.
func dialSmallBuffer(t testing.TB, addr string) *client {
	t.Helper()
	return dialWith(t, addr, net.Dialer{Timeout: timeout, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}})
}

func dialWith(t testing.TB, addr string, d net.Dialer) *client {
	t.Helper()
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// send writes lines, each terminated with CR LF.
func (c *client) send(lines ...string) {
	c.t.Helper()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	c.sendRaw(b.String())
}

// sendRaw writes s as it is.
func (c *client) sendRaw(s string) {
	c.t.Helper()
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c.nc, s); err != nil {
		c.t.Fatalf("%s: write: %v", c.nick, err)
	}
}

// readLine returns the next line without its CR LF.
func (c *client) readLine() (string, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(timeout))
	l, err := c.br.ReadString('\n')
	if err != nil {
		return "", err
	}
	l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
	c.lines = append(c.lines, l)
	return l, nil
}

// read returns the next message.
func (c *client) read() (irc.Message, error) {
	l, err := c.readLine()
	if err != nil {
		return irc.Message{}, err
	}
	m, err := irc.Parse(l)
	if err != nil {
		return irc.Message{}, fmt.Errorf("bad line from the server %q: %w", l, err)
	}
	return m, nil
}

// expect reads until a message for which match is true, and returns it.
func (c *client) expect(what string, match func(irc.Message) bool) irc.Message {
	c.t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			c.t.Fatalf("%s: waiting for %s: %v; read so far:\n\t%s", c.nick, what, err, strings.Join(c.lines, "\n\t"))
		}
		if match(m) {
			return m
		}
	}
}

// expectCmd reads until a message with command cmd (and, if given, these
// first parameters).
func (c *client) expectCmd(cmd string, params ...string) irc.Message {
	c.t.Helper()
	return c.expect(cmd+" "+strings.Join(params, " "), func(m irc.Message) bool {
		if m.Command != cmd || len(m.Params) < len(params) {
			return false
		}
		for i, p := range params {
			if m.Params[i] != p {
				return false
			}
		}
		return true
	})
}

// expectNumeric reads until the numeric n.
func (c *client) expectNumeric(n irc.Numeric, params ...string) irc.Message {
	c.t.Helper()
	return c.expectCmd(n.Code(), append([]string{c.nickOrStar()}, params...)...)
}

func (c *client) nickOrStar() string {
	if c.nick == "" {
		return "*"
	}
	return c.nick
}

// expectClosed reads until the server closes the connection and returns
// the last line it sent.
func (c *client) expectClosed() string {
	c.t.Helper()
	last := ""
	for {
		l, err := c.readLine()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatalf("%s: the server did not close the connection; read:\n\t%s", c.nick, strings.Join(c.lines, "\n\t"))
			}
			return last
		}
		last = l
	}
}

// register registers as nick and waits for the end of the MOTD (or 422).
func (c *client) register(nick string) {
	c.t.Helper()
	c.send("NICK "+nick, "USER "+nick+" 0 * :The "+nick)
	c.nick = nick
	c.expect("end of registration", func(m irc.Message) bool {
		return m.Command == irc.RplEndOfMotd.Code() || m.Command == irc.ErrNoMotd.Code()
	})
}

// registered connects and registers a client.
func (s *testServer) registered(t testing.TB, nick string) *client {
	t.Helper()
	c := dial(t, s.addr)
	c.register(nick)
	return c
}

// join joins channel and waits for the end of NAMES.
func (c *client) join(channel string) {
	c.t.Helper()
	c.send("JOIN " + channel)
	c.expectNumeric(irc.RplEndOfNames, channel)
}

// sync sends a PING and waits for its PONG: every line sent before has
// been handled, and everything it queued for this client has been read.
func (c *client) sync() {
	c.t.Helper()
	token := fmt.Sprintf("sync-%d", time.Now().UnixNano())
	c.send("PING " + token)
	c.expect("PONG "+token, func(m irc.Message) bool { return m.Command == "PONG" && m.Param(1) == token })
}

// dialErr tries to connect to addr.
func dialErr(addr string) (net.Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		nc.Close()
	}
	return nc, err
}

// expectExact reads until the numeric n and checks all its parameters
// after the target.
func (c *client) expectExact(n irc.Numeric, params ...string) irc.Message {
	c.t.Helper()
	m := c.expectNumeric(n)
	if got := m.Params[1:]; strings.Join(got, "\x00") != strings.Join(params, "\x00") {
		c.t.Errorf("%s: %s params = %q; want %q", c.nick, n.Code(), got, params)
	}
	return m
}

// expectLine reads the next line and checks it is exactly want.
func (c *client) expectLine(want string) {
	c.t.Helper()
	l, err := c.readLine()
	if err != nil {
		c.t.Fatalf("%s: waiting for %q: %v", c.nick, want, err)
	}
	if l != want {
		c.t.Errorf("%s: line = %q; want %q", c.nick, l, want)
	}
}

// reply is an expected numeric and its parameters after the target.
type reply struct {
	n      irc.Numeric
	params []string
}

// checkReplies sends each line of tests and checks the exact replies, in
// order, up to the PONG of a sync.
type lineTest struct {
	line string
	want []reply
}

func (c *client) checkReplies(t *testing.T, tests []lineTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c.t = t
			c.send(tt.line)
			for _, w := range tt.want {
				c.expectExact(w.n, w.params...)
			}
		})
	}
}
