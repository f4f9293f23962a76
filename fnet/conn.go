package fnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/weft-go/weft/fiber"
)

// Conn is a network connection whose reads and writes, made from a fiber,
// suspend only that fiber. It wraps a [net.Conn] with a pollable file
// descriptor (TCP and Unix-domain stream sockets) and belongs to one
// [fiber.Scheduler]: that of the fiber that made it with [NewConn], whose
// fibers may all use it.
//
// Reads and writes are first attempted directly, without blocking; only
// when the socket would block does the fiber suspend. A Conn has one
// long-lived reader goroutine (none with [WithPoller]: its [Poller] waits
// instead), which waits for the socket to become readable while a fiber
// waits to read (it holds no buffer meanwhile), and
// a writer goroutine, started on the first write that would block, which
// writes what the socket would not take at once. Both belong to the
// scheduler: [fiber.Scheduler.Close] (an actor's stop, the end of
// [fiber.Run]) waits for them, and closes the connection if it is still
// open.
//
// The zero value is not usable and a Conn must not be copied. Its methods
// must be called by its scheduler's owner (from its fibers, or from the
// code driving the scheduler), like every fiber operation; the deadline
// setters, the address getters and [Conn.WriteDirect] may also be called
// from any goroutine.
// At most one fiber reads ([Conn.Read], [Conn.ReadLine]) and one writes
// ([Conn.Write]) at a time: a second concurrent reader or writer panics.
// The wrapped net.Conn must not be read or written by anyone else.
type Conn struct {
	nc net.Conn
	rc syscall.RawConn
	s  *fiber.Scheduler

	// Owned by the scheduler's owner.
	closed  bool
	buf     []byte  // read buffer (see read.go); nil while it holds nothing
	bufp    *[]byte // buf's pool entry, nil if buf is not pooled
	rpos    int     // buf[rpos:rend] is the data read but not yet returned
	rend    int
	skip    bool         // ReadLine skips the rest of an oversized line
	reader  *fiber.Fiber // the fiber in a read call, nil if none
	writer  *fiber.Fiber // the fiber in a write call, nil if none
	rwait   fiber.Waker  // the reader waiting for readability
	wwait   fiber.Waker  // the writer waiting for its handed-off bytes
	rarmed  bool         // the reader goroutine waits for readability
	drained bool         // the last direct read was short: the socket is likely empty
	wbusy   bool         // the writer goroutine holds a job
	werr    error        // sticky error of a write that broke the stream
	wdone   int          // bytes of the last job written, for its fiber
	notify  func()       // run once the socket is readable (NotifyReadable), nil if none

	// Direct attempts, on the owner: the callback's argument and results.
	iop   []byte
	ion   int
	ioerr error

	// Handed between the owner and the goroutines. Each hand-off is
	// ordered by a channel operation (owner to goroutine) or by
	// [fiber.Scheduler.Post] (goroutine to owner): the owner does not touch
	// these while the goroutine holds them.
	rarm    chan struct{} // arms the reader goroutine; closed by Close
	warm    chan struct{} // arms the writer goroutine; nil until it starts
	rres    error         // the reader goroutine's poll result
	wjob    []byte        // the bytes the writer goroutine writes
	wjobp   *[]byte       // wjob's pool entry, nil if not pooled
	woff    int           // bytes of wjob written
	wres    error         // the writer goroutine's result
	peekb   [1]byte       // the reader goroutine's peek buffer
	peekErr error         // the error its peek consumed
	peeked  bool          // it has peeked since it was armed

	// WriteDirect's, from any goroutine: wtok orders the writes (see
	// tokFree); dp, dn and derr belong to the holder of tokDirect.
	wtok atomic.Int32
	dp   []byte
	dn   int
	derr error

	// With a Poller (WithPoller), which replaces the reader goroutine.
	poll   *Poller
	ptok   uint32        // c's token in poll
	padded bool          // the socket is in poll's epoll set; owned by the owner
	ctlErr error         // ctlCallback's result
	pev    pollEvent     // ctlCallback's argument
	ctlFn  func(uintptr) // c.ctlCallback
	dmu    sync.Mutex    // guards dtimer and rdl
	dtimer *time.Timer   // reports the read deadline to a waiting reader (poller only)
	rdl    time.Time     // the read deadline (poller only)

	// Method values made once, so that I/O allocates no closure.
	readFn, writeFn, peekFn, flushFn, directFn func(uintptr) bool
	onReadable, onWritten                      func()
}

// ConnOption configures a [Conn]; see [NewConn].
type ConnOption func(*connConfig)

type connConfig struct {
	poll *Poller
}

// WithPoller makes the connection wait for its socket to become readable
// in p, which waits for many connections on one goroutine, instead of in
// a reader goroutine of its own: an idle connection then costs no
// goroutine. Such a connection is not closed by its scheduler's Close:
// close it (an actor's Stopping hook, a fiber's deferred Close), or close
// p, which closes the connections still registered. A fiber of [fiber.Run]
// that waits to read it counts as waiting for nothing (Run may report a
// deadlock): use it with actors. A read deadline wakes a waiting reader
// through a timer.
func WithPoller(p *Poller) ConnOption {
	return func(c *connConfig) { c.poll = p }
}

// NewConn wraps nc, a connection with a pollable file descriptor (one that
// implements [syscall.Conn]: a [*net.TCPConn] or [*net.UnixConn]), for the
// fibers of f's scheduler, and starts its reader goroutine (none with
// [WithPoller]). The Conn takes nc over: close the Conn, not nc.
//
// It returns an error wrapping [ErrUnsupported] (and leaves nc open) for
// other connections, an error matching [ErrClosed] for a closed Poller,
// and f's cancellation error if f is cancelled. It does not suspend. It
// must be called from inside f.
func NewConn(f *fiber.Fiber, nc net.Conn, opts ...ConnOption) (*Conn, error) {
	var cfg connConfig
	for _, o := range opts {
		o(&cfg)
	}
	sc, ok := nc.(syscall.Conn)
	if !ok || !supported {
		return nil, fmt.Errorf("%w: %T", ErrUnsupported, nc)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("%w: %T: %w", ErrUnsupported, nc, err)
	}
	if f.Cancelled() {
		return nil, f.Yield() // the cancellation error, at once
	}
	c := &Conn{nc: nc, rc: rc, s: f.Scheduler()}
	c.readFn, c.writeFn, c.peekFn, c.flushFn, c.directFn = c.readCallback, c.writeCallback, c.peekCallback, c.flushCallback, c.directCallback
	c.onReadable, c.onWritten = c.readable, c.written
	if cfg.poll != nil {
		tok, err := cfg.poll.add(c)
		if err != nil {
			return nil, wrap("poll", nc.RemoteAddr(), err)
		}
		c.poll, c.ptok, c.ctlFn = cfg.poll, tok, c.ctlCallback
		return c, nil
	}
	c.rarm = make(chan struct{}, 1)
	c.s.Offload("fnet reader", c.readLoop)
	return c, nil
}

// armRead asks for one report that the socket is readable (readable runs
// on the owner then): from the reader goroutine, or from the poller.
func (c *Conn) armRead() {
	c.rarmed = true
	if c.poll != nil {
		c.poll.arm(c)
		return
	}
	c.rarm <- struct{}{} // never blocks: sent only while disarmed
}

// readLoop is the reader goroutine: each time it is armed it waits until
// the socket is readable (or closed, or past its read deadline), then
// tells the owner. When the scheduler closes, it closes the connection.
func (c *Conn) readLoop(ctx context.Context) func() {
	stop := context.AfterFunc(ctx, c.kill)
	defer stop()
	for {
		select {
		case _, ok := <-c.rarm:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
		c.peekErr, c.peeked = nil, false
		c.rres = c.rc.Read(c.peekFn)
		if c.rres == nil && c.peekErr != nil {
			c.rres = os.NewSyscallError("read", c.peekErr)
		}
		c.s.Post(c.onReadable)
	}
}

// peekCallback reports readability to RawConn.Read, consuming nothing.
// Its first call checks with a peek, since the socket may have become
// readable before RawConn.Read reset the poller's notification; a later
// call follows a notification from the poller and reports readable without
// a system call (a spurious one costs the fiber a read that would block,
// and a new wait). An error the peek consumed is kept in peekErr for the
// fiber.
func (c *Conn) peekCallback(fd uintptr) bool {
	if c.peeked {
		return true
	}
	c.peeked = true
	ok, err := sysReadable(fd, &c.peekb)
	c.peekErr = err
	return ok
}

// kill closes the connection when its scheduler closes; it runs on a
// goroutine of its own.
func (c *Conn) kill() { c.nc.Close() }

// readable runs on the owner once the reader goroutine has seen the
// socket readable (or failed): it wakes the waiting reader.
func (c *Conn) readable() {
	c.rarmed, c.drained = false, false
	if fn := c.notify; fn != nil {
		c.notify = nil
		fn()
	}
	if w := c.rwait; w.Fiber() != nil {
		c.rwait = fiber.Waker{}
		w.Wake(wrap("read", c.nc.RemoteAddr(), c.rres))
	}
}

// waitRead suspends f until the socket is readable, the connection closes
// or f is cancelled, and returns the error to report (nil if readable).
func (c *Conn) waitRead(f *fiber.Fiber) error {
	if c.poll != nil && c.pastReadDeadline() {
		// The deadline timer may run before the runtime's, whose expiry
		// the read checks: the read may have found the socket empty.
		return wrap("read", c.nc.RemoteAddr(), os.ErrDeadlineExceeded)
	}
	if !c.rarmed {
		c.armRead()
	}
	c.rwait = c.s.Waker(f)
	err := c.s.Suspend(f, "fnet read")
	c.rwait = fiber.Waker{}
	return err
}

// NotifyReadable arranges for fn to run once, on the owner (inside
// [fiber.Scheduler.RunReady], where fibers' wake-ups run), when the
// connection has data to read: at once (posted) if it has buffered data,
// else once the socket is readable, at the end of the stream, on a read
// error or past the read deadline. Then a read finds the data (or the
// error) without waiting. It lets a server keep no fiber for an idle
// connection: the fiber that read its last line ends, and fn starts one
// when the client sends more. [Conn.Close] drops a pending notification
// (fn does not run), as does the scheduler's Close.
//
// NotifyReadable does not suspend; it must be called by the scheduler's
// owner, while no fiber reads c and no other notification is pending (it
// panics otherwise). On a closed connection it does nothing.
func (c *Conn) NotifyReadable(fn func()) {
	if c.closed {
		return
	}
	if c.reader != nil || c.notify != nil {
		panic("fnet: Conn.NotifyReadable while a read or a notification is pending")
	}
	if c.rpos < c.rend {
		c.s.Post(fn)
		return
	}
	c.notify = fn
	if !c.rarmed {
		c.armRead()
	}
}

// Buffered returns the number of bytes read from the socket and not yet
// returned by a read call. It must be called by the scheduler's owner.
func (c *Conn) Buffered() int { return c.rend - c.rpos }

// Close closes the connection. Fibers suspended in its reads and writes
// wake with an error matching [ErrClosed]; later calls return such an
// error. Bytes that a [Conn.Write] handed to the writer goroutine and that
// are not yet sent are dropped. Lines returned by [Conn.ReadLine] are no
// longer valid.
//
// Close does not wait for the connection's goroutines, which end promptly;
// the scheduler's Close waits for them. It may be called more than once:
// later calls do nothing and return nil. It does not suspend.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.wtok.Store(tokClosed)
	c.notify = nil
	if c.poll != nil {
		c.poll.remove(c)
		c.dmu.Lock()
		if c.dtimer != nil {
			c.dtimer.Stop()
			c.dtimer = nil
		}
		c.dmu.Unlock()
	} else {
		close(c.rarm)
	}
	if c.warm != nil {
		close(c.warm)
	}
	err := c.nc.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil // closed already, as the scheduler closed
	}
	if w := c.rwait; w.Fiber() != nil {
		c.rwait = fiber.Waker{}
		w.Wake(c.closedErr("read"))
	}
	if w := c.wwait; w.Fiber() != nil {
		c.wwait = fiber.Waker{}
		w.Wake(c.closedErr("write"))
	}
	c.dropBuf()
	return err
}

// closedErr is the error of an operation on a closed connection.
func (c *Conn) closedErr(op string) error {
	return wrap(op, c.nc.RemoteAddr(), net.ErrClosed)
}

// SetDeadline sets the read and write deadlines, as [Conn.SetReadDeadline]
// and [Conn.SetWriteDeadline] do.
func (c *Conn) SetDeadline(t time.Time) error {
	err := c.nc.SetDeadline(t)
	c.pollDeadline(t)
	return err
}

// SetReadDeadline sets the deadline of reads: once t has passed, a fiber
// suspended in [Conn.Read] or [Conn.ReadLine] wakes, and later reads
// return at once, with an error matching [ErrTimeout]. The zero t means no
// deadline. It may be changed at any time, also while a fiber is
// suspended, and from any goroutine. The connection stays usable: extend
// the deadline and read again.
func (c *Conn) SetReadDeadline(t time.Time) error {
	err := c.nc.SetReadDeadline(t)
	c.pollDeadline(t)
	return err
}

// pollDeadline arranges, for a connection with a Poller, for a readable
// report at the read deadline t, so that a waiting reader wakes and meets
// the deadline in its next read (the poller itself knows no deadlines).
func (c *Conn) pollDeadline(t time.Time) {
	if c.poll == nil {
		return
	}
	c.dmu.Lock()
	defer c.dmu.Unlock()
	if c.dtimer != nil {
		c.dtimer.Stop()
		c.dtimer = nil
	}
	c.rdl = t
	if !t.IsZero() {
		c.dtimer = time.AfterFunc(time.Until(t), c.deadlinePassed)
	}
}

// pastReadDeadline reports whether the read deadline has passed (poller
// only).
func (c *Conn) pastReadDeadline() bool {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	return !c.rdl.IsZero() && !time.Now().Before(c.rdl)
}

// deadlinePassed runs on the deadline timer's goroutine.
func (c *Conn) deadlinePassed() { c.s.Post(c.onReadable) }

// SetWriteDeadline sets the deadline of writes: once t has passed, a fiber
// suspended in [Conn.Write] wakes, and later writes return at once, with
// an error matching [ErrTimeout]. A write that times out after sending
// part of its bytes breaks the connection (see [ErrWriteFailed]). The zero
// t means no deadline. It may be changed at any time, and from any
// goroutine.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

// LocalAddr returns the local network address. It may be called from any
// goroutine.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the remote network address. It may be called from any
// goroutine.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// NetConn returns the wrapped connection, for its socket options (such as
// [net.TCPConn.SetNoDelay] or SetKeepAlive). It must not be read, written
// or closed directly.
func (c *Conn) NetConn() net.Conn { return c.nc }

// enter records f as the fiber in a read or write call of c, in *slot.
func (c *Conn) enter(f *fiber.Fiber, slot **fiber.Fiber, what string) {
	if f.Scheduler() != c.s {
		panic("fnet: Conn." + what + " from a fiber of another scheduler")
	}
	if *slot != nil {
		panic("fnet: Conn." + what + " while fiber " + fmt.Sprintf("%q", (*slot).Name()) + " is in one")
	}
	*slot = f
}
