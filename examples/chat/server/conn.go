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
	"sync"
	"syscall"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
)

// errClosing is the cancellation cause of a connection's reader once the
// connection is closing.
var errClosing = errors.New("server: connection closing")

// errIdle is the cancellation cause of a command loop's reader that waits
// for a client silent for PingInterval: the fiber ends, and a new one
// starts when the client sends more (see parkReader).
var errIdle = errors.New("server: client idle")

// errRegistered is the cause given to the registration timer's Cancel
// once the client has registered.
var errRegistered = errors.New("server: registered")

// conn is the behavior of a connection actor: one per client. Its reader
// fiber reads lines (fnet.Conn.ReadLine, which suspends only the fiber)
// and carries the protocol (registration, then the command loop) as
// sequential code; the flushers (flush.go) write the lines pushed to it
// while it is idle, and its writer fiber, started when they leave lines
// it must wait to write, drains the outbound inbox to the socket, several
// lines per write. The ping check and the registration timeout are timers
// that send the actor a message, not fibers. The registration's reader
// fiber ends after the welcome and the command loop's starts once the
// client sends more (fnet.Conn.NotifyReadable): a client idle since its
// welcome holds no fiber and no goroutine (its socket waits in the
// server's fnet.Poller), one that has sent commands the reader fiber.
//
// Every field but the immutable ones belongs to the actor's turns: the
// behavior's hooks and the fibers.
type conn struct {
	*info
	srv   *Server
	id    uint64
	nc    net.Conn
	fc    *fnet.Conn // made by the writer fiber, first thing; nil if nc has no descriptor
	host  string     // the client's IP address
	maxIn int        // the longest line read, terminator included

	self          *actor.Self[connMsg]
	registry      actor.Ref[registryMsg]
	out           *actor.Inbox[[]byte] // lines queued for the client; any actor pushes
	startWriterFn func()               // c.startWriter, made once
	// cut is the rest of a line the flusher began and could not finish,
	// given back with the inbox (see writeLoop); set by the flusher while
	// it holds the hand-off, read and cleared by the writer fiber once the
	// inbox is back (the inbox's lock orders the two).
	cut       []byte
	reader    *fiber.Fiber // nil while the client is idle (see commandLoop)
	resume    func()       // sends the actor startCommands (made once)
	idle      bool         // no reader fiber: the fnet.Conn will have one started (see commandLoop)
	inRead    bool         // the reader fiber waits in readLine
	parking   bool         // the reader was cancelled with errIdle (see parkReader)
	regTimer  *timer       // until the client registers
	pingTimer *timer       // the next ping check
	pingedAt  time.Time

	nick, user     string
	pass           string
	prefix         string // nick!user@host, once registered
	claimed        bool   // a nickname claim was sent to the registry
	registered     bool
	capNegotiating bool
	cap302         bool               // CAP LS 302 (or later) was sent
	st             *userState         // shared with the actors that hold the member
	channels       map[string]chanRef // by folded name: every channel the client may be on; nil until the first JOIN
	invitedTo      map[string]invited // channels the client is invited to, by folded name
	sink           *replySink         // collects the replies of the labeled command being handled
	command        string             // the command being handled
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
		maxIn:    srv.cfg.Limits.MaxLine + maxTagBytes,
		registry: srv.registry,
		st:       newUserState(),
		flood:    newBucket(srv.cfg.Flood),
	}
}

// log logs msg at level with the connection's id and address, if the
// server's logger logs at that level. The connection keeps no logger of
// its own: one is made for each record, which is rare.
func (c *conn) log(level slog.Level, msg string, args ...any) {
	l, ctx := c.cfg.Logger, context.Background()
	if !l.Enabled(ctx, level) {
		return
	}
	l.With("conn", c.id, "addr", c.nc.RemoteAddr().String()).Log(ctx, level, msg, args...)
}

// lineWeight is the weight of a line in a client's outbound inbox: its
// length, so that Limits.MaxSendQ bounds the bytes queued.
func lineWeight(line []byte) int { return len(line) }

// Started implements [actor.Starter]: it makes the outbound inbox, which
// disconnects a slow consumer when it overflows, and starts the fibers.
func (c *conn) Started(self *actor.Self[connMsg]) {
	c.self = self
	c.out = actor.NewInbox(self, c.cfg.Limits.MaxSendQ, func() connMsg { return sendQExceeded{} },
		actor.InboxWeight(lineWeight), actor.InboxHandOff[[]byte](c.kickFlusher))
	c.lastActive = time.Now()
	c.log(slog.LevelInfo, "client connected")
	self.Go("writer", c.writeLoop) // makes c.fc, then ends until there is something to write
	if c.fc == nil {
		return // the writer stopped the actor
	}
	ref := self.Ref()
	c.resume = func() { ref.Send(startCommands{}) }
	c.reader = self.Go("reader", c.readLoop)
	if every := c.cfg.Limits.PingInterval; every > 0 {
		c.pingTimer = newTimer(every/2, ref, pingCheck{})
	}
	c.regTimer = newTimer(c.cfg.Limits.RegistrationTimeout, ref, registrationTimeout{})
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
	case pingCheck:
		c.pingCheck()
	case startCommands:
		if c.closing || !c.idle {
			return
		}
		c.idle = false
		if f := self.Go("reader", c.commandLoop); !c.idle {
			c.reader = f // it did not end in its first run
		}
	case registrationTimeout:
		if !c.registered {
			c.close("Registration timed out")
		}
	case kicked:
		if ref, ok := c.channels[msg.key]; ok && ref.same(msg.ref) {
			delete(c.channels, msg.key)
		}
		if msg.line != nil {
			c.send(msg.line)
		}
	case invited:
		if c.invitedTo == nil {
			c.invitedTo = make(map[string]invited)
		}
		c.invitedTo[irc.Fold(msg.name)] = invited{name: msg.name, ref: msg.ref}
		c.send(msg.line)
	}
}

// Stopping implements [actor.Stopper]. On a normal close the socket is
// closed already; after a panic (or any stop the connection did not ask
// for) the client gets a best-effort closing line, then the socket is
// closed, which also ends the reader's pending read.
func (c *conn) Stopping(self *actor.Self[connMsg]) {
	c.regTimer.Cancel(nil)
	c.pingTimer.Cancel(nil)
	if c.fc == nil {
		_ = c.nc.Close()
		return
	}
	if !c.closing {
		c.closing = true
		c.reason = "Internal error"
		c.fc.TryWrite(c.closingLine())
	}
	_ = c.fc.Close()
}

// Stopped implements [actor.Stopper]: the client departs (if it had not)
// and the server forgets the connection.
func (c *conn) Stopped(self *actor.Self[connMsg]) {
	c.depart()
	c.log(slog.LevelInfo, "client disconnected", "nick", c.nick, "reason", c.reason)
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
	if c.fc != nil {
		_ = c.fc.SetWriteDeadline(time.Now().Add(c.cfg.Limits.CloseGrace))
	}
	c.regTimer.Cancel(nil)
	c.pingTimer.Cancel(nil)
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
	chans := make([]chanRef, 0, len(c.channels))
	for _, ref := range c.channels {
		chans = append(chans, ref)
	}
	c.registry.Send(departed{id: c.id, reason: c.reason, channels: chans})
}

// writeLoop is the writer fiber, which runs only while the outbound inbox
// has lines for it: those the flusher could not write (see flushers), or
// the last ones once the inbox is closed. The first one, started by
// Started, wraps the socket in an fnet.Conn (before its first
// suspension, so that the other fibers find it). A writer takes
// everything queued at once and writes it with as few fnet writes as it
// takes (one for up to maxWriteBytes), through a pooled buffer: lines
// queued during a write go out together in the next, and an idle
// connection holds no write buffer. When nothing is queued it parks the
// inbox (actor.Inbox.Park) and ends: the inbox's next wake-up starts a new
// writer (startWriter), and an idle connection holds no writer fiber.
// Once the inbox is closed and drained (or has overflowed), it writes the
// closing line, closes the socket and stops the actor.
func (c *conn) writeLoop(f *fiber.Fiber) error {
	if c.fc == nil {
		var opts []fnet.ConnOption
		if c.srv.poller != nil {
			opts = append(opts, fnet.WithPoller(c.srv.poller))
		}
		fc, err := fnet.NewConn(f, c.nc, opts...)
		if err != nil {
			c.log(slog.LevelError, "connection not served", "error", err)
			c.closing, c.reason = true, "Internal error"
			_ = c.nc.Close()
			c.self.Stop()
			return nil
		}
		c.fc = fc
		c.startWriterFn = c.startWriter
	}
	var batch [][]byte // lines taken; shared read-only with other inboxes
	for {
		if c.out.Park(c.startWriterFn) {
			return nil
		}
		var err error
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
		c.cut = nil // the lines given back, the cut one first, are in batch
		if !c.writeLines(f, batch) {
			return nil
		}
		if cap(batch) > 1024 {
			batch = nil // a burst's slice is not kept for the idle connection
		}
	}
	// A line the flusher had begun when the inbox overflowed (which drops
	// what it holds) is finished first, so that the closing line starts a
	// line of its own.
	if cut := c.cut; cut != nil {
		c.cut = nil
		if !c.write(f, cut) {
			return nil
		}
	}
	if c.write(f, c.closingLine()) {
		_ = c.fc.Close()
		c.self.Stop()
	}
	return nil
}

// startWriter starts a writer fiber; it is the function the writer parks
// the outbound inbox with, which runs on the actor's turn when the inbox
// has lines for a writer or closes.
func (c *conn) startWriter() { c.self.Go("writer", c.writeLoop) }

// maxWriteBytes is the most one write hands to the socket.
const maxWriteBytes = 64 << 10

// writeBufs holds the writer fibers' buffers (*[]byte), so that an idle
// connection holds none.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// writeLines writes the lines of a batch: one line as it is, several
// copied together into a pooled buffer, maxWriteBytes at most per write.
// It reports whether the writer carries on (see write).
func (c *conn) writeLines(f *fiber.Fiber, batch [][]byte) bool {
	if len(batch) == 1 {
		return c.write(f, batch[0])
	}
	bp := writeBufs.Get().(*[]byte)
	buf := (*bp)[:0]
	ok := true
	for i, line := range batch {
		buf = append(buf, line...)
		if len(buf) >= maxWriteBytes || i == len(batch)-1 {
			if ok = c.write(f, buf); !ok {
				break
			}
			buf = buf[:0]
		}
	}
	if cap(buf) <= 2*maxWriteBytes {
		*bp = buf[:0]
		writeBufs.Put(bp) // fnet.Conn.Write keeps no reference to buf
	}
	return ok
}

// write writes data to the socket, suspending the writer fiber only while
// the socket is full, and reports whether the writer carries on. On a
// write error it closes the socket and stops the actor.
func (c *conn) write(f *fiber.Fiber, data []byte) bool {
	_, err := c.fc.Write(f, data)
	if err == nil {
		return true
	}
	if !f.Cancelled() {
		c.close("Write error: " + errText(err))
		_ = c.fc.Close()
		c.self.Stop()
	}
	return false
}

// pingCheck runs every PingInterval/2, on the ping timer: a client silent
// for PingInterval gets a PING; if it stays silent for another
// PingInterval after that, it is disconnected.
func (c *conn) pingCheck() {
	if c.closing {
		return
	}
	every := c.cfg.Limits.PingInterval
	switch {
	case c.pingSent && time.Since(c.pingedAt) >= every:
		c.close("Ping timeout: " + strconv.Itoa(int(time.Since(c.lastActive).Seconds())) + " seconds")
		return
	case !c.pingSent && time.Since(c.lastActive) >= every:
		c.parkReader()
		c.pingSent, c.pingedAt = true, time.Now()
		c.send(c.appendMsg(nil, "", "PING", c.cfg.Name))
	}
	c.pingTimer.reset(every / 2)
}

// parkReader ends the command loop's reader fiber of a client silent for
// PingInterval, if it waits for a line: a silent client holds no fiber
// (its socket waits in the fnet.Conn, as after the welcome), and the next
// line it sends starts a new one (startCommands). A partial line stays
// buffered. Ending the fiber after every burst of lines instead cost a
// fiber spawn per burst (see commandLoop).
func (c *conn) parkReader() {
	if c.reader == nil || !c.registered || !c.inRead || c.closing {
		return
	}
	c.parking = true
	c.reader.Cancel(errIdle)
}

// readLine returns the next line from the client, suspending the reader
// fiber (never the actor) until one arrives. A line longer than maxIn
// (terminator included) is skipped and reported as tooLong; an
// unterminated last line is dropped.
func (c *conn) readLine(f *fiber.Fiber) (rawLine, error) {
	// A copy, so that the fnet.Conn gives its buffer back before the line
	// is handled (the handling suspends, in requests to other actors).
	c.inRead = true
	text, err := c.fc.ReadLineString(f, c.maxIn)
	c.inRead = false
	if errors.Is(err, fnet.ErrLineTooLong) {
		return rawLine{tooLong: true}, nil
	}
	if err != nil {
		return rawLine{}, err
	}
	return rawLine{text: text}, nil
}

// next returns the next message from the client: it reads lines, answers
// over-long ones with 417, applies flood control and skips lines that do
// not parse (answering 400 for those that are not empty). It reports
// false once the client is being disconnected.
func (c *conn) next(f *fiber.Fiber) (irc.Message, bool) {
	for !c.closing {
		l, err := c.readLine(f)
		if err != nil {
			if c.parking && errors.Is(err, errIdle) {
				break // the fiber ends (commandLoop)
			}
			if !c.closing {
				c.close(readErrorReason(err))
			}
			break
		}
		c.lastActive, c.pingSent = time.Now(), false
		if !c.throttle(f) {
			break
		}
		if l.tooLong || untaggedLen(l.text)+len("\r\n") > c.cfg.Limits.MaxLine {
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
				// Malformed tags, source or bytes: 400 says so, for lack of
				// a numeric of its own, and the connection goes on.
				c.log(slog.LevelDebug, "malformed line", "error", err)
				c.numeric(irc.ErrUnknownError, "*", "Malformed message: "+parseErrorReason(err))
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

// parseErrorReason names what was wrong with a line that did not parse,
// by the sentinel it wraps only: the details quote the client's bytes.
func parseErrorReason(err error) string {
	for _, e := range []error{irc.ErrBadTags, irc.ErrBadSource, irc.ErrNoCommand, irc.ErrForbiddenByte} {
		if errors.Is(err, e) {
			return strings.TrimPrefix(e.Error(), "irc: ")
		}
	}
	return "unparsable line"
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
