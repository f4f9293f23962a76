package fnet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
	"github.com/weft-go/weft/leakcheck"
)

// serveActor is a connection actor whose fiber runs serve on the
// connection and reports serve's error on done.
type serveActor struct {
	nc    net.Conn
	opts  []fnet.ConnOption
	close bool // the fiber closes the connection itself
	serve func(f *fiber.Fiber, c *fnet.Conn) error
	done  chan<- error
}

func (serveActor) Receive(*actor.Self[ConnMsg], ConnMsg) {}

func (a serveActor) Started(self *actor.Self[ConnMsg]) {
	self.Go("serve", func(f *fiber.Fiber) error {
		c, err := fnet.NewConn(f, a.nc, a.opts...)
		if err != nil {
			a.done <- err
			return err
		}
		if a.close {
			defer c.Close()
		}
		err = a.serve(f, c)
		a.done <- err
		return nil
	})
}

// spawnServe runs a connection actor on the server end of a TCP pair and
// returns it with the client end.
func spawnServe(t *testing.T, sys *actor.System, close bool, serve func(*fiber.Fiber, *fnet.Conn) error) (actor.Ref[ConnMsg], *net.TCPConn, <-chan error) {
	t.Helper()
	s, c := tcpPair(t)
	done := make(chan error, 1)
	ref, err := actor.Spawn(sys, "", func() actor.Behavior[ConnMsg] {
		return serveActor{nc: s, close: close, serve: serve, done: done}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ref, c, done
}

func echo(f *fiber.Fiber, c *fnet.Conn) error {
	for {
		line, err := c.ReadLine(f, 512)
		if err != nil {
			return err
		}
		if _, err := c.Write(f, append(line, '\n')); err != nil {
			return err
		}
	}
}

func TestActorStopWakesReaderAndClosesConnection(t *testing.T) {
	for _, closes := range []bool{true, false} {
		name := map[bool]string{true: "fiber closes", false: "left open"}[closes]
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sys := actor.NewSystem()
			ref, client, done := spawnServe(t, sys, closes, echo)
			client.Write([]byte("ping\n"))
			buf := make([]byte, 5)
			if _, err := io.ReadFull(client, buf); err != nil || string(buf) != "ping\n" {
				t.Fatalf("echo = %q, %v; want ping", buf, err)
			}
			if err := ref.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; !errors.Is(err, actor.ErrStopped) || !errors.Is(err, context.Canceled) {
				t.Errorf("ReadLine when the actor stops = %v; want ErrStopped and context.Canceled", err)
			}
			client.SetReadDeadline(time.Now().Add(10 * time.Second))
			if n, err := client.Read(buf); err != io.EOF {
				t.Errorf("client Read after the stop = %d, %v; want EOF", n, err)
			}
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			leakcheck.VerifyNone(t)
		})
	}
}

func TestActorStopWakesBlockedWriter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sys := actor.NewSystem()
	blocked := make(chan struct{})
	ref, client, done := spawnServe(t, sys, true, func(f *fiber.Fiber, c *fnet.Conn) error {
		c.NetConn().(*net.TCPConn).SetWriteBuffer(4096)
		writer := f
		f.Spawn("watch", func(f *fiber.Fiber) error {
			if err := f.Yield(); err != nil { // runs again once the writer has suspended
				return err
			}
			if got := writer.Info().WaitingOn; got != "fnet write" {
				t.Errorf("writer waits on %q; want fnet write", got)
			}
			close(blocked)
			return nil
		})
		_, err := c.Write(f, bytes.Repeat([]byte("x"), 16<<20)) // the client never reads
		return err
	})
	client.SetReadBuffer(64 << 10)
	<-blocked
	if err := ref.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, actor.ErrStopped) {
		t.Errorf("Write when the actor stops = %v; want ErrStopped", err)
	}
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	leakcheck.VerifyNone(t)
}
