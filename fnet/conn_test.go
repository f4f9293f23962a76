package fnet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
)

// writeAll writes s on c, failing the test on error.
func writeAll(t *testing.T, f *fiber.Fiber, c *fnet.Conn, s string) {
	t.Helper()
	if n, err := c.Write(f, []byte(s)); err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v; want %d, nil", s, n, err, len(s))
	}
}

func TestEchoLines(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		f.Spawn("server", func(f *fiber.Fiber) error {
			for {
				line, err := srv.ReadLine(f, 64)
				if err != nil {
					return nil
				}
				if _, err := srv.Write(f, append([]byte("echo "), append(line, '\n')...)); err != nil {
					return err
				}
			}
		})
		for _, msg := range []string{"hello", "world", ""} {
			writeAll(t, f, cli, msg+"\r\n")
			got, err := cli.ReadLine(f, 64)
			if want := "echo " + msg; err != nil || string(got) != want {
				t.Errorf("ReadLine = %q, %v; want %q, nil", got, err, want)
			}
		}
		return nil
	})
}

func TestReadLineSplitsAndLimits(t *testing.T) {
	const max = 16
	tests := []struct {
		name   string
		writes []string
		want   []string // "ERR" stands for ErrLineTooLong, "EOF" for io.EOF
	}{
		{"one line in pieces", []string{"ab", "c", "d\r", "\n"}, []string{"abcd", "EOF"}},
		{"several lines in one write", []string{"a\nb\r\nc\n"}, []string{"a", "b", "c", "EOF"}},
		{"exactly max", []string{strings.Repeat("x", max-1) + "\n", "y\n"}, []string{strings.Repeat("x", max-1), "y", "EOF"}},
		{"one over max, terminator in view", []string{strings.Repeat("x", max) + "\nnext\n"}, []string{"ERR", "next", "EOF"}},
		{"long line in pieces", []string{strings.Repeat("x", max), strings.Repeat("y", 3*max), "z\nafter\n"}, []string{"ERR", "after", "EOF"}},
		{"last line unterminated", []string{"a\nlast"}, []string{"a", "last+EOF", "EOF"}},
		{"empty stream", nil, []string{"EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, func(f *fiber.Fiber) error {
				srv, cli := wrapPair(t, f)
				defer srv.Close()
				f.Spawn("client", func(f *fiber.Fiber) error {
					defer cli.Close()
					for _, w := range tt.writes {
						writeAll(t, f, cli, w)
						if err := f.Yield(); err != nil { // let the reader see each piece
							return err
						}
					}
					return nil
				})
				for i, want := range tt.want {
					line, err := srv.ReadLine(f, max)
					got := string(line)
					switch {
					case errors.Is(err, fnet.ErrLineTooLong):
						got = "ERR"
					case err == io.EOF && len(line) > 0:
						got += "+EOF"
					case err == io.EOF:
						got = "EOF"
					case err != nil:
						got = err.Error()
					}
					if got != want {
						t.Errorf("line %d: ReadLine = %q, %v; want %q", i, line, err, want)
					}
				}
				return nil
			})
		})
	}
}

func TestReadAfterReadLine(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		writeAll(t, f, cli, "line\nrest")
		if line, err := srv.ReadLine(f, 100); err != nil || string(line) != "line" {
			t.Fatalf("ReadLine = %q, %v; want line", line, err)
		}
		buf := make([]byte, 10)
		n, err := srv.Read(f, buf)
		if err != nil || string(buf[:n]) != "rest" {
			t.Errorf("Read = %q, %v; want rest", buf[:n], err)
		}
		return nil
	})
}

func TestPeerReset(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		srv := mustWrap(t, f, s)
		defer srv.Close()
		reader := f.Spawn("reader", func(f *fiber.Fiber) error {
			_, err := srv.ReadLine(f, 100)
			return err
		})
		c.SetLinger(0) // close with a reset
		c.Close()
		err := f.Join(reader)
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("ReadLine after a reset = %v; want ECONNRESET", err)
		}
		// Writing to the reset connection fails too.
		if _, err := srv.Write(f, []byte("x\n")); !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("Write after a reset = %v; want EPIPE or ECONNRESET", err)
		}
		return nil
	})
}

func TestCloseWakesSuspendedReader(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer cli.Close()
		reader := f.Spawn("reader", func(f *fiber.Fiber) error {
			_, err := srv.ReadLine(f, 100)
			return err
		})
		if got := reader.Info().WaitingOn; got != "fnet read" {
			t.Errorf("reader waits on %q; want fnet read", got)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
		err := f.Join(reader)
		if !errors.Is(err, fnet.ErrClosed) || !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadLine on closed = %v; want ErrClosed and net.ErrClosed", err)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("second Close = %v; want nil", err)
		}
		if _, err := srv.Read(f, make([]byte, 1)); !errors.Is(err, fnet.ErrClosed) {
			t.Errorf("Read after Close = %v; want ErrClosed", err)
		}
		if _, err := srv.Write(f, []byte("x")); !errors.Is(err, fnet.ErrClosed) {
			t.Errorf("Write after Close = %v; want ErrClosed", err)
		}
		return nil
	})
}

// fillUntilBlocked makes a write on srv that the socket cannot take (the
// peer does not read) and returns the writing fiber, suspended.
func blockedWriter(t *testing.T, f *fiber.Fiber, s *net.TCPConn, srv *fnet.Conn, size int) (*fiber.Fiber, *int) {
	t.Helper()
	s.SetWriteBuffer(4096)
	n := new(int)
	w := f.Spawn("writer", func(f *fiber.Fiber) error {
		var err error
		*n, err = srv.Write(f, bytes.Repeat([]byte("w"), size))
		return err
	})
	if got := w.Info().WaitingOn; got != "fnet write" {
		t.Fatalf("writer waits on %q; want fnet write", got)
	}
	return w, n
}

func TestCloseWakesSuspendedWriter(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		c.SetReadBuffer(64 << 10)
		srv := mustWrap(t, f, s)
		w, _ := blockedWriter(t, f, s, srv, 8<<20)
		srv.Close()
		if err := f.Join(w); !errors.Is(err, fnet.ErrClosed) {
			t.Errorf("Write on closed = %v; want ErrClosed", err)
		}
		return nil
	})
}

func TestReadDeadline(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		srv.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := srv.ReadLine(f, 100)
		var ne net.Error
		if !errors.Is(err, fnet.ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("ReadLine past its deadline = %v; want ErrTimeout, os.ErrDeadlineExceeded, a net.Error with Timeout", err)
		}
		// A deadline in the past fails at once, even with data waiting.
		writeAll(t, f, cli, "data\n")
		if err := f.Sleep(10 * time.Millisecond); err != nil { // not a wait for a signal: the data must be there
			return err
		}
		if _, err := srv.Read(f, make([]byte, 10)); !errors.Is(err, fnet.ErrTimeout) {
			t.Errorf("Read with a past deadline = %v; want ErrTimeout", err)
		}
		// Clearing the deadline makes the connection usable again.
		srv.SetReadDeadline(time.Time{})
		if line, err := srv.ReadLine(f, 100); err != nil || string(line) != "data" {
			t.Errorf("ReadLine after clearing the deadline = %q, %v; want data", line, err)
		}
		return nil
	})
}

func TestWriteDeadlineBreaksStream(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		c.SetReadBuffer(64 << 10)
		srv := mustWrap(t, f, s)
		defer srv.Close()
		w, n := blockedWriter(t, f, s, srv, 8<<20)
		srv.SetWriteDeadline(time.Now().Add(20 * time.Millisecond)) // while the writer waits
		err := f.Join(w)
		if !errors.Is(err, fnet.ErrTimeout) || !errors.Is(err, fnet.ErrWriteFailed) {
			t.Errorf("Write past its deadline = %v; want ErrTimeout and ErrWriteFailed", err)
		}
		if *n <= 0 || *n >= 8<<20 {
			t.Errorf("Write past its deadline wrote %d bytes; want some, not all", *n)
		}
		srv.SetWriteDeadline(time.Time{})
		if _, err := srv.Write(f, []byte("more")); !errors.Is(err, fnet.ErrWriteFailed) {
			t.Errorf("Write after a broken write = %v; want ErrWriteFailed", err)
		}
		return nil
	})
}

func TestWriteDeadlinePassedWritesNothing(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		srv.SetWriteDeadline(time.Now().Add(-time.Second))
		if n, err := srv.Write(f, []byte("x\n")); n != 0 || !errors.Is(err, fnet.ErrTimeout) || errors.Is(err, fnet.ErrWriteFailed) {
			t.Errorf("Write past the deadline = %d, %v; want 0, ErrTimeout (not broken)", n, err)
		}
		srv.SetWriteDeadline(time.Time{})
		writeAll(t, f, srv, "ok\n")
		if line, err := cli.ReadLine(f, 10); err != nil || string(line) != "ok" {
			t.Errorf("ReadLine = %q, %v; want ok", line, err)
		}
		return nil
	})
}

func TestCancelSuspendedRead(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		cause := errors.New("give up")
		reader := f.Spawn("reader", func(f *fiber.Fiber) error {
			_, err := srv.ReadLine(f, 100)
			return err
		})
		reader.Cancel(cause)
		if err := f.Join(reader); !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
			t.Errorf("cancelled ReadLine = %v; want context.Canceled and the cause", err)
		}
		// Another fiber reads on: nothing was lost.
		writeAll(t, f, cli, "after\n")
		if line, err := srv.ReadLine(f, 100); err != nil || string(line) != "after" {
			t.Errorf("ReadLine after a cancelled one = %q, %v; want after", line, err)
		}
		return nil
	})
}

func TestCancelSuspendedWriteKeepsOrder(t *testing.T) {
	const size = 1 << 20
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		c.SetReadBuffer(64 << 10)
		srv := mustWrap(t, f, s)
		cli := mustWrap(t, f, c)
		defer cli.Close()
		w, n := blockedWriter(t, f, s, srv, size)
		w.Cancel(nil)
		if err := f.Join(w); !errors.Is(err, context.Canceled) || *n <= 0 || *n >= size {
			t.Errorf("cancelled Write = %d, %v; want some bytes, not all, and context.Canceled", *n, err)
		}
		f.Spawn("writer 2", func(f *fiber.Fiber) error {
			defer srv.Close()
			writeAll(t, f, srv, "tail")
			return nil
		})
		var got bytes.Buffer
		buf := make([]byte, 64<<10)
		for {
			n, err := cli.Read(f, buf)
			got.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if want := strings.Repeat("w", *n) + "tail"; got.String() != want { // what Write reported, then the next write
			t.Errorf("client read %d bytes (tail %q); want %d ending in tail", got.Len(), got.Bytes()[max(0, got.Len()-8):], len(want))
		}
		return nil
	})
}

func TestSlowReaderGetsEverythingInOrder(t *testing.T) {
	const writes, size = 64, 64 << 10
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		s.SetWriteBuffer(16 << 10)
		srv, cli := mustWrap(t, f, s), mustWrap(t, f, c)
		defer cli.Close()
		writer := f.Spawn("writer", func(f *fiber.Fiber) error {
			defer srv.Close()
			for i := range writes {
				if _, err := srv.Write(f, bytes.Repeat([]byte{byte('a' + i%26)}, size)); err != nil {
					return err
				}
			}
			return nil
		})
		buf := make([]byte, 1000) // small reads: the writer keeps blocking
		var got []byte
		blocked := 0
		for {
			if writer.Info().WaitingOn == "fnet write" {
				blocked++
			}
			n, err := cli.Read(f, buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		if blocked == 0 {
			t.Errorf("the writer never waited for the socket to drain")
		}
		if len(got) != writes*size {
			t.Fatalf("read %d bytes; want %d", len(got), writes*size)
		}
		for i := range writes {
			if chunk := got[i*size : (i+1)*size]; !bytes.Equal(chunk, bytes.Repeat([]byte{byte('a' + i%26)}, size)) {
				t.Fatalf("chunk %d is wrong", i)
			}
		}
		return nil
	})
}

func TestRunClosesConnectionsLeftOpen(t *testing.T) {
	s, c := tcpPair(t)
	run(t, func(f *fiber.Fiber) error {
		srv := mustWrap(t, f, s)
		f.Spawn("reader", func(f *fiber.Fiber) error {
			_, err := srv.ReadLine(f, 100) // never closed: Run must still end
			return err
		})
		f.Cancel(nil) // cancels the reader too
		return nil
	})
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("peer Read after Run = %d, %v; want EOF", n, err)
	}
}

func TestUnsupportedConn(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	run(t, func(f *fiber.Fiber) error {
		if _, err := fnet.NewConn(f, a); !errors.Is(err, fnet.ErrUnsupported) {
			t.Errorf("NewConn(net.Pipe) = %v; want ErrUnsupported", err)
		}
		return nil
	})
}

func TestNewConnCancelled(t *testing.T) {
	s, _ := tcpPair(t)
	run(t, func(f *fiber.Fiber) error {
		f.Cancel(nil)
		if c, err := fnet.NewConn(f, s); c != nil || !errors.Is(err, context.Canceled) {
			t.Errorf("NewConn from a cancelled fiber = %v, %v; want nil, context.Canceled", c, err)
		}
		return nil
	})
}

func TestConcurrentReadersPanic(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		f.Spawn("reader", func(f *fiber.Fiber) error {
			_, err := srv.ReadLine(f, 10)
			return err
		})
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(r.(string), "fnet: ") {
				t.Errorf("second reader: recovered %v; want an fnet: panic", r)
			}
			srv.Close()
		}()
		srv.Read(f, make([]byte, 1))
		return nil
	})
}

func TestIdleConnHoldsNoBuffer(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		reader := f.Spawn("reader", func(f *fiber.Fiber) error {
			for {
				if _, err := srv.ReadLine(f, 512); err != nil {
					return err
				}
			}
		})
		if fnet.HoldsBuffer(srv) {
			t.Errorf("a connection that has read nothing holds a buffer")
		}
		writeAll(t, f, cli, "one\ntwo\nthr")
		for reader.Info().WaitingOn != "fnet read" || !fnet.HoldsBuffer(srv) {
			if err := f.Yield(); err != nil { // until the reader has the partial line
				return err
			}
		}
		writeAll(t, f, cli, "ee\n")
		for {
			if err := f.Yield(); err != nil {
				return err
			}
			if reader.Info().WaitingOn == "fnet read" && !fnet.HoldsBuffer(srv) {
				break // all consumed, waiting, and the buffer given back
			}
		}
		if fnet.WriterStarted(srv) || fnet.WriterStarted(cli) {
			t.Errorf("writes that never blocked started a writer goroutine")
		}
		srv.Close()
		return nil
	})
}

func TestTryWrite(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		c.SetReadBuffer(64 << 10)
		s.SetWriteBuffer(4096)
		srv, cli := mustWrap(t, f, s), mustWrap(t, f, c)
		defer srv.Close()
		defer cli.Close()
		if !srv.TryWrite([]byte("bye\n")) {
			t.Fatalf("TryWrite of a short line = false; want true")
		}
		if line, err := cli.ReadLine(f, 10); err != nil || string(line) != "bye" {
			t.Errorf("ReadLine = %q, %v; want bye", line, err)
		}
		// More than the socket takes: a part is written, the stream breaks.
		if srv.TryWrite(bytes.Repeat([]byte("x"), 16<<20)) {
			t.Fatalf("TryWrite of 16 MiB to a peer that does not read = true; want false")
		}
		if _, err := srv.Write(f, []byte("more")); !errors.Is(err, fnet.ErrWriteFailed) {
			t.Errorf("Write after a partial TryWrite = %v; want ErrWriteFailed", err)
		}
		if srv.TryWrite([]byte("x")) {
			t.Errorf("TryWrite on a broken stream = true; want false")
		}
		srv.Close()
		if srv.TryWrite([]byte("x")) {
			t.Errorf("TryWrite on a closed connection = true; want false")
		}
		return nil
	})
}

func TestReaderWriterAdapters(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		defer cli.Close()
		f.Spawn("writer", func(f *fiber.Fiber) error {
			_, err := fmt.Fprintf(cli.Writer(f), "%d-%s", 42, "answer")
			return err
		})
		buf := make([]byte, len("42-answer"))
		if _, err := io.ReadFull(srv.Reader(f), buf); err != nil || string(buf) != "42-answer" {
			t.Errorf("ReadFull = %q, %v; want 42-answer", buf, err)
		}
		return nil
	})
}

func TestPeerResetDuringBlockedWrite(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		c.SetReadBuffer(64 << 10)
		srv := mustWrap(t, f, s)
		defer srv.Close()
		w, _ := blockedWriter(t, f, s, srv, 16<<20)
		c.SetLinger(0)
		c.Close() // a reset reaches the writer goroutine
		err := f.Join(w)
		if !errors.Is(err, fnet.ErrWriteFailed) || !(errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
			t.Errorf("Write when the peer resets = %v; want ErrWriteFailed and ECONNRESET or EPIPE", err)
		}
		return nil
	})
}

func TestUnixSocket(t *testing.T) {
	path := t.TempDir() + "/s"
	run(t, func(f *fiber.Fiber) error {
		ln, err := fnet.Listen(f, "unix", path)
		if err != nil {
			return err
		}
		defer ln.Close()
		f.Spawn("client", func(f *fiber.Fiber) error {
			nc, err := fiber.Await(f, func(ctx context.Context) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", path)
			})
			if err != nil {
				return err
			}
			c := mustWrap(t, f, nc)
			defer c.Close()
			writeAll(t, f, c, "over unix\n")
			return nil
		})
		nc, err := ln.Accept(f)
		if err != nil {
			return err
		}
		c := mustWrap(t, f, nc)
		defer c.Close()
		if line, err := c.ReadLine(f, 100); err != nil || string(line) != "over unix" {
			t.Errorf("ReadLine = %q, %v; want over unix", line, err)
		}
		return nil
	})
}

// TestWriteDirect writes from another goroutine: all of a short line; a
// part of more than the socket takes, without breaking the stream (Write
// sends the rest, in order); nothing while a Write waits; an error once
// the connection is closed.
func TestWriteDirect(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		s, c := tcpPair(t)
		c.SetReadBuffer(64 << 10)
		s.SetWriteBuffer(4096)
		srv, cli := mustWrap(t, f, s), mustWrap(t, f, c)
		defer srv.Close()
		defer cli.Close()
		direct := func(p []byte) (int, error) { // on a goroutine of its own
			type result struct {
				n   int
				err error
			}
			ch := make(chan result, 1)
			go func() { n, err := srv.WriteDirect(p); ch <- result{n, err} }()
			r := <-ch
			return r.n, r.err
		}
		if n, err := direct([]byte("hi\n")); n != 3 || err != nil {
			t.Fatalf("WriteDirect of a short line = %d, %v; want 3, nil", n, err)
		}
		if line, err := cli.ReadLine(f, 10); err != nil || string(line) != "hi" {
			t.Errorf("ReadLine = %q, %v; want hi", line, err)
		}
		big := bytes.Repeat([]byte("y"), 8<<20)
		big[len(big)-1] = '\n'
		n, err := direct(big)
		if err != nil || n <= 0 || n >= len(big) {
			t.Fatalf("WriteDirect of 8 MiB to a peer that does not read = %d, %v; want a part, nil", n, err)
		}
		// The rest, by a fiber that suspends while the peer reads.
		rest := f.Spawn("rest", func(f *fiber.Fiber) error {
			_, err := srv.Write(f, big[n:])
			return err
		})
		if m, err := direct([]byte("x")); m != 0 || err != nil {
			t.Errorf("WriteDirect while a Write waits = %d, %v; want 0, nil", m, err)
		}
		line, err := cli.ReadLine(f, len(big))
		if err != nil || len(line) != len(big)-1 {
			t.Errorf("ReadLine = %d bytes, %v; want %d", len(line), err, len(big)-1)
		}
		if err := f.Join(rest); err != nil {
			t.Errorf("Write of the rest = %v; want nil", err)
		}
		srv.Close()
		if _, err := direct([]byte("x")); !errors.Is(err, fnet.ErrClosed) {
			t.Errorf("WriteDirect on a closed connection = %v; want ErrClosed", err)
		}
		return nil
	})
}
