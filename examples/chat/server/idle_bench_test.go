//go:build linux

package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weft-go/weft/examples/chat/server"
)

// idleServerEnv, set in the environment of a child test process, makes
// TestIdleServerProcess serve (see BenchmarkIdleConns).
const idleServerEnv = "CHAT_IDLE_SERVER"

// TestIdleServerProcess is the server process of BenchmarkIdleConns: run
// with idleServerEnv set, it serves with the default configuration,
// prints its address and serves until its standard input closes.
// Otherwise it does nothing.
func TestIdleServerProcess(t *testing.T) {
	if os.Getenv(idleServerEnv) == "" {
		t.Skip("the server process of BenchmarkIdleConns")
	}
	if os.Getenv("CHAT_IDLE_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation, for a precise profile
	}
	s := startServer(t, server.Config{})
	fmt.Printf("addr %s\n", s.addr)
	in := bufio.NewScanner(os.Stdin)
	for i := 0; in.Scan(); i++ { // until the benchmark closes stdin
		var ms runtime.MemStats
		// Two collections: the first moves what the sync.Pools hold to
		// their victim caches, the second frees it, as an idle server's
		// periodic collections do (one every two minutes at least).
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		fmt.Printf("%d %d %d\n", ms.HeapInuse, ms.StackInuse, runtime.NumGoroutine())
		if path := os.Getenv("CHAT_IDLE_HEAPPROFILE"); path != "" { // path.0 before the clients, path.1 after
			if f, err := os.Create(path + "." + strconv.Itoa(i)); err == nil {
				_ = pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
	}
}

// BenchmarkIdleConns measures the memory of idle registered connections:
// it starts the server in a child process (this test binary running
// TestIdleServerProcess), connects and registers 2,000 clients, and
// reports the growth of the child's resident set per connection (from
// /proc/PID/statm, before the first client and once the last one is
// welcomed), with the growth of its Go heap (after a GC), stacks and
// goroutines per connection, and the time from the first dial to the end
// of the last welcome (376 or 422; a connect storm, the clients dialling
// at once). The clients are in this process,
// so they do not count. It measures once, whatever b.N.
//
//	go test -run '^$' -bench IdleConns -benchtime 1x ./examples/chat/server/
func BenchmarkIdleConns(b *testing.B) {
	const n = 2000
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), idleServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	func() {
		defer func() {
			stdin.Close()
			_ = cmd.Wait()
		}()
		out := bufio.NewReader(stdout)
		line, err := out.ReadString('\n')
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "addr ")
		if err != nil || !ok {
			b.Fatalf("server process said %q, %v", line, err)
		}
		// Warm the server up with one client, so that the baseline
		// includes what the first connection allocates once.
		warm := dialRegistered(b, addr, "warm")
		defer warm.Close()
		rss0 := rssOf(b, cmd.Process.Pid)
		heap0, stack0, g0 := memOf(b, stdin, out)
		start := time.Now()
		conns := make([]net.Conn, n)
		errs := make(chan error, n)
		for i := range conns {
			go func() {
				nc, err := dialAndRegister(addr, "i"+strconv.Itoa(i))
				conns[i] = nc
				errs <- err
			}()
		}
		for range n {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		storm := time.Since(start)
		rss := rssOf(b, cmd.Process.Pid)
		heap, stack, g := memOf(b, stdin, out)
		for _, nc := range conns {
			if nc != nil {
				defer nc.Close()
			}
		}
		b.ReportMetric(float64(rss-rss0)/n/1024, "rss-KB/conn")
		b.ReportMetric(float64(heap-heap0)/n/1024, "heap-KB/conn")
		b.ReportMetric(float64(stack-stack0)/n/1024, "stack-KB/conn")
		b.ReportMetric(float64(g-g0)/n, "goroutines/conn")
		b.ReportMetric(storm.Seconds(), "storm-s")
		b.ReportMetric(0, "ns/op")
	}()
}

func dialRegistered(b *testing.B, addr, nick string) net.Conn {
	nc, err := dialAndRegister(addr, nick)
	if err != nil {
		b.Fatal(err)
	}
	return nc
}

// dialAndRegister connects, registers as nick and waits for the end of
// the welcome (the end of the MOTD, 376, or its absence, 422), so that the
// server is measured with idle connections, not with welcomes in flight.
func dialAndRegister(addr, nick string) (net.Conn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(time.Minute))
	fmt.Fprintf(nc, "NICK %s\r\nUSER %s 0 * :idle\r\n", nick, nick)
	br := bufio.NewReaderSize(nc, 512)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("%s registering: %w", nick, err)
		}
		if strings.Contains(l, " 376 ") || strings.Contains(l, " 422 ") {
			_ = nc.SetDeadline(time.Time{})
			return nc, nil
		}
	}
}

// memOf asks the server process for its heap and stacks in use (after a
// GC) and its number of goroutines.
func memOf(b *testing.B, stdin io.Writer, out *bufio.Reader) (heap, stack, goroutines int64) {
	if _, err := io.WriteString(stdin, "stats\n"); err != nil {
		b.Fatal(err)
	}
	line, err := out.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fmt.Sscan(line, &heap, &stack, &goroutines); err != nil {
		b.Fatalf("server process said %q: %v", line, err)
	}
	return heap, stack, goroutines
}

// rssOf returns the resident set of process pid in bytes.
func rssOf(b *testing.B, pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(data))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}
