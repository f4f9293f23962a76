package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// errClosing is the cancellation cause of a connection's reader once the
// connection is closing.
var errClosing = errors.New("server: connection closing")

// errRegistered is the cancellation cause of the registration timer once
// the client has registered.
var errRegistered = errors.New("server: registered")

// conn is the behavior of a connection actor: one per client. Its reader
// fiber reads lines and carries the protocol (registration, then the
// command loop) as sequential code; its writer fiber drains the outbound
// inbox to the socket; its pinger fiber checks that the client is alive.
//
// Every field but the immutable ones belongs to the actor's turns: the
// behavior's hooks and the fibers.
type conn struct {
	*info
	srv  *Server
	id   uint64
	nc   net.Conn
	host string // the client's IP address
	lr   *lineReader
	log  *slog.Logger

	self     *actor.Self[connMsg]
	registry actor.Ref[registryMsg]
	out      *actor.Inbox[[]byte] // lines queued for the client; any actor pushes
	reader   *fiber.Fiber
	regTimer *fiber.Fiber // until the client registers

	nick, user     string
	pass           string
	prefix         string // nick!user@host, once registered
	claimed        bool   // a nickname claim was sent to the registry
	registered     bool
	capNegotiating bool
	cap302         bool                          // CAP LS 302 (or later) was sent
	st             *userState                    // shared with the actors that hold the member
	channels       map[string]actor.Ref[chanMsg] // by folded name: every channel the client may be on
	invitedTo      map[string]invited            // channels the client is invited to, by folded name
	sink           *replySink                    // collects the replies of the labeled command being handled
	flood          bucket
	delayed        int    // lines in a row delayed by flood control
	batchID        uint64 // the last labeled-response batch's number
	lastActive     time.Time
	pingSent       bool

	closing  bool // the client is being disconnected
	reason   string
	departed bool
}

func newConn(srv *Server, id uint64, nc net.Conn) *conn {
	host, _, err := net.SplitHostPort(nc.RemoteAddr().String())
	if err != nil {
		host = nc.RemoteAddr().String()
	}
	return &conn{
		info:     srv.info,
		srv:      srv,
		id:       id,
		nc:       nc,
		host:     host,
		lr:       newLineReader(nc, srv.cfg.Limits.MaxLine+maxTagBytes),
		log:      srv.cfg.Logger.With("conn", id, "addr", nc.RemoteAddr().String()),
		registry: srv.registry,
		channels: make(map[string]actor.Ref[chanMsg]),
		st:       newUserState(),
		flood:    newBucket(srv.cfg.Flood),
	}
}

// lineWeight is the weight of a line in a client's outbound inbox: its
// length, so that Limits.MaxSendQ bounds the bytes queued.
func lineWeight(line []byte) int { return len(line) }

// Started implements [actor.Starter]: it makes the outbound inbox, which
// disconnects a slow consumer when it overflows, and starts the fibers.
func (c *conn) Started(self *actor.Self[connMsg]) {
	c.self = self
	c.out = actor.NewInbox(self, c.cfg.Limits.MaxSendQ, func() connMsg { return sendQExceeded{} }, actor.InboxWeight(lineWeight))
	c.lastActive = time.Now()
	c.log.Info("client connected")
	self.Go("writer", c.writeLoop)
	c.reader = self.Go("reader", c.readLoop)
	if c.cfg.Limits.PingInterval > 0 {
		self.Go("pinger", c.pingLoop)
	}
	c.regTimer = self.Go("registration timer", c.registrationTimer)
}

// Receive implements [actor.Behavior].
func (c *conn) Receive(self *actor.Self[connMsg], msg connMsg) {
	switch msg := msg.(type) {
	case shutdownConn:
		c.close("Server shutting down")
	case sendQExceeded:
		c.close("SendQ exceeded")
	case killed:
		c.close(msg.reason)
	case kicked:
		if ref, ok := c.channels[msg.key]; ok && ref.String() == msg.ref.String() {
			delete(c.channels, msg.key)
		}
	case invited:
		if c.invitedTo == nil {
			c.invitedTo = make(map[string]invited)
		}
		c.invitedTo[irc.Fold(msg.name)] = msg
	}
}

// Stopping implements [actor.Stopper]. On a normal close the socket is
// closed already; after a panic (or any stop the connection did not ask
// for) the client gets a best-effort closing line, then the socket is
// closed, which also ends the reader's pending read.
func (c *conn) Stopping(self *actor.Self[connMsg]) {
	if !c.closing {
		c.closing = true
		c.reason = "Internal error"
		_ = c.nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = c.nc.Write(c.closingLine())
	}
	_ = c.nc.Close()
}

// Stopped implements [actor.Stopper]: the client departs (if it had not)
// and the server forgets the connection.
func (c *conn) Stopped(self *actor.Self[connMsg]) {
	c.depart()
	c.log.Info("client disconnected", "nick", c.nick, "reason", c.reason)
	c.srv.connGone(c.id)
}

// closingLine returns "ERROR :Closing Link: host (reason)".
func (c *conn) closingLine() []byte {
	return irc.Message{Command: "ERROR", Params: []string{"Closing Link: " + c.host + " (" + c.reason + ")"}}.AppendLine(nil, c.cfg.Limits.MaxLine)
}

// close disconnects the client with reason: the outbound inbox is closed
// (the writer flushes what is queued, then the closing ERROR line, within
// CloseGrace, then closes the socket and stops the actor), the client
// departs (its nickname is released and its QUIT relayed), and the reader
// is cancelled. It runs in the actor's turns; later calls do nothing.
func (c *conn) close(reason string) {
	if c.closing {
		return
	}
	c.closing, c.reason = true, reason
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.cfg.Limits.CloseGrace))
	c.out.Close()
	c.depart()
	if c.reader != nil {
		c.reader.Cancel(errClosing)
	}
}

// depart tells the registry the client is gone, once.
func (c *conn) depart() {
	if c.departed || !c.claimed {
		c.departed = true
		return
	}
	c.departed = true
	chans := make([]actor.Ref[chanMsg], 0, len(c.channels))
	for _, ref := range c.channels {
		chans = append(chans, ref)
	}
	c.registry.Send(departed{id: c.id, reason: c.reason, channels: chans})
}

// writeLoop is the writer fiber: it takes everything queued in the
// outbound inbox, copies it into its own buffer and writes that with one
// call through fiber.Await, so that lines queued during a write go out
// together in the next. Once the inbox is closed and drained (or has
// overflowed), it writes the closing line, closes the socket and stops the
// actor.
func (c *conn) writeLoop(f *fiber.Fiber) error {
	var (
		batch [][]byte // lines taken; shared read-only with other inboxes
		buf   []byte   // what one write sends; owned by the writer (and its Await call)
		err   error
	)
	for {
		batch, err = c.out.Take(f, batch)
		if err != nil {
			if f.Cancelled() {
				return nil // the actor stops
			}
			if errors.Is(err, actor.ErrInboxFull) {
				c.close("SendQ exceeded") // done already by the overflow notice
			}
			break
		}
		buf = buf[:0]
		for _, line := range batch {
			buf = append(buf, line...)
		}
		if !c.write(f, buf) {
			return nil
		}
		if cap(buf) > 64<<10 {
			buf = nil // a burst's buffer is not kept for the idle connection
		}
		if cap(batch) > 1024 {
			batch = nil
		}
	}
	if c.write(f, c.closingLine()) {
		_ = c.nc.Close()
		c.self.Stop()
	}
	return nil
}

// write writes data to the socket through fiber.Await and reports whether
// the writer carries on. On a write error it closes the socket and stops
// the actor; if the actor stops meanwhile, the Await call may still be
// using data, which must then not be reused.
func (c *conn) write(f *fiber.Fiber, data []byte) bool {
	_, err := fiber.Await(f, func(context.Context) (int, error) { return c.nc.Write(data) })
	if err == nil {
		return true
	}
	if !f.Cancelled() {
		c.close("Write error: " + errText(err))
		_ = c.nc.Close()
		c.self.Stop()
	}
	return false
}

// pingLoop is the pinger fiber: a client silent for PingInterval gets a
// PING; if it stays silent for another PingInterval after that, it is
// disconnected.
func (c *conn) pingLoop(f *fiber.Fiber) error {
	every := c.cfg.Limits.PingInterval
	var pingedAt time.Time
	for f.Sleep(every/2) == nil && !c.closing {
		switch {
		case c.pingSent && time.Since(pingedAt) >= every:
			c.close("Ping timeout: " + strconv.Itoa(int(time.Since(c.lastActive).Seconds())) + " seconds")
			return nil
		case !c.pingSent && time.Since(c.lastActive) >= every:
			c.pingSent, pingedAt = true, time.Now()
			c.send(c.appendMsg(nil, "", "PING", c.cfg.Name))
		}
	}
	return nil
}

// readLine returns the next line from the client. If a whole line is
// buffered it returns at once; otherwise it reads from the socket through
// fiber.Await, suspending the reader fiber (never the actor).
func (c *conn) readLine(f *fiber.Fiber) (rawLine, error) {
	if c.lr.ready() {
		return c.lr.read()
	}
	return fiber.Await(f, func(context.Context) (rawLine, error) { return c.lr.read() })
}

// next returns the next message from the client: it reads lines, answers
// over-long ones with 417, applies flood control and skips lines that do
// not parse. It reports false once the client is being disconnected.
func (c *conn) next(f *fiber.Fiber) (irc.Message, bool) {
	for !c.closing {
		l, err := c.readLine(f)
		if err != nil {
			if !c.closing {
				c.close(readErrorReason(err))
			}
			break
		}
		c.lastActive, c.pingSent = time.Now(), false
		if !c.throttle(f) {
			break
		}
		if l.tooLong || untaggedLen(l.text) > c.cfg.Limits.MaxLine {
			c.numeric(irc.ErrInputTooLong, "Input line was too long")
			continue
		}
		m, err := irc.Parse(l.text)
		if errors.Is(err, irc.ErrBadCommand) {
			// Not a command of this server (nor of any): 421, or 451
			// before registration, as for any unknown command.
			if c.registered {
				c.numeric(irc.ErrUnknownCommand, m.Command, "Unknown command")
			} else {
				c.numeric(irc.ErrNotRegistered, "You have not registered")
			}
			continue
		}
		if err != nil {
			if !errors.Is(err, irc.ErrEmpty) {
				c.log.Debug("malformed line", "error", err)
			}
			continue
		}
		return m, true
	}
	return irc.Message{}, false
}

// maxTagBytes is the room a client's line may have for its message tags
// ('@' and the space after them included) on top of Limits.MaxLine, as
// IRCv3 message-tags allows.
const maxTagBytes = 4096

// untaggedLen returns the length of a line without its tag section.
func untaggedLen(line string) int {
	if len(line) == 0 || line[0] != '@' {
		return len(line)
	}
	if i := strings.IndexByte(line, ' '); i >= 0 {
		return len(line) - i - 1
	}
	return 0
}

func readErrorReason(err error) string {
	if errors.Is(err, io.EOF) {
		return "Remote host closed the connection"
	}
	return "Read error: " + errText(err)
}

// errText describes a socket error the way IRC servers do ("Connection
// reset by peer").
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "Timed out"
	}
	return err.Error()
}

// send queues a line for the client itself, outside any reply (PING); the
// line must not be modified afterwards.
func (c *conn) send(line []byte) { c.out.TryPush(line) }

// reply queues a reply to the command being handled: into the labeled
// command's sink, or the outbound queue.
func (c *conn) reply(line []byte) {
	if c.sink != nil {
		c.sink.lines = append(c.sink.lines, line)
		return
	}
	c.out.TryPush(line)
}

// numeric queues a numeric reply for the client.
func (c *conn) numeric(n irc.Numeric, params ...string) {
	c.reply(c.appendNumeric(nil, n, c.nick, params...))
}

// member returns the client as channels and the registry see it, with the
// sink of the labeled command being handled.
func (c *conn) member() member {
	var ref actor.Ref[connMsg]
	if c.self != nil {
		ref = c.self.Ref()
	}
	return member{id: c.id, nick: c.nick, user: c.user, host: c.host, out: c.out, st: c.st, conn: ref, sink: c.sink}
}
