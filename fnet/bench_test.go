package fnet_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
)

// An echo server under test: serve takes the server end of a connection
// over, stop ends every connection and waits for its goroutines.
type echoServer struct {
	serve func(nc net.Conn)
	stop  func()
}

// servers are the echo servers the benchmarks compare: a goroutine per
// connection with a bufio.Reader (the baseline), fnet fibers of one
// fiber.Run, and fnet inside an actor per connection, with a reader
// goroutine per connection or a shared Poller (Linux).
var servers = []struct {
	name  string
	start func(tb testing.TB) echoServer
}{
	{"goroutine", goroutineServer},
	{"fnet-run", runServer},
	{"fnet-actor", actorServer},
	{"fnet-actor-poller", pollerServer},
}

func goroutineServer(testing.TB) echoServer {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	return echoServer{
		serve: func(nc net.Conn) {
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := bufio.NewReaderSize(nc, 4096)
				for {
					line, err := r.ReadSlice('\n')
					if err != nil {
						return
					}
					if _, err := nc.Write(line); err != nil {
						return
					}
				}
			}()
		},
		stop: func() {
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
		},
	}
}

// fnetEcho is the fnet server's loop on one connection.
func fnetEcho(f *fiber.Fiber, nc net.Conn, opts ...fnet.ConnOption) error {
	c, err := fnet.NewConn(f, nc, opts...)
	if err != nil {
		nc.Close()
		return err
	}
	defer c.Close()
	for {
		line, err := c.ReadLine(f, 512)
		if err != nil {
			return nil
		}
		// The line without its "\n" is followed in the buffer by the
		// "\n" itself: write both at once.
		if _, err := c.Write(f, line[:len(line)+1]); err != nil {
			return err
		}
	}
}

func runServer(tb testing.TB) echoServer {
	ctx, cancel := context.WithCancel(context.Background())
	sched := make(chan *fiber.Scheduler, 1)
	done := make(chan error, 1)
	go func() {
		done <- fiber.Run(ctx, func(f *fiber.Fiber) error {
			sched <- f.Scheduler()
			err := f.Sleep(24 * time.Hour) // until stop cancels Run
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		})
	}()
	s := <-sched
	return echoServer{
		serve: func(nc net.Conn) {
			s.Post(func() {
				s.Spawn("conn", func(f *fiber.Fiber) error { return fnetEcho(f, nc) })
			})
		},
		stop: func() {
			cancel()
			if err := <-done; err != nil {
				tb.Error(err)
			}
		},
	}
}

// echoActor serves one connection with fnetEcho.
type echoActor struct {
	nc   net.Conn
	opts []fnet.ConnOption
}

func (echoActor) Receive(*actor.Self[ConnMsg], ConnMsg) {}

func (a echoActor) Started(self *actor.Self[ConnMsg]) {
	self.Go("echo", func(f *fiber.Fiber) error { return fnetEcho(f, a.nc, a.opts...) })
}

func actorServer(tb testing.TB) echoServer {
	sys := actor.NewSystem()
	return echoServer{
		serve: func(nc net.Conn) {
			if _, err := actor.Spawn(sys, "", func() actor.Behavior[ConnMsg] { return echoActor{nc: nc} }); err != nil {
				tb.Error(err)
			}
		},
		stop: func() {
			if err := sys.Shutdown(context.Background()); err != nil {
				tb.Error(err)
			}
		},
	}
}

// pollerServer is actorServer with the connections in one Poller.
func pollerServer(tb testing.TB) echoServer {
	p, err := fnet.NewPoller()
	if err != nil {
		tb.Skip("no Poller:", err)
	}
	sys := actor.NewSystem()
	opts := []fnet.ConnOption{fnet.WithPoller(p)}
	return echoServer{
		serve: func(nc net.Conn) {
			if _, err := actor.Spawn(sys, "", func() actor.Behavior[ConnMsg] { return echoActor{nc: nc, opts: opts} }); err != nil {
				tb.Error(err)
			}
		},
		stop: func() {
			if err := sys.Shutdown(context.Background()); err != nil {
				tb.Error(err)
			}
			p.Close()
		},
	}
}

// BenchmarkEcho measures a round trip of a 32-byte line through an echo
// server, from conns clients at once (each client a goroutine with a plain
// net.Conn, the same for every server): fnet fibers, under fiber.Run and
// in an actor per connection, against a goroutine per connection in the
// same run. Each reply is checked.
func BenchmarkEcho(b *testing.B) {
	for _, conns := range []int{1, 64} {
		for _, srv := range servers {
			b.Run(fmt.Sprintf("conns=%d/%s", conns, srv.name), func(b *testing.B) {
				benchEcho(b, srv.start(b), conns)
			})
		}
	}
}

func benchEcho(b *testing.B, srv echoServer, conns int) {
	clients := make([]net.Conn, conns)
	for i := range clients {
		s, c := tcpPair(b)
		srv.serve(s)
		clients[i] = c
	}
	msg := []byte("0123456789abcdefghijklmnopqrstu\n")
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range clients {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, len(msg))
			for range n {
				if _, err := c.Write(msg); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, msg) {
					b.Errorf("echo = %q, %v; want %q", buf, err, msg)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	for _, c := range clients {
		c.Close()
	}
	srv.stop()
}

// BenchmarkIdleConn measures the memory of the serving side per idle
// connection, at 1,000 connections: heap and stacks in use once every
// connection has echoed one line and waits for the next, minus what the
// connections themselves (both ends' sockets) took before any server
// served them. Run it with -benchtime=1x; it reports B/conn, and its
// heap and stack parts.
func BenchmarkIdleConn(b *testing.B) {
	const n = 1000
	for _, srv := range servers {
		b.Run(srv.name, func(b *testing.B) {
			for range b.N {
				heap, stack := idleBytes(b, srv.start(b), n)
				b.ReportMetric(heap+stack, "B/conn")
				b.ReportMetric(heap, "heap-B/conn")
				b.ReportMetric(stack, "stack-B/conn")
			}
		})
	}
}

func idleBytes(b *testing.B, srv echoServer, n int) (heap, stack float64) {
	servers := make([]net.Conn, n)
	clients := make([]net.Conn, n)
	for i := range n {
		s, c := tcpPair(b)
		servers[i], clients[i] = s, c
	}
	heap0, stack0 := inUse()
	msg := []byte("hello\n")
	buf := make([]byte, len(msg))
	for i, c := range clients {
		srv.serve(servers[i])
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil || !bytes.Equal(buf, msg) {
			b.Fatalf("echo = %q, %v", buf, err)
		}
	}
	heap1, stack1 := inUse()
	for _, c := range clients {
		c.Close()
	}
	srv.stop()
	return (float64(heap1) - float64(heap0)) / float64(n), (float64(stack1) - float64(stack0)) / float64(n)
}

// inUse returns the heap and stack bytes in use after a full collection
// (two, so that pooled buffers are gone).
func inUse() (heap, stack uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse
}
