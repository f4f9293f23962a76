package fnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/weft-go/weft/fiber"
)

// Listener is a network listener whose [Listener.Accept], called from a
// fiber, suspends only that fiber. It wraps a [net.Listener] (such as a
// [*net.TCPListener]) and belongs to the [fiber.Scheduler] of the fiber
// that made it with [NewListener] or [Listen]. It has one long-lived
// accepting goroutine, which accepts a connection each time a fiber waits
// for one; it belongs to the scheduler, whose Close waits for it and closes
// the listener if it is still open.
//
// The zero value is not usable and a Listener must not be copied. Its
// methods must be called by its scheduler's owner (from its fibers or the
// code driving it), except [Listener.Addr] and [Listener.SetDeadline],
// which any goroutine may call. One fiber accepts at a time: a second
// concurrent Accept panics.
type Listener struct {
	ln net.Listener
	s  *fiber.Scheduler

	// Owned by the scheduler's owner.
	closed   bool
	armed    bool         // the goroutine is accepting
	acceptor *fiber.Fiber // the fiber in Accept, nil if none
	wait     fiber.Waker
	ready    bool // a result nobody has taken yet
	rconn    net.Conn
	rerr     error

	// Handed between the owner and the goroutine, as in Conn.
	arm   chan struct{} // arms the goroutine; closed by Close
	gconn net.Conn
	gerr  error

	onAccepted func()
}

// Listen announces on the local network address (see [net.Listen]) and
// returns a Listener for the fibers of f's scheduler. It suspends f while
// the address is resolved and bound ([fiber.Await]).
func Listen(f *fiber.Fiber, network, address string) (*Listener, error) {
	ln, err := fiber.Await(f, func(ctx context.Context) (net.Listener, error) {
		var lc net.ListenConfig
		return lc.Listen(ctx, network, address)
	})
	if err != nil {
		return nil, err
	}
	l, err := NewListener(f, ln)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return l, nil
}

// NewListener wraps ln for the fibers of f's scheduler and starts its
// accepting goroutine. The Listener takes ln over: close the Listener, not
// ln. ln must have a file descriptor ([syscall.Conn], as TCP and Unix
// listeners have); otherwise NewListener returns an error wrapping
// [ErrUnsupported] and leaves ln open. If f is cancelled it returns f's
// cancellation error. It does not suspend; it must be called from inside f.
func NewListener(f *fiber.Fiber, ln net.Listener) (*Listener, error) {
	if _, ok := ln.(syscall.Conn); !ok || !supported {
		return nil, fmt.Errorf("%w: %T", ErrUnsupported, ln)
	}
	if f.Cancelled() {
		return nil, f.Yield()
	}
	l := &Listener{ln: ln, s: f.Scheduler(), arm: make(chan struct{}, 1)}
	l.onAccepted = l.accepted
	l.s.Offload("fnet acceptor", l.acceptLoop)
	return l, nil
}

// acceptLoop is the accepting goroutine: one Accept each time it is armed.
func (l *Listener) acceptLoop(ctx context.Context) func() {
	stop := context.AfterFunc(ctx, func() { l.ln.Close() })
	defer stop()
	for {
		select {
		case _, ok := <-l.arm:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
		l.gconn, l.gerr = l.ln.Accept()
		if nc := l.gconn; !l.s.Post(l.onAccepted) && nc != nil {
			nc.Close() // the scheduler closed: nobody will take it
		}
	}
}

// accepted runs on the owner with the goroutine's result.
func (l *Listener) accepted() {
	l.armed = false
	nc, err := l.gconn, l.gerr
	l.gconn, l.gerr = nil, nil
	if l.closed {
		if nc != nil {
			nc.Close()
		}
		return
	}
	l.ready, l.rconn, l.rerr = true, nc, err
	if w := l.wait; w.Fiber() != nil {
		l.wait = fiber.Waker{}
		w.Wake(nil)
	}
}

// Accept suspends f until a connection arrives and returns it. The
// connection is a plain [net.Conn]: wrap it with [NewConn] in the fiber
// (of this scheduler or of another actor's) that serves it.
//
// A deadline that passes ([Listener.SetDeadline]) makes Accept return an
// error matching [ErrTimeout]; closing the listener, one matching
// [ErrClosed]. If f is cancelled, Accept returns f's cancellation error;
// a connection accepted meanwhile is kept for the next Accept.
//
// Accept is a suspension point: it must be called by f itself, a fiber of
// l's scheduler, and only one fiber may accept at a time.
func (l *Listener) Accept(f *fiber.Fiber) (net.Conn, error) {
	if f.Scheduler() != l.s {
		panic("fnet: Listener.Accept from a fiber of another scheduler")
	}
	if l.acceptor != nil {
		panic(fmt.Sprintf("fnet: Listener.Accept while fiber %q is in one", l.acceptor.Name()))
	}
	l.acceptor = f
	defer func() { l.acceptor = nil }()
	for {
		if l.ready {
			nc, err := l.rconn, l.rerr
			l.ready, l.rconn, l.rerr = false, nil, nil
			if err != nil {
				return nil, wrap("accept", l.ln.Addr(), err)
			}
			return nc, nil
		}
		if l.closed {
			return nil, wrap("accept", l.ln.Addr(), net.ErrClosed)
		}
		if !l.armed {
			l.armed = true
			l.arm <- struct{}{}
		}
		l.wait = l.s.Waker(f)
		err := l.s.Suspend(f, "fnet accept")
		l.wait = fiber.Waker{}
		if err != nil {
			return nil, err
		}
	}
}

// SetDeadline sets the deadline of [Listener.Accept]: once t has passed, a
// fiber suspended in Accept wakes, and later calls return at once, with an
// error matching [ErrTimeout]. The zero t means none. It may be called
// from any goroutine.
func (l *Listener) SetDeadline(t time.Time) error {
	d, ok := l.ln.(interface{ SetDeadline(time.Time) error })
	if !ok {
		return fmt.Errorf("%w: %T has no deadline", ErrUnsupported, l.ln)
	}
	return d.SetDeadline(t)
}

// Addr returns the listener's network address. It may be called from any
// goroutine.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close closes the listener: a fiber suspended in Accept wakes with an
// error matching [ErrClosed], as later calls return. A connection accepted
// but not yet returned is closed. Close does not wait for the accepting
// goroutine, which ends promptly (the scheduler's Close waits for it); it
// may be called more than once: later calls do nothing and return nil.
func (l *Listener) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	close(l.arm)
	err := l.ln.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	if l.rconn != nil {
		l.rconn.Close()
		l.rconn = nil
	}
	l.ready = false
	if w := l.wait; w.Fiber() != nil {
		l.wait = fiber.Waker{}
		w.Wake(wrap("accept", l.ln.Addr(), net.ErrClosed))
	}
	return err
}
