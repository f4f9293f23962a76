package fiber

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Monitor publishes what a scheduler is running, so that a watchdog on
// another goroutine can spot code that runs too long without suspending (a
// fiber slice, in Tarantool's words). The scheduler it is installed in
// ([WithMonitor] for [Run], [SchedulerConfig.Monitor] for other owners)
// records every fiber it resumes; the owner brackets its own code with
// [Monitor.Begin] and [Monitor.End] (an actor host does it around each
// turn). [Monitor.Running] reads the current slice from any goroutine.
//
// A slice starts each time control changes hands: when a fiber is resumed,
// when it suspends and control returns to the owner (or to the fiber that
// spawned it), and at Begin. Times are read from the real clock (package
// time), not from the scheduler's [Clock]: a slice measures how long code
// ran. Recording a slice costs two clock reads and a few atomic stores per
// resumption, which is why monitors are optional.
//
// Create a Monitor with [NewMonitor]; the zero value is not usable and a
// Monitor must not be copied. Begin and End must be called by the
// scheduler's owner; Running is safe for concurrent use. A store of a slice
// synchronizes before a Running call that observes it.
type Monitor struct {
	epoch time.Time     // the origin of start
	seq   atomic.Uint64 // seqlock: odd while a slice is being written
	start atomic.Int64  // nanoseconds since epoch at which the slice began; 0: nothing runs
	fib   atomic.Pointer[Fiber]
}

// Slice describes the code a monitored scheduler runs at one moment. It is
// a plain value: it may be copied and read from any goroutine.
type Slice struct {
	// Seq identifies the slice: it changes every time control changes
	// hands, so two observations with the same Seq saw one uninterrupted
	// run.
	Seq uint64
	// FiberID and Fiber are the ID and name of the running fiber; both are
	// zero while the owner's own code runs (an actor's message handler).
	FiberID uint64
	Fiber   string
	// Start is when the slice began.
	Start time.Time
}

// NewMonitor returns a monitor with nothing running.
func NewMonitor() *Monitor { return &Monitor{epoch: time.Now()} }

// Begin records that the owner's own code starts running (a new slice with
// no fiber). It must be called by the owner.
func (m *Monitor) Begin() { m.enter(nil) }

// End records that nothing runs any more. It must be called by the owner.
func (m *Monitor) End() { m.set(nil, 0) }

// enter starts a slice running f (nil: the owner's code).
func (m *Monitor) enter(f *Fiber) {
	m.set(f, max(int64(time.Since(m.epoch)), 1))
}

func (m *Monitor) set(f *Fiber, start int64) {
	m.seq.Add(1)
	m.fib.Store(f)
	m.start.Store(start)
	m.seq.Add(1)
}

// Running returns the current slice, and false if nothing runs. It is
// safe for concurrent use.
func (m *Monitor) Running() (Slice, bool) {
	for {
		seq := m.seq.Load()
		if seq&1 != 0 {
			runtime.Gosched() // a slice is being recorded: a few instructions away
			continue
		}
		start, f := m.start.Load(), m.fib.Load()
		if m.seq.Load() != seq {
			continue
		}
		if start == 0 {
			return Slice{}, false
		}
		sl := Slice{Seq: seq, Start: m.epoch.Add(time.Duration(start))}
		if f != nil {
			// id and name do not change once the fiber is spawned in a
			// monitored scheduler (spawn fixes the name), and the Store of
			// f synchronizes before the Load above.
			sl.FiberID, sl.Fiber = f.id, f.name
		}
		return sl, true
	}
}
