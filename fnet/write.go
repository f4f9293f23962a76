package fnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/weft-go/weft/fiber"
)

// Write writes p to the connection and returns len(p), or the number of
// bytes sent (or taken over, see below) and an error. It first writes
// directly, without suspending; while the socket would block, it copies up
// to 4 KiB of what is left into a pooled buffer, hands it to the
// connection's writer goroutine and suspends f until that has written it,
// then carries on directly. Writing several queued messages with one Write
// costs one system call, and at most one wake-up per 4 KiB that the
// socket could not take at once.
//
// A write deadline that passes ([Conn.SetWriteDeadline]) makes Write
// return an error matching [ErrTimeout]; closing the connection, one
// matching [ErrClosed]; a peer that reset the connection, one matching
// [syscall.EPIPE] or [syscall.ECONNRESET]. A write that fails after part
// of p was sent (a deadline, a reset) breaks the byte stream: it returns,
// and every later Write returns, an error matching [ErrWriteFailed] and
// the cause. If f is cancelled while it waits, Write returns f's
// cancellation error and the bytes written or taken over: the piece the
// writer goroutine holds is still sent, before anything written later.
//
// Write is a suspension point: it must be called by f itself, a fiber of
// c's scheduler, and only one fiber may write c at a time. p is not
// retained after Write returns.
func (c *Conn) Write(f *fiber.Fiber, p []byte) (int, error) {
	c.enter(f, &c.writer, "Write")
	defer c.leaveWrite()
	c.holdWrites()
	if c.wbusy && !c.closed {
		// A piece whose fiber was cancelled is still going: it goes first.
		if err := c.waitWrite(f); err != nil {
			return 0, err
		}
	}
	if c.closed {
		return 0, c.closedErr("write")
	}
	if c.werr != nil {
		return 0, c.werr
	}
	n := 0
	for n < len(p) {
		m, err, again := c.writeSome(p[n:])
		n += m
		if err != nil {
			if n > 0 {
				c.setBroken(broken(err))
				return n, c.werr
			}
			return 0, err
		}
		if !again {
			continue
		}
		if f.Cancelled() {
			err := f.Yield() // the cancellation error, at once
			if n > 0 {
				c.setBroken(broken(err))
			}
			return n, err
		}
		piece := p[n:min(len(p), n+bufSize)]
		c.handOff(piece)
		err = c.waitWrite(f)
		switch {
		case c.closed:
			return n, c.closedErr("write")
		case c.wbusy:
			return n + len(piece), err // cancelled; the writer goes on
		case c.werr != nil:
			return n + c.wdone, c.werr
		}
		n += len(piece)
	}
	return n, nil
}

// TryWrite writes p if the socket takes all of it at once, without
// suspending, and reports whether it did. It writes nothing, and reports
// false, while another write is in progress or the connection is closed or
// broken. If the socket takes only part of p, the byte stream is broken:
// TryWrite reports false and later writes fail with [ErrWriteFailed]. It
// is for a last word written where no fiber can wait, such as an actor's
// Stopping hook; fibers call [Conn.Write].
//
// TryWrite does not suspend; it must be called by c's scheduler's owner
// (a fiber or the code driving the scheduler).
func (c *Conn) TryWrite(p []byte) bool {
	if c.closed || c.werr != nil || c.wbusy || c.writer != nil || !c.wtok.CompareAndSwap(tokFree, tokOwner) {
		return false
	}
	defer c.wtok.CompareAndSwap(tokOwner, tokFree)
	for n := 0; n < len(p); {
		m, err, again := c.writeSome(p[n:])
		n += m
		if err != nil || again {
			if n > 0 {
				if err == nil {
					err = &opError{op: "write", addr: c.nc.RemoteAddr(), errs: []error{errPartial}}
				}
				c.setBroken(broken(err))
			}
			return false
		}
	}
	return true
}

// WriteDirect makes one non-blocking write of p and returns the number of
// bytes the socket took: len(p), fewer, or 0 if the socket is full or
// another write of c is in progress ([Conn.Write] or the writer goroutine
// holding its bytes, [Conn.TryWrite], another WriteDirect), and then a nil
// error; or 0 and an error if the connection is closed or broken (see
// [ErrWriteFailed]) or the system call failed. It never suspends nor
// blocks, and it does not break the stream: the bytes it did not write
// are for the caller to write later, in order, with Write.
//
// Unlike the other methods, WriteDirect may be called from any goroutine.
// It is for a queue of outgoing messages shared by several actors: the
// one that finds the queue empty and its writing fiber idle writes its
// message at once, from its own turn, rather than waking the connection's
// fiber for it, and queues what the socket does not take. The caller must
// keep the order of the stream: write nothing with WriteDirect while
// bytes written earlier are still queued on its side. A Write that starts
// during a WriteDirect waits (spinning) for its system call to return.
func (c *Conn) WriteDirect(p []byte) (int, error) {
	if !c.wtok.CompareAndSwap(tokFree, tokDirect) {
		switch c.wtok.Load() {
		case tokClosed:
			return 0, c.closedErr("write")
		case tokBroken:
			return 0, wrap("write", c.nc.RemoteAddr(), ErrWriteFailed)
		}
		return 0, nil
	}
	c.dp = p
	perr := c.rc.Write(c.directFn)
	n, err := c.dn, c.derr
	c.dp, c.derr = nil, nil
	c.wtok.CompareAndSwap(tokDirect, tokFree) // fails once Close marked c closed
	switch {
	case perr != nil:
		return 0, wrap("write", c.nc.RemoteAddr(), perr)
	case err == nil:
		return n, nil
	case isAgain(err):
		return 0, nil
	default:
		return 0, wrap("write", c.nc.RemoteAddr(), os.NewSyscallError("write", err))
	}
}

// directCallback makes WriteDirect's write inside RawConn.Write.
func (c *Conn) directCallback(fd uintptr) bool {
	c.dn, c.derr = sysWrite(fd, c.dp)
	if c.derr != nil {
		c.dn = 0
	}
	return true
}

// The states of Conn.wtok, which orders the owner's writes with
// WriteDirect's.
const (
	tokFree   int32 = iota // nobody writes
	tokOwner               // the owner writes (Write, TryWrite) or the writer goroutine holds a job
	tokDirect              // a WriteDirect is in its system call
	tokClosed              // the connection is closed: nobody writes again
	tokBroken              // the stream is broken (werr)
)

// holdWrites takes the write token for the owner, waiting for a
// WriteDirect in its system call, if any.
func (c *Conn) holdWrites() {
	for {
		switch c.wtok.Load() {
		case tokFree:
			if c.wtok.CompareAndSwap(tokFree, tokOwner) {
				return
			}
		case tokDirect:
			runtime.Gosched() // one non-blocking system call
		default:
			return // held already (a job of a cancelled Write), closed or broken
		}
	}
}

// leaveWrite ends a Write: the token is given back unless the writer
// goroutine still holds a job (then written gives it back).
func (c *Conn) leaveWrite() {
	c.writer = nil
	if !c.wbusy {
		c.wtok.CompareAndSwap(tokOwner, tokFree)
	}
}

// setBroken records the sticky error of a broken stream.
func (c *Conn) setBroken(err error) {
	c.werr = err
	if !c.closed {
		c.wtok.Store(tokBroken)
	}
}

// errPartial is why TryWrite broke the stream.
var errPartial = errors.New("TryWrite wrote part of its bytes")

// broken is the sticky error of a write that failed half-way.
func broken(err error) error { return fmt.Errorf("%w: %w", ErrWriteFailed, err) }

// writeSome makes one non-blocking write of p, on the owner. again reports
// that the socket would block (and n and err are zero).
func (c *Conn) writeSome(p []byte) (n int, err error, again bool) {
	c.iop = p
	perr := c.rc.Write(c.writeFn)
	c.iop = nil
	if perr != nil {
		return 0, wrap("write", c.nc.RemoteAddr(), perr), false
	}
	switch n, err := c.ion, c.ioerr; {
	case err == nil:
		return n, nil, false
	case isAgain(err):
		return 0, nil, true
	default:
		return 0, wrap("write", c.nc.RemoteAddr(), os.NewSyscallError("write", err)), false
	}
}

// writeCallback makes the direct write inside RawConn.Write.
func (c *Conn) writeCallback(fd uintptr) bool {
	c.ion, c.ioerr = sysWrite(fd, c.iop)
	if c.ioerr != nil {
		c.ion = 0
	}
	return true
}

// handOff gives piece (at most bufSize bytes), copied into a pooled
// buffer, to the writer goroutine, which it starts the first time.
func (c *Conn) handOff(piece []byte) {
	c.wjobp = bufPool.Get().(*[]byte)
	c.wjob = append((*c.wjobp)[:0], piece...)
	c.woff, c.wres = 0, nil
	c.wbusy = true
	if c.warm == nil {
		c.warm = make(chan struct{}, 1)
		c.s.Offload("fnet writer", c.writeLoop)
	}
	c.warm <- struct{}{} // never blocks: sent only while not busy
}

// writeLoop is the writer goroutine: each time it is armed it writes its
// job, waiting for the socket to be writable as often as needed, then
// tells the owner.
func (c *Conn) writeLoop(ctx context.Context) func() {
	for {
		select {
		case _, ok := <-c.warm:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
		if err := c.rc.Write(c.flushFn); err != nil {
			c.wres = err
		}
		c.s.Post(c.onWritten)
	}
}

// flushCallback writes the writer goroutine's job inside RawConn.Write,
// until it is written (true), the socket is full (false) or a write fails
// (true, with wres set).
func (c *Conn) flushCallback(fd uintptr) bool {
	for c.woff < len(c.wjob) {
		n, err := sysWrite(fd, c.wjob[c.woff:])
		if err != nil {
			if isAgain(err) {
				return false
			}
			c.wres = os.NewSyscallError("write", err)
			return true
		}
		c.woff += n
	}
	return true
}

// written runs on the owner once the writer goroutine is done with its job:
// it records a failure and wakes the waiting writer.
func (c *Conn) written() {
	c.wbusy = false
	c.wdone = c.woff
	if c.wjobp != nil {
		bufPool.Put(c.wjobp)
	}
	c.wjob, c.wjobp = nil, nil
	if c.wres != nil && c.werr == nil && !c.closed {
		c.setBroken(broken(wrap("write", c.nc.RemoteAddr(), c.wres)))
	}
	if c.writer == nil {
		c.wtok.CompareAndSwap(tokOwner, tokFree) // the job of a cancelled Write
	}
	if w := c.wwait; w.Fiber() != nil {
		c.wwait = fiber.Waker{}
		w.Wake(nil)
	}
}

// waitWrite suspends f until the writer goroutine is done with its job,
// the connection closes or f is cancelled.
func (c *Conn) waitWrite(f *fiber.Fiber) error {
	c.wwait = c.s.Waker(f)
	err := c.s.Suspend(f, "fnet write")
	c.wwait = fiber.Waker{}
	return err
}
