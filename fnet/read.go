package fnet

import (
	"bytes"
	"io"
	"os"
	"sync"

	"github.com/weft-go/weft/fiber"
)

// bufSize is the size of pooled read buffers.
const bufSize = 4096

// bufPool holds read and write buffers of bufSize bytes, so that an idle
// connection holds none: a buffer is taken when data arrives and given
// back once it is consumed. It is a cache shared by every connection of
// the process, as the standard library's are; it holds no state of its
// own.
var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// bigSize is the size of the pooled read buffers for lines longer than
// bufSize (IRC's 512 bytes plus 4,096 of message tags).
const bigSize = 2 * bufSize

// bigPool holds read buffers of bigSize bytes, as bufPool does.
var bigPool = sync.Pool{New: func() any { b := make([]byte, bigSize); return &b }}

// Read reads up to len(p) bytes into p and returns how many it read: data
// already buffered by [Conn.ReadLine] first, else what the socket has. If
// the socket has nothing, Read suspends f until data arrives. At the end
// of the stream it returns 0 and [io.EOF].
//
// A read deadline that passes ([Conn.SetReadDeadline]) makes it return an
// error matching [ErrTimeout]; closing the connection, one matching
// [ErrClosed]; a connection reset by the peer, one matching
// [syscall.ECONNRESET]. If f is cancelled, Read returns f's cancellation
// error (matching [context.Canceled] and the cause) and reads nothing.
//
// Read is a suspension point: it must be called by f itself, a fiber of
// c's scheduler, and only one fiber may read c at a time.
func (c *Conn) Read(f *fiber.Fiber, p []byte) (int, error) {
	c.enter(f, &c.reader, "Read")
	defer func() { c.reader = nil }()
	if c.rpos < c.rend {
		n := copy(p, c.buf[c.rpos:c.rend])
		c.rpos += n
		return n, nil
	}
	c.dropBuf()
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err, again := c.readSome(p)
		if !again {
			return n, err
		}
		if err := c.waitRead(f); err != nil {
			return 0, err
		}
	}
}

// ReadLine reads one line, terminated by "\n", and returns it without its
// terminator ("\n" or "\r\n"). max bounds the line's length in bytes,
// terminator included (512 for IRC): for a longer line, ReadLine returns
// nil and an error matching [ErrLineTooLong] as soon as it has read max
// bytes of it, and skips the rest, so that the next call returns the next
// line. At the end of the stream ReadLine returns [io.EOF], with the
// last line if it had no terminator (so that a caller that stops at the
// first error drops an incomplete last line, as line protocols such as
// IRC do, and one that wants it checks for a non-empty line). If the
// socket has no complete line yet, ReadLine suspends f until it has.
//
// The line points into the connection's buffer: it is valid until the
// next read call on c or [Conn.Close]. While f waits for data and nothing
// is buffered, c holds no buffer (a buffer of 4 KiB comes from a pool
// when data arrives; a line longer than that, within max, moves it to a
// buffer of 8 KiB from another pool, or of max bytes, not pooled, for a
// max over 8 KiB).
//
// Errors and cancellation are those of [Conn.Read]; bytes of an
// incomplete line stay buffered for the next call. ReadLine is a
// suspension point: it must be called by f itself, a fiber of c's
// scheduler, and only one fiber may read c at a time. It panics if max is
// not positive.
func (c *Conn) ReadLine(f *fiber.Fiber, max int) ([]byte, error) {
	if max <= 0 {
		panic("fnet: Conn.ReadLine with a max that is not positive")
	}
	c.enter(f, &c.reader, "ReadLine")
	defer func() { c.reader = nil }()
	for {
		if c.rpos < c.rend {
			data := c.buf[c.rpos:c.rend]
			i := bytes.IndexByte(data, '\n')
			switch {
			case c.skip && i < 0:
				c.rpos = c.rend
				continue
			case c.skip:
				c.rpos += i + 1
				c.skip = false
				continue
			case i >= max:
				c.rpos += i + 1
				return nil, c.lineErr()
			case i >= 0:
				c.rpos += i + 1
				return trimCR(data[:i]), nil
			case len(data) >= max:
				c.rpos = c.rend
				c.skip = true
				return nil, c.lineErr()
			}
		}
		err := c.fill(f, max)
		if err == io.EOF && c.rpos < c.rend && !c.skip {
			line := c.buf[c.rpos:c.rend]
			c.rpos = c.rend
			return trimCR(line), io.EOF
		}
		if err != nil {
			return nil, err
		}
	}
}

// ReadLineString reads one line as [Conn.ReadLine] does, with the same
// max, errors and suspension, and returns a copy of it as a string. Since
// the connection keeps no reference to the line, it gives its read buffer
// back to the pool at once when nothing more is buffered: a fiber that
// works on the line at length, suspending in requests to others, holds no
// buffer meanwhile (with ReadLine, the buffer stays until the next read
// call). It is what a server whose clients each send a line and wait for
// its answer calls, so that many connections handling a line hold one
// pooled buffer between them rather than one each.
func (c *Conn) ReadLineString(f *fiber.Fiber, max int) (string, error) {
	b, err := c.ReadLine(f, max)
	line := string(b)
	if c.rpos == c.rend {
		c.dropBuf()
	}
	return line, err
}

// trimCR drops a trailing "\r".
func trimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}

func (c *Conn) lineErr() error {
	return &opError{op: "read", addr: c.nc.RemoteAddr(), errs: []error{ErrLineTooLong}}
}

// fill reads more data into the buffer, which it makes room in (for a line
// of max bytes), suspending f until there is some. While it waits with
// nothing buffered, the buffer goes back to the pool.
func (c *Conn) fill(f *fiber.Fiber, max int) error {
	for {
		if c.rpos == c.rend {
			c.rpos, c.rend = 0, 0
		}
		switch {
		case c.buf == nil:
			// Most lines are short: start with a small buffer, grow it
			// for a long line only.
			c.bufp = bufPool.Get().(*[]byte)
			c.buf = *c.bufp
		case c.rpos > 0:
			c.rend = copy(c.buf, c.buf[c.rpos:c.rend])
			c.rpos = 0
		}
		if c.rend == len(c.buf) && len(c.buf) < max {
			// A line longer than the buffer, within max: move what is
			// buffered into a buffer of max bytes (pooled up to bigSize).
			var nbp *[]byte
			var nb []byte
			if max <= bigSize {
				nbp = bigPool.Get().(*[]byte)
				nb = *nbp
			} else {
				nb = make([]byte, max)
			}
			n := copy(nb, c.buf[:c.rend])
			c.dropBuf()
			c.buf, c.bufp, c.rend = nb, nbp, n
		}
		n, err, again := c.readSome(c.buf[c.rend:])
		if !again {
			c.rend += n
			return err
		}
		if c.rend == 0 {
			c.dropBuf()
		}
		if err := c.waitRead(f); err != nil {
			return err
		}
	}
}

// dropBuf gives the read buffer back (to the pool if it came from there).
func (c *Conn) dropBuf() {
	switch {
	case c.bufp == nil:
	case len(*c.bufp) == bigSize:
		bigPool.Put(c.bufp)
	default:
		bufPool.Put(c.bufp)
	}
	c.buf, c.bufp, c.rpos, c.rend = nil, nil, 0, 0
}

// readSome makes one non-blocking read into p, on the owner. again
// reports that the socket has no data (and n and err are zero).
func (c *Conn) readSome(p []byte) (n int, err error, again bool) {
	if c.closed {
		return 0, c.closedErr("read"), false
	}
	if c.rarmed {
		// The reader goroutine is inside RawConn.Read, which it holds a
		// lock for: wait for it (after a cancelled read, or a wake-up from
		// Close). Its report tells when the socket is readable.
		return 0, nil, true
	}
	if c.drained {
		// The last read took less than it could: the socket was empty
		// then, and most likely is now. Skip the read that would block:
		// the reader goroutine checks before it waits.
		c.drained = false
		return 0, nil, true
	}
	c.iop = p
	perr := c.rc.Read(c.readFn)
	c.iop = nil
	if perr != nil {
		return 0, wrap("read", c.nc.RemoteAddr(), perr), false
	}
	switch n, err := c.ion, c.ioerr; {
	case err == nil && n == 0:
		return 0, io.EOF, false
	case err == nil:
		c.drained = n < len(p)
		return n, nil, false
	case isAgain(err):
		return 0, nil, true
	default:
		return 0, wrap("read", c.nc.RemoteAddr(), os.NewSyscallError("read", err)), false
	}
}

// readCallback makes the direct read inside RawConn.Read.
func (c *Conn) readCallback(fd uintptr) bool {
	c.ion, c.ioerr = sysRead(fd, c.iop)
	if c.ioerr != nil {
		c.ion = 0
	}
	return true
}
