package actor

import (
	"runtime"
	"sync"
)

// dispatcher runs mailbox turns on a pool of long-lived worker goroutines.
// protoactor's default dispatcher starts a new goroutine for every turn
// that finds an idle mailbox, and most of that turn's cost is then the new
// goroutine's stack growing through protoactor's call chain; a worker's
// stack has grown once and stays grown. When every worker is busy, a turn
// runs on a goroutine of its own, still owned (counted) by the dispatcher.
type dispatcher struct {
	workers int
	work    chan func()    // unbuffered: a send succeeds only if a worker waits; nil stops a worker
	wg      sync.WaitGroup // workers and overflow goroutines
	once    sync.Once
}

// throughput is how many messages a turn batch handles before the mailbox
// yields the processor (as protoactor's default).
const throughput = 300

func newDispatcher(workers int) *dispatcher {
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	d := &dispatcher{workers: workers, work: make(chan func())}
	d.wg.Add(workers)
	for range workers {
		go d.worker()
	}
	return d
}

func (d *dispatcher) worker() {
	defer d.wg.Done()
	for d.run() {
	}
}

// run runs one turn and reports whether the worker goes on. The turn's
// function lives in run's frame only, so that an idle worker keeps no
// stopped actor's mailbox (and state) reachable.
func (d *dispatcher) run() bool {
	fn := <-d.work
	if fn == nil {
		return false
	}
	fn()
	return true
}

// Schedule runs fn on an idle worker, or on a new goroutine if none is idle.
func (d *dispatcher) Schedule(fn func()) {
	select {
	case d.work <- fn:
	default:
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			fn()
		}()
	}
}

// Throughput implements protoactor's Dispatcher.
func (d *dispatcher) Throughput() int { return throughput }

// close stops the workers and waits for every goroutine of the dispatcher.
// It is idempotent.
func (d *dispatcher) close() {
	d.once.Do(func() {
		for range d.workers {
			d.work <- nil
		}
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
