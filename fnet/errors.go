package fnet

import (
	"errors"
	"net"
	"os"
)

// ErrClosed is returned by the operations of a [Conn] or [Listener] that
// has been closed, by [Conn.Close], [Listener.Close] or because its
// scheduler closed, and wakes fibers suspended in them. Errors matching it
// also match [net.ErrClosed].
var ErrClosed = errors.New("fnet: use of closed connection")

// ErrTimeout is returned when a deadline set with [Conn.SetReadDeadline],
// [Conn.SetWriteDeadline], [Conn.SetDeadline] or [Listener.SetDeadline]
// passes before the operation completes, at once if it has already passed.
// Errors matching it also match [os.ErrDeadlineExceeded], and their
// Timeout method (see [net.Error]) reports true.
var ErrTimeout = errors.New("fnet: i/o deadline exceeded")

// ErrLineTooLong is returned by [Conn.ReadLine] for a line longer than the
// limit it was given. The line is skipped: the next ReadLine returns the
// line after it.
var ErrLineTooLong = errors.New("fnet: line too long")

// ErrWriteFailed wraps the error of a write that failed after part of its
// bytes had been sent (a deadline, a reset): the byte stream is then
// broken, and every later [Conn.Write] returns the same error.
var ErrWriteFailed = errors.New("fnet: connection broken by an earlier write failure")

// ErrUnsupported is returned by [NewConn] and [NewListener] for a
// connection or listener without a pollable file descriptor (one that does
// not implement [syscall.Conn], such as a TLS connection or [net.Pipe]),
// and on platforms other than Unix.
var ErrUnsupported = errors.New("fnet: connection without a pollable file descriptor")

// opError is the error of one operation: it names the operation and the
// connection, and unwraps to its causes (a sentinel of this package and
// the standard library's equivalent, or the system error).
type opError struct {
	op   string
	addr net.Addr
	errs []error
}

func (e *opError) Error() string {
	s := "fnet: " + e.op
	if e.addr != nil {
		s += " " + e.addr.String()
	}
	return s + ": " + e.errs[len(e.errs)-1].Error()
}

func (e *opError) Unwrap() []error { return e.errs }

// Timeout reports whether the operation's deadline passed.
func (e *opError) Timeout() bool {
	for _, err := range e.errs {
		if err == ErrTimeout {
			return true
		}
	}
	return false
}

// Temporary is for [net.Error]; like the standard library's, it reports
// false for everything but timeouts.
func (e *opError) Temporary() bool { return e.Timeout() }

// wrap turns the error of the poller or of a system call into the error
// an operation returns: closing and deadlines become the sentinels of this
// package (still matching the standard library's), system errors keep their
// errno (errors.Is(err, syscall.ECONNRESET) holds).
func wrap(op string, addr net.Addr, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &opError{op: op, addr: addr, errs: []error{os.ErrDeadlineExceeded, ErrTimeout}}
	case errors.Is(err, net.ErrClosed):
		return &opError{op: op, addr: addr, errs: []error{net.ErrClosed, ErrClosed}}
	default:
		return &opError{op: op, addr: addr, errs: []error{err}}
	}
}
