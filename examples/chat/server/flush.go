package server

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// flushers write the lines pushed to idle connections, so that a line to
// a connection whose writer fiber waits costs no turn of its actor: the
// connection's outbound inbox hands itself off (actor.InboxHandOff) to
// the flusher of its shard, whose goroutine drains it, writes the lines
// with one non-blocking system call (fnet.Conn.WriteDirect) and releases
// it, giving back what the socket did not take, which the writer fiber
// then writes as it writes any line. Lines pushed to a connection while
// it waits for its flusher are batched into the same write, so that
// under a flat-out fan-out a flusher writes several lines per system
// call, as the writer fibers do; the channel that pushes the lines only
// queues them.
//
// A flusher's goroutine runs while connections are handed off to it and
// ends when it has had none for flusherLinger: it belongs to the work
// queued, and an idle server has none (a goroutine that carries on costs
// less than a new one per fan-out, whose stack grows again). The
// flushers own their goroutines: close ends the idle ones at once and
// waits for all of them. The zero value is ready to use.
type flushers struct {
	n      atomic.Int32 // the shards in use (0 until the first add; see add)
	shards [maxFlushers]flusher
	wg     sync.WaitGroup // the goroutines running
}

// close ends the flushers' goroutines once they have flushed what is
// handed off to them, and waits for them. Server.Shutdown calls it once
// every connection has closed (nothing is handed off after that).
func (fs *flushers) close() {
	for i := range fs.shards {
		f := &fs.shards[i]
		f.mu.Lock()
		f.closed = true
		wake := f.sleeping
		f.sleeping = false
		f.mu.Unlock()
		if wake {
			f.wake <- struct{}{}
		}
	}
	fs.wg.Wait()
}

// maxFlushers bounds the flushers' goroutines.
const maxFlushers = 8

// add hands c to the flusher of its shard. It is the inbox's kick
// function: it runs on the pushing goroutine and does not block.
func (fs *flushers) add(c *conn) {
	n := fs.n.Load()
	if n == 0 {
		// One flusher per four cores: a flusher's system calls keep a
		// core busy while the channels fan out on the others, and a
		// flusher with more connections to flush batches more lines per
		// call. On 2 cores, one flusher made the flat-out fan-out of
		// 1,000 clients (chatload b) 1.5 times as fast, at half the CPU
		// per delivery, as one per core.
		n = int32(min((runtime.GOMAXPROCS(0)+3)/4, maxFlushers))
		fs.n.Store(n)
	}
	fs.shards[c.id%uint64(n)].add(c, &fs.wg)
}

// flusher is one shard of the flushers.
type flusher struct {
	mu       sync.Mutex
	list     []*conn // the connections handed off, to flush
	running  bool    // a goroutine flushes list
	sleeping bool    // the goroutine waits for wake (list is empty)
	closed   bool    // see flushers.close: the goroutine ends once list is empty
	wake     chan struct{}
}

// flusherLinger is how long a flusher's goroutine waits for more work
// before it ends.
const flusherLinger = 100 * time.Millisecond

func (f *flusher) add(c *conn, wg *sync.WaitGroup) {
	f.mu.Lock()
	if f.closed && !f.running {
		f.mu.Unlock() // the server is down: its connections are closed
		return
	}
	f.list = append(f.list, c)
	if f.running {
		wake := f.sleeping
		f.sleeping = false
		f.mu.Unlock()
		if wake {
			f.wake <- struct{}{}
		}
		return
	}
	f.running = true
	if f.wake == nil {
		f.wake = make(chan struct{}, 1)
	}
	f.mu.Unlock()
	wg.Add(1)
	go func() { // owned by the flushers, whose close waits for it
		defer wg.Done()
		f.run()
	}()
}

// run is the flusher's goroutine: it flushes the connections handed off
// until there are none.
func (f *flusher) run() {
	var work, again []*conn
	var spare [][]byte
	bp := writeBufs.Get().(*[]byte)
	defer writeBufs.Put(bp)
	var linger *time.Timer
	for {
		f.mu.Lock()
		if len(f.list) == 0 && f.closed {
			f.running = false
			f.mu.Unlock()
			return
		}
		if len(f.list) == 0 {
			// Wait for more work a while: a goroutine that carries on
			// costs less than a new one, whose stack grows again.
			f.sleeping = true
			f.mu.Unlock()
			if linger == nil {
				linger = time.NewTimer(flusherLinger)
			} else {
				linger.Reset(flusherLinger)
			}
			select {
			case <-f.wake:
				continue
			case <-linger.C:
			}
			f.mu.Lock()
			if f.sleeping { // nobody woke it: end
				f.sleeping, f.running = false, false
				f.mu.Unlock()
				return
			}
			f.mu.Unlock()
			<-f.wake // add woke it as the timer fired
			continue
		}
		work, f.list = f.list, work[:0]
		f.mu.Unlock()
		for i, c := range work {
			if c.flush(&spare, bp) {
				again = append(again, c)
			}
			work[i] = nil
		}
		if len(again) > 0 {
			f.mu.Lock()
			f.list = append(f.list, again...)
			f.mu.Unlock()
			clear(again)
			again = again[:0]
		}
	}
}

// flush writes the lines of c's handed-off inbox and releases it; it
// reports whether c has more to flush (lines pushed meanwhile). spare and
// bp are the flusher's: a batch slice and a write buffer.
func (c *conn) flush(spare *[][]byte, bp *[]byte) bool {
	vals := c.out.Drain(*spare)
	rest, cut := c.writeNow(vals, bp)
	if cut {
		c.cut = rest[0] // a line begun: see writeLoop
	}
	again := c.out.Release(rest)
	clear(vals)
	if cap(vals) > 1024 {
		vals = nil // a burst's slice is not kept
	}
	*spare = vals[:0]
	return again
}

// writeNow writes lines with non-blocking system calls, copying several
// into *bp (at most maxWriteBytes per call), and returns those the socket
// did not take, the first one cut where the socket stopped (cut reports
// whether it was begun); all of them after an error, which the writer
// fiber meets again.
func (c *conn) writeNow(lines [][]byte, bp *[]byte) (rest [][]byte, cut bool) {
	for i := 0; i < len(lines); {
		start := i
		data := lines[i]
		if i+1 < len(lines) && len(data) < maxWriteBytes {
			buf := (*bp)[:0]
			for i < len(lines) && (len(buf) == 0 || len(buf)+len(lines[i]) <= maxWriteBytes) {
				buf = append(buf, lines[i]...)
				i++
			}
			if cap(buf) <= 2*maxWriteBytes {
				*bp = buf[:0]
			}
			data = buf
		} else {
			i++
		}
		n, err := c.fc.WriteDirect(data)
		if err != nil {
			return lines[start:], false
		}
		if n < len(data) {
			j := start
			for n >= len(lines[j]) {
				n -= len(lines[j])
				j++
			}
			lines[j] = lines[j][n:]
			return lines[j:], n > 0
		}
	}
	return nil, false
}

// kickFlusher hands c's outbound inbox to its flusher (see flushers).
func (c *conn) kickFlusher() { c.srv.flush.add(c) }
