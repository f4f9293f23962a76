package fnet_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
	"github.com/weft-go/weft/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// tcpPair returns the two ends of a loopback TCP connection, closed when
// the test ends if nobody closed them.
func tcpPair(t testing.TB) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	d, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { s.Close(); d.Close() })
	return s.(*net.TCPConn), d.(*net.TCPConn)
}

// run runs fn as the main fiber of fiber.Run, bounded so that a hang fails
// the test, and fails the test with the error Run returns.
func run(t testing.TB, fn func(f *fiber.Fiber) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fiber.Run(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// wrapPair wraps both ends of a TCP pair for f's scheduler.
func wrapPair(t testing.TB, f *fiber.Fiber) (server, client *fnet.Conn) {
	t.Helper()
	s, c := tcpPair(t)
	return mustWrap(t, f, s), mustWrap(t, f, c)
}

func mustWrap(t testing.TB, f *fiber.Fiber, nc net.Conn) *fnet.Conn {
	t.Helper()
	c, err := fnet.NewConn(f, nc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
