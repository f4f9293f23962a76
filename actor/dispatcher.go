package actor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// dispatcher runs mailbox turns on a pool of long-lived worker goroutines.
// protoactor's default dispatcher starts a new goroutine for every turn
// that finds an idle mailbox, and most of that turn's cost is then the new
// goroutine's stack growing through protoactor's call chain; a worker's
// stack has grown once and stays grown.
//
// Schedule hands a mailbox run to an idle worker (over an unbuffered
// channel) or, when every worker is busy, runs it on a goroutine of its
// own, so that turns blocked in a call never hold others up. A turn that
// is about to end (a fiber's Ask, which suspends it; a reply given in the
// turn) marks the actor it posts to (see cellDispatcher): that actor's run
// is queued instead, without waking anyone, and the worker takes it itself
// when its run ends, so that a request and its reply usually run on one
// goroutine, without a goroutine switch or a wake-up of another thread. A
// worker that takes a queued run and leaves more behind signals an idle
// worker. The worker may be slow to come back (the turn goes on longer
// than it meant, its mailbox never empties, it blocks in a call): the
// sentry, a goroutine of the dispatcher that looks every sentryTick while
// runs are queued, then hands the oldest to an idle worker or to a
// goroutine of its own if the queue has not moved for a tick. A queued run
// therefore waits at most about two ticks behind a stuck worker; the
// sentry sleeps while the queue is empty.
type dispatcher struct {
	workers int
	work    chan func()   // unbuffered: a send succeeds only if a worker waits; nil stops a worker
	wake    chan struct{} // buffered (workers): tells an idle worker to look at the queue
	idle    atomic.Int32  // workers waiting on work and wake
	queued  atomic.Int32  // len of the queue, readable without the lock

	mu     sync.Mutex // guards the fields below it
	queue  []func()   // runs queued by turns about to end, oldest first from head
	head   int
	pops   uint64 // runs taken from the queue so far
	armed  bool   // the sentry is ticking (or has been signalled to)
	closed bool   // close has begun: scheduleSoon no longer queues

	arm  chan struct{}  // buffered (1): starts the sentry ticking
	stop chan struct{}  // closed by close: the sentry returns
	wg   sync.WaitGroup // workers, the sentry and overflow goroutines
	once sync.Once
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
	d := &dispatcher{workers: workers, work: make(chan func()), wake: make(chan struct{}, workers),
		arm: make(chan struct{}, 1), stop: make(chan struct{})}
	d.wg.Add(workers + 1)
	for range workers {
		go d.worker()
	}
	go d.sentry()
	return d
}

// popLocked removes and returns the oldest queued run, nil if there is
// none.
func (d *dispatcher) popLocked() func() {
	if d.head == len(d.queue) {
		return nil
	}
	fn := d.queue[d.head]
	d.queue[d.head] = nil
	d.head++
	if d.head == len(d.queue) {
		d.queue, d.head = d.queue[:0], 0
	}
	d.queued.Add(-1)
	d.pops++
	return fn
}

// drain runs the queued runs until the queue is empty, signalling an idle
// worker whenever it leaves some behind.
func (d *dispatcher) drain() {
	for d.queued.Load() > 0 {
		d.mu.Lock()
		fn := d.popLocked()
		d.mu.Unlock()
		if fn == nil {
			return
		}
		if d.queued.Load() > 0 && d.idle.Load() > 0 {
			select {
			case d.wake <- struct{}{}:
			default:
			}
		}
		fn()
	}
}

func (d *dispatcher) worker() {
	defer d.wg.Done()
	for d.run() {
	}
}

// run runs the queued runs, then waits for one run or a signal and runs
// it; it reports whether the worker goes on. The run's function lives in
// run's frame only, so that an idle worker keeps no stopped actor's
// mailbox (and state) reachable.
func (d *dispatcher) run() bool {
	d.drain()
	d.idle.Add(1)
	select {
	case fn := <-d.work:
		d.idle.Add(-1)
		if fn == nil {
			d.drain()
			return false
		}
		fn()
	case <-d.wake:
		d.idle.Add(-1)
	}
	return true
}

// Schedule runs fn, a mailbox run, on an idle worker, or on a goroutine of
// its own if every worker is busy.
func (d *dispatcher) Schedule(fn func()) {
	select {
	case d.work <- fn:
	default:
		d.wg.Add(1)
		go d.overflow(fn)
	}
}

// scheduleSoon queues fn, a mailbox run scheduled by a turn on one of the
// workers that is about to end, for the next worker that comes back to the
// queue, usually the caller's: see dispatcher.
func (d *dispatcher) scheduleSoon(fn func()) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.Schedule(fn)
		return
	}
	d.queue = append(d.queue, fn)
	d.queued.Add(1)
	arm := !d.armed
	d.armed = true
	d.mu.Unlock()
	if arm {
		d.arm <- struct{}{} // never blocks: armed was false, so the buffer is empty
	}
}

// overflow runs fn on a goroutine of its own, then what fn's turns
// queued (see drain).
func (d *dispatcher) overflow(fn func()) {
	defer d.wg.Done()
	fn()
	d.drain()
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
			case d.head == len(d.queue):
				d.armed, ticking = false, false
				d.mu.Unlock()
			case seen && d.pops == last:
				// The oldest run has waited a whole tick: the workers
				// are not coming back soon.
				fn := d.popLocked()
				last = d.pops
				d.mu.Unlock()
				d.Schedule(fn)
			default:
				seen, last = true, d.pops
				d.mu.Unlock()
			}
		}
	}
}

// Throughput implements protoactor's Dispatcher.
func (d *dispatcher) Throughput() int { return throughput }

// close stops the workers (each runs what is queued first) and the
// sentry, and waits for every goroutine of the dispatcher. It is
// idempotent.
func (d *dispatcher) close() {
	d.once.Do(func() {
		// Runs queued before this are run by the workers before they
		// return; later ones get a goroutine of their own.
		d.mu.Lock()
		d.closed = true
		d.mu.Unlock()
		for range d.workers {
			d.work <- nil
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
