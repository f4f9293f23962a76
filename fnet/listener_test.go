package fnet_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
)

// listen returns a loopback listener for f's scheduler.
func listen(t *testing.T, f *fiber.Fiber) *fnet.Listener {
	t.Helper()
	ln, err := fnet.Listen(f, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// dial connects to ln from f, off the owner.
func dial(t *testing.T, f *fiber.Fiber, ln *fnet.Listener) net.Conn {
	t.Helper()
	c, err := fiber.Await(f, func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ln.Addr().String())
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAccept(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		ln := listen(t, f)
		defer ln.Close()
		acceptor := f.Spawn("acceptor", func(f *fiber.Fiber) error {
			for range 3 {
				nc, err := ln.Accept(f)
				if err != nil {
					return err
				}
				c := mustWrap(t, f, nc)
				writeAll(t, f, c, "hi\n")
				c.Close()
			}
			return nil
		})
		if got := acceptor.Info().WaitingOn; got != "fnet accept" {
			t.Errorf("acceptor waits on %q; want fnet accept", got)
		}
		for range 3 {
			c := mustWrap(t, f, dial(t, f, ln))
			if line, err := c.ReadLine(f, 10); err != nil || string(line) != "hi" {
				t.Errorf("ReadLine = %q, %v; want hi", line, err)
			}
			c.Close()
		}
		return f.Join(acceptor)
	})
}

func TestAcceptDeadline(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		ln := listen(t, f)
		defer ln.Close()
		ln.SetDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := ln.Accept(f)
		if !errors.Is(err, fnet.ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Accept past its deadline = %v; want ErrTimeout", err)
		}
		ln.SetDeadline(time.Time{})
		f.Spawn("client", func(f *fiber.Fiber) error {
			dial(t, f, ln).Close()
			return nil
		})
		if nc, err := ln.Accept(f); err != nil {
			t.Errorf("Accept after clearing the deadline = %v", err)
		} else {
			nc.Close()
		}
		return nil
	})
}

func TestCloseWakesAcceptor(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		ln := listen(t, f)
		acceptor := f.Spawn("acceptor", func(f *fiber.Fiber) error {
			_, err := ln.Accept(f)
			return err
		})
		if err := ln.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
		if err := f.Join(acceptor); !errors.Is(err, fnet.ErrClosed) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept on closed = %v; want ErrClosed", err)
		}
		if err := ln.Close(); err != nil {
			t.Errorf("second Close = %v; want nil", err)
		}
		if _, err := ln.Accept(f); !errors.Is(err, fnet.ErrClosed) {
			t.Errorf("Accept after Close = %v; want ErrClosed", err)
		}
		return nil
	})
}

func TestCancelledAcceptKeepsConnection(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		ln := listen(t, f)
		defer ln.Close()
		acceptor := f.Spawn("acceptor", func(f *fiber.Fiber) error {
			_, err := ln.Accept(f)
			return err
		})
		acceptor.Cancel(nil)
		if err := f.Join(acceptor); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Accept = %v; want context.Canceled", err)
		}
		// The accepting goroutine is still armed: the connection it takes is
		// kept for the next Accept.
		client := dial(t, f, ln)
		defer client.Close()
		nc, err := ln.Accept(f)
		if err != nil {
			t.Fatalf("Accept after a cancelled one = %v", err)
		}
		defer nc.Close()
		if nc.RemoteAddr().String() != client.LocalAddr().String() {
			t.Errorf("accepted %v; want the client %v", nc.RemoteAddr(), client.LocalAddr())
		}
		return nil
	})
}

func TestRunClosesListenerLeftOpen(t *testing.T) {
	var addr string
	run(t, func(f *fiber.Fiber) error {
		ln := listen(t, f) // never closed
		addr = ln.Addr().String()
		f.Spawn("acceptor", func(f *fiber.Fiber) error {
			_, err := ln.Accept(f)
			return err
		})
		f.Cancel(nil)
		return nil
	})
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("Dial after Run = nil error; want the listener closed")
	}
}

func TestUnsupportedListener(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		if _, err := fnet.NewListener(f, fakeListener{}); !errors.Is(err, fnet.ErrUnsupported) {
			t.Errorf("NewListener(fake) = %v; want ErrUnsupported", err)
		}
		return nil
	})
}

// fakeListener is a net.Listener without a file descriptor.
type fakeListener struct{}

func (fakeListener) Accept() (net.Conn, error) { return nil, errors.New("fake") }
func (fakeListener) Close() error              { return nil }
func (fakeListener) Addr() net.Addr            { return &net.TCPAddr{} }
