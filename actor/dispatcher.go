package actor

import (
	"runtime"
	"sync"
	"time"
)

// dispatcher runs mailbox turns on a pool of long-lived worker goroutines.
// protoactor's default dispatcher starts a new goroutine for every turn
// that finds an idle mailbox, and most of that turn's cost is then the new
// goroutine's stack growing through protoactor's call chain; a worker's
// stack has grown once and stays grown.
//
// Schedule hands a mailbox run to an idle worker (through one FIFO queue),
// or, when every worker is busy, runs it on a goroutine of its own, so that
// turns blocked in a call never hold others up. A turn that is about to
// end (a fiber's Ask, which suspends it; a reply given in the turn) marks
// the actor it posts to (see cellDispatcher): that actor's run is queued
// without waking anyone, and the worker takes it itself when its run ends,
// so that a request and its reply usually run on one goroutine, without a
// goroutine switch or a wake-up of another thread (about half the cost of
// a round trip otherwise). A worker that takes a run from the queue and
// leaves more behind wakes another. The worker may be slow to come back
// (the turn goes on longer than it meant, its mailbox never empties, it
// blocks in a call): the sentry, a goroutine of the dispatcher that looks
// every sentryTick while runs are queued, then wakes an idle worker if the
// queue has not moved for a tick, or runs the oldest run on a goroutine of
// its own (owned by the dispatcher) if every worker is busy. A queued run
// therefore waits at most about two ticks behind a stuck worker; the
// sentry sleeps while the queue is empty.
type dispatcher struct {
	workers int
	mu      sync.Mutex // guards the fields below it
	queue   []func()   // scheduled mailbox runs, oldest first from head
	head    int
	idle    int    // workers parked on wake, not yet signalled
	pops    uint64 // mailbox runs taken from the queue so far
	armed   bool   // the sentry is ticking (or has been signalled to)
	closed  bool
	wake    chan struct{}  // buffered (workers): one token per signalled worker
	arm     chan struct{}  // buffered (1): starts the sentry ticking
	stop    chan struct{}  // closed by close: the sentry returns
	wg      sync.WaitGroup // workers, the sentry and overflow goroutines
	once    sync.Once
}

// throughput is how many messages a turn batch handles before the mailbox
// yields the processor (as protoactor's default).
const throughput = 300

// sentryTick is how often the sentry looks at a queue that waits.
const sentryTick = 200 * time.Microsecond

func newDispatcher(workers int) *dispatcher {
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	d := &dispatcher{workers: workers, wake: make(chan struct{}, workers),
		arm: make(chan struct{}, 1), stop: make(chan struct{})}
	d.wg.Add(workers + 1)
	for range workers {
		go d.worker()
	}
	go d.sentry()
	return d
}

// queuedLocked returns how many mailbox runs wait in the queue.
func (d *dispatcher) queuedLocked() int { return len(d.queue) - d.head }

// wakeLocked signals one idle worker if runs are still queued after a
// worker took one. It reports whether it did; the caller sends the token
// after unlocking.
func (d *dispatcher) wakeLocked() bool {
	if d.idle > 0 && d.queuedLocked() > 0 {
		d.idle--
		return true
	}
	return false
}

// popLocked removes and returns the oldest queued run; the queue must not
// be empty.
func (d *dispatcher) popLocked() func() {
	fn := d.queue[d.head]
	d.queue[d.head] = nil
	d.head++
	if d.head == len(d.queue) {
		d.queue, d.head = d.queue[:0], 0
	}
	d.pops++
	return fn
}

func (d *dispatcher) worker() {
	defer d.wg.Done()
	d.mu.Lock()
	for {
		if d.queuedLocked() == 0 {
			if d.closed {
				d.mu.Unlock()
				return
			}
			d.idle++
			d.mu.Unlock()
			<-d.wake
			d.mu.Lock()
			continue
		}
		fn := d.popLocked()
		wake := d.wakeLocked()
		d.mu.Unlock()
		if wake {
			d.wake <- struct{}{}
		}
		fn()
		fn = nil // keep no stopped actor's mailbox reachable while parked
		d.mu.Lock()
	}
}

// Schedule runs fn, a mailbox run, on an idle worker, or on a goroutine of
// its own if every worker is busy.
func (d *dispatcher) Schedule(fn func()) { d.schedule(fn, false) }

// schedule runs fn as Schedule does or, if soon (the caller is a turn on
// one of the workers, about to end), queues it for the next worker that
// comes back, usually the caller's: see dispatcher.
func (d *dispatcher) schedule(fn func(), soon bool) {
	d.mu.Lock()
	if d.closed {
		// Every actor has stopped; a late run (a stray post) gets a
		// goroutine of its own.
		d.wg.Add(1)
		d.mu.Unlock()
		go d.overflow(fn)
		return
	}
	switch {
	case soon:
		d.queue = append(d.queue, fn)
		arm := !d.armed
		d.armed = true
		d.mu.Unlock()
		if arm {
			d.arm <- struct{}{} // never blocks: armed was false, so the buffer is empty
		}
	case d.idle > 0:
		d.queue = append(d.queue, fn)
		d.idle--
		d.mu.Unlock()
		d.wake <- struct{}{}
	default:
		d.wg.Add(1)
		d.mu.Unlock()
		go d.overflow(fn)
	}
}

// overflow runs fn on a goroutine of its own.
func (d *dispatcher) overflow(fn func()) {
	defer d.wg.Done()
	fn()
}

// sentry makes sure that queued runs do not wait behind workers that do not
// come back: see dispatcher.
func (d *dispatcher) sentry() {
	defer d.wg.Done()
	t := time.NewTimer(sentryTick)
	t.Stop()
	for {
		select {
		case <-d.arm:
		case <-d.stop:
			return
		}
		var last uint64
		seen := false
		for ticking := true; ticking; {
			t.Reset(sentryTick)
			select {
			case <-t.C:
			case <-d.stop:
				t.Stop()
				return
			}
			d.mu.Lock()
			switch {
			case d.queuedLocked() == 0:
				d.armed, ticking = false, false
				d.mu.Unlock()
			case seen && d.pops == last:
				// The oldest run has waited a whole tick: the running
				// workers are not coming back soon.
				var fn func()
				wake := d.idle > 0
				if wake {
					d.idle--
				} else {
					fn = d.popLocked()
					d.wg.Add(1)
				}
				last = d.pops
				d.mu.Unlock()
				if wake {
					d.wake <- struct{}{}
				} else {
					go d.overflow(fn)
				}
			default:
				seen, last = true, d.pops
				d.mu.Unlock()
			}
		}
	}
}

// Throughput implements protoactor's Dispatcher.
func (d *dispatcher) Throughput() int { return throughput }

// close stops the workers (once the queue is empty) and the sentry, and
// waits for every goroutine of the dispatcher. It is idempotent.
func (d *dispatcher) close() {
	d.once.Do(func() {
		d.mu.Lock()
		d.closed = true
		n := d.idle
		d.idle = 0
		d.mu.Unlock()
		for range n {
			d.wake <- struct{}{}
		}
		close(d.stop)
	})
	d.wg.Wait()
}

// turnDispatcher is a protoactor Dispatcher whose goroutines the system
// owns: close stops them and waits.
type turnDispatcher interface {
	Schedule(fn func())
	Throughput() int
	close()
}

// serialDispatcher runs every turn on one worker goroutine, in FIFO order
// of Schedule calls (WithSerialTurns).
type serialDispatcher struct {
	mu     sync.Mutex // guards queue and closed
	queue  []func()
	closed bool
	signal chan struct{} // buffered: one pending signal
	done   chan struct{} // closed when the worker has returned
	once   sync.Once
}

func newSerialDispatcher() *serialDispatcher {
	d := &serialDispatcher{signal: make(chan struct{}, 1), done: make(chan struct{})}
	go d.worker()
	return d
}

func (d *serialDispatcher) worker() {
	defer close(d.done)
	for range d.signal {
		for {
			d.mu.Lock()
			if len(d.queue) == 0 {
				closed := d.closed
				d.mu.Unlock()
				if closed {
					return
				}
				break
			}
			fn := d.queue[0]
			d.queue[0] = nil
			d.queue = d.queue[1:]
			d.mu.Unlock()
			fn()
		}
	}
}

// Schedule queues fn behind every turn scheduled before it. After close
// (every actor has stopped by then), fn runs on a goroutine of its own, as
// the pool dispatcher's overflow turns do.
func (d *serialDispatcher) Schedule(fn func()) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		go fn()
		return
	}
	d.queue = append(d.queue, fn)
	d.mu.Unlock()
	select {
	case d.signal <- struct{}{}:
	default:
	}
}

// Throughput implements protoactor's Dispatcher.
func (d *serialDispatcher) Throughput() int { return throughput }

// close runs the queued turns, stops the worker and waits for it. It is
// idempotent.
func (d *serialDispatcher) close() {
	d.once.Do(func() {
		d.mu.Lock()
		d.closed = true
		d.mu.Unlock()
		select {
		case d.signal <- struct{}{}:
		default:
		}
	})
	<-d.done
}
