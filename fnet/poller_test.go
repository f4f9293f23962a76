//go:build linux

package fnet_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
	"github.com/weft-go/weft/leakcheck"
)

// spawnPolled is spawnServe for a connection made with poller p.
func spawnPolled(t *testing.T, sys *actor.System, p *fnet.Poller, serve func(*fiber.Fiber, *fnet.Conn) error) (actor.Ref[ConnMsg], *net.TCPConn, <-chan error) {
	t.Helper()
	s, c := tcpPair(t)
	done := make(chan error, 1)
	ref, err := actor.Spawn(sys, "", func() actor.Behavior[ConnMsg] {
		return serveActor{nc: s, opts: []fnet.ConnOption{fnet.WithPoller(p)}, close: true, serve: serve, done: done}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ref, c, done
}

// TestPollerEchoNotifyDeadline serves connections whose reads wait in a
// Poller: an echo of lines sent one at a time (each read waits), a
// NotifyReadable that fires when the client sends, a read deadline that
// wakes a waiting reader, and an actor stop that closes the connection;
// no goroutine is left once the poller is closed.
func TestPollerEchoNotifyDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := fnet.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	sys := actor.NewSystem()
	timedOut := make(chan struct{})
	ref, client, done := spawnPolled(t, sys, p, func(f *fiber.Fiber, c *fnet.Conn) error {
		if err := echo1(f, c); err != nil { // the first line: read after a wait
			return err
		}
		// Idle: no fiber reads; the notification wakes this one.
		ev := fiber.Event{}
		c.NotifyReadable(ev.Set)
		if err := ev.Wait(f); err != nil {
			return err
		}
		if err := echo1(f, c); err != nil {
			return err
		}
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.ReadLine(f, 512); !errors.Is(err, fnet.ErrTimeout) {
			t.Errorf("ReadLine past the deadline = %v; want ErrTimeout", err)
		}
		c.SetReadDeadline(time.Time{})
		close(timedOut)
		return echo(f, c) // until the actor stops
	})
	br := bufio.NewReader(client)
	for _, line := range []string{"one", "two", "three"} {
		if line == "three" {
			<-timedOut // sent after the server's read timed out
		}
		if _, err := client.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		if got, err := br.ReadString('\n'); err != nil || got != line+"\n" {
			t.Fatalf("echo = %q, %v; want %q", got, err, line)
		}
	}
	if err := ref.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, actor.ErrStopped) {
		t.Errorf("serve when the actor stops = %v; want ErrStopped", err)
	}
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); err == nil {
		t.Error("client read after the stop succeeded; want EOF")
	}
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Poller.Close = %v; want nil", err)
	}
	leakcheck.VerifyNone(t)
}

// echo1 echoes one line.
func echo1(f *fiber.Fiber, c *fnet.Conn) error {
	line, err := c.ReadLine(f, 512)
	if err != nil {
		return err
	}
	_, err = c.Write(f, append(line, '\n'))
	return err
}

// TestPollerCloseClosesConnections closes a poller while a connection's
// reader waits in it: the reader wakes with an error, the client sees the
// end of the stream.
func TestPollerCloseClosesConnections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := fnet.NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	sys := actor.NewSystem()
	waiting := make(chan struct{})
	_, client, done := spawnPolled(t, sys, p, func(f *fiber.Fiber, c *fnet.Conn) error {
		close(waiting)
		_, err := c.ReadLine(f, 512)
		return err
	})
	<-waiting
	p.Close()
	if err := <-done; err == nil {
		t.Error("ReadLine after Poller.Close = nil error; want one")
	}
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := client.Read(make([]byte, 1)); err == nil {
		t.Error("client read after Poller.Close succeeded; want EOF")
	}
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	leakcheck.VerifyNone(t)
}
