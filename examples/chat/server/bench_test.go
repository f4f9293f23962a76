package server_test

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/weft-go/weft/examples/chat/server"
)

// BenchmarkFanout measures channel fan-out: clients in one channel, a few
// of them sending, every message delivered to every other member. It runs
// the same load generator against the Weft server and against a plain
// goroutine-per-connection server (baseline, below), and reports messages
// delivered per second and the 99th percentile latency from send to
// receipt, and the process CPU time (user and system, from getrusage) per
// delivery: the server's and the load generator's, which is the same code
// for both, so that the difference is the servers'. b.N is the number of
// messages sent (split among the senders); every delivery is checked
// (count and per-sender order).
//
//	go test -run '^$' -bench Fanout -benchtime 2000x ./examples/chat/server/
func BenchmarkFanout(b *testing.B) {
	for _, clients := range []int{100, 1000} {
		for _, impl := range []string{"weft", "baseline"} {
			b.Run(fmt.Sprintf("%s/clients=%d", impl, clients), func(b *testing.B) {
				var addr string
				switch impl {
				case "weft":
					addr = startServer(b, server.Config{
						Flood:  server.Flood{Lines: -1},
						Limits: server.Limits{MaxSendQ: 16 << 20, PingInterval: -1},
					}).addr
				default:
					addr = startBaseline(b)
				}
				runFanout(b, addr, clients)
			})
		}
	}
}

// BenchmarkPipelinedLines measures the read path: one client sends b.N
// PING lines without waiting and reads the b.N PONGs. On the Weft server
// the reader fiber reads through fiber.Await, once per read syscall (lines
// already buffered are taken without it); the baseline has a reader
// goroutine. Every PONG is counted.
func BenchmarkPipelinedLines(b *testing.B) {
	for _, impl := range []string{"weft", "baseline"} {
		b.Run(impl, func(b *testing.B) {
			var addr string
			if impl == "weft" {
				addr = startServer(b, server.Config{Flood: server.Flood{Lines: -1}, Limits: server.Limits{MaxSendQ: 16 << 20, PingInterval: -1}}).addr
			} else {
				addr = startBaseline(b)
			}
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			c := &fanoutClient{nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
			fmt.Fprintf(nc, "NICK p\r\nUSER p 0 * :p\r\nPING :start\r\n")
			if err := c.skipUntil("start"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			sent := make(chan error, 1)
			go func() {
				w := bufio.NewWriter(nc)
				for range b.N {
					w.WriteString("PING :x\r\n")
				}
				sent <- w.Flush()
			}()
			for i := range b.N {
				l, err := c.br.ReadSlice('\n')
				if err != nil || !strings.Contains(string(l), "PONG") {
					b.Fatalf("reply %d = %q, %v; want a PONG", i, l, err)
				}
			}
			if err := <-sent; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lines/s")
		})
	}
}

const (
	fanoutSenders = 4
	fanoutWindow  = 32 // messages a sender may have in flight (not yet seen by the probe)
)

// fanoutClient is one load-generator connection.
type fanoutClient struct {
	nc  net.Conn
	br  *bufio.Reader
	lat []time.Duration // latencies of the messages received
	// next[s] is the next sequence number expected from sender s.
	next [fanoutSenders]int
	err  error
}

func runFanout(b *testing.B, addr string, n int) { runFanoutOn(b, []string{addr}, n) }

// runFanoutOn is runFanout with the clients spread over several servers
// (client i on addrs[i%len(addrs)]).
func runFanoutOn(b *testing.B, addrs []string, n int) {
	clients := make([]*fanoutClient, n)
	for i := range clients {
		nc, err := net.Dial("tcp", addrs[i%len(addrs)])
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { nc.Close() })
		c := &fanoutClient{nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
		clients[i] = c
		fmt.Fprintf(nc, "NICK u%d\r\nUSER u%d 0 * :load\r\nJOIN #bench\r\n", i, i)
		if err := c.skipUntil(" 366 "); err != nil {
			b.Fatalf("client %d joining: %v", i, err)
		}
	}
	// Drain the JOIN lines of later members, then be sure every client is
	// idle: a PING answered means everything before it was read.
	for i, c := range clients {
		fmt.Fprintf(c.nc, "PING :ready\r\n")
		if err := c.skipUntil("PONG"); err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
	}
	senders := min(fanoutSenders, n-1)
	perSender := (b.N + senders - 1) / senders
	total := perSender * senders

	// The probe (the last client, not a sender) reports each sender's
	// progress, so that senders keep a bounded window in flight.
	var acked [fanoutSenders]atomic.Int64
	progress := make([]chan struct{}, senders)
	for i := range progress {
		progress[i] = make(chan struct{}, 1)
	}
	probe := clients[n-1]

	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		want := total
		if i < senders {
			want = total - perSender // senders do not get their own messages
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.receive(want, func(s, seq int) {
				if c == probe {
					acked[s].Store(int64(seq + 1))
					select {
					case progress[s] <- struct{}{}:
					default:
					}
				}
			})
		}()
	}
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := bufio.NewWriter(clients[s].nc)
			for seq := range perSender {
				for int64(seq)-acked[s].Load() >= fanoutWindow {
					w.Flush()
					<-progress[s]
				}
				fmt.Fprintf(w, "PRIVMSG #bench :%d %d %d\r\n", s, seq, time.Now().UnixNano())
			}
			w.Flush()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()

	var lat []time.Duration
	deliveries := 0
	for i, c := range clients {
		if c.err != nil {
			b.Fatalf("client %d: %v", i, c.err)
		}
		deliveries += len(c.lat)
		lat = append(lat, c.lat...)
	}
	if want := total*n - total; deliveries != want {
		b.Fatalf("%d deliveries; want %d", deliveries, want)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(deliveries)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(cpu.Seconds()*1e6/float64(deliveries), "cpu-µs/delivery")
	b.ReportMetric(0, "ns/op")
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// skipUntil reads lines until one contains s.
func (c *fanoutClient) skipUntil(s string) error {
	_ = c.nc.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		l, err := c.br.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.Contains(l, s) {
			return nil
		}
	}
}

// receive reads until want messages arrived, checking each sender's order.
func (c *fanoutClient) receive(want int, seen func(s, seq int)) {
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Minute))
	c.lat = make([]time.Duration, 0, want)
	for len(c.lat) < want {
		l, err := c.br.ReadSlice('\n')
		if err != nil {
			c.err = err
			return
		}
		i := strings.Index(string(l), " PRIVMSG #bench :")
		if i < 0 {
			continue
		}
		f := strings.Fields(string(l[i+len(" PRIVMSG #bench :"):]))
		if len(f) != 3 {
			c.err = fmt.Errorf("bad message %q", l)
			return
		}
		s, _ := strconv.Atoi(f[0])
		seq, _ := strconv.Atoi(f[1])
		ts, _ := strconv.ParseInt(f[2], 10, 64)
		if seq != c.next[s] {
			c.err = fmt.Errorf("got message %d from sender %d; want %d", seq, s, c.next[s])
			return
		}
		c.next[s]++
		c.lat = append(c.lat, time.Since(time.Unix(0, ts)))
		seen(s, seq)
	}
}

// --- baseline: a plain goroutine-per-connection chat server ---

// baseline is the chat server most Go programs would start with: a reader
// goroutine and a writer goroutine per connection, channels under a
// mutex, a buffered Go channel as each connection's outbound queue (a full
// one disconnects the client). It speaks just enough IRC for the load
// generator: NICK, USER, JOIN, PRIVMSG to a channel, PING.
type baseline struct {
	ln    net.Listener
	mu    sync.Mutex
	chans map[string]map[*bconn]bool
	conns map[*bconn]bool
	wg    sync.WaitGroup
}

type bconn struct {
	nc   net.Conn
	out  chan []byte
	done chan struct{} // closed by close
	nick string
	once sync.Once
}

// startBaseline starts a baseline server and stops it (waiting for every
// goroutine) when the benchmark ends.
func startBaseline(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &baseline{ln: ln, chans: make(map[string]map[*bconn]bool), conns: make(map[*bconn]bool)}
	s.wg.Add(1)
	go s.accept()
	b.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return ln.Addr().String()
}

func (s *baseline) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		c := &bconn{nc: nc, out: make(chan []byte, 64<<10), done: make(chan struct{})}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(2)
		go s.read(c)
		go s.write(c)
	}
}

func (c *bconn) close() {
	c.once.Do(func() {
		c.nc.Close()
		close(c.done)
	})
}

// send queues a line; a full queue disconnects the client.
func (s *baseline) send(c *bconn, line []byte) {
	select {
	case c.out <- line:
	default:
		c.nc.Close() // slow consumer: the reader ends and closes done
	}
}

func (s *baseline) read(c *bconn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		for _, members := range s.chans {
			delete(members, c)
		}
		s.mu.Unlock()
		c.close()
	}()
	br := bufio.NewReaderSize(c.nc, 4096)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd, rest, _ := strings.Cut(strings.TrimRight(l, "\r\n"), " ")
		switch cmd {
		case "NICK":
			c.nick = rest
		case "USER":
			s.send(c, []byte(":base 001 "+c.nick+" :Welcome\r\n"))
		case "PING":
			s.send(c, []byte(":base PONG base "+rest+"\r\n"))
		case "JOIN":
			line := []byte(":" + c.nick + "!u@h JOIN " + rest + "\r\n")
			s.mu.Lock()
			members := s.chans[rest]
			if members == nil {
				members = make(map[*bconn]bool)
				s.chans[rest] = members
			}
			members[c] = true
			for m := range members {
				s.send(m, line)
			}
			s.mu.Unlock()
			s.send(c, []byte(":base 366 "+c.nick+" "+rest+" :End of /NAMES list\r\n"))
		case "PRIVMSG":
			target, _, _ := strings.Cut(rest, " ")
			line := []byte(":" + c.nick + "!u@h " + l)
			s.mu.Lock()
			for m := range s.chans[target] {
				if m != c {
					s.send(m, line)
				}
			}
			s.mu.Unlock()
		}
	}
}

func (s *baseline) write(c *bconn) {
	defer s.wg.Done()
	w := bufio.NewWriterSize(c.nc, 64<<10)
	for {
		select {
		case line := <-c.out:
			w.Write(line)
		case <-c.done:
			return
		}
		// Batch what is already queued into one write.
		for more := true; more; {
			select {
			case l := <-c.out:
				w.Write(l)
			default:
				more = false
			}
		}
		if err := w.Flush(); err != nil {
			c.nc.Close()
			<-c.done
			return
		}
	}
}
