package actor

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/weft-go/weft/internal/goprof"
	"github.com/weft-go/weft/internal/pids"
)

// Watchdog configures the slice watchdog of a [System] (Tarantool's fiber
// slice): it bounds how long an actor's code may run without suspending.
// A slice is one uninterrupted run: one call of the behavior's Receive (or
// of a lifecycle hook), or one run of a fiber between two suspension
// points. Blocking calls made directly on an actor (instead of through
// [fiber.Await]), long loops and accidental O(n²) work all show up as long
// slices, and they stall every fiber and message of the actor.
//
// The zero value turns the watchdog off. A Watchdog is a plain value.
type Watchdog struct {
	// Warn reports a slice that runs longer than Warn, once, with the
	// stack of the running code (to OnStall). Zero: no warnings.
	Warn time.Duration
	// Fail fails the actor whose slice runs longer than Fail: as soon as the
	// slice ends (Go cannot preempt it) the actor fails with a
	// [*StallError], after its turn, and its supervisor decides (by
	// default, protoactor restarts it). The stall is reported to OnStall
	// first. Zero: never.
	Fail time.Duration
	// Every is how often the watchdog looks at the actors; zero means a
	// quarter of the smaller of Warn and Fail, at least a millisecond. A
	// slice is reported between its limit and its limit plus Every. (In a
	// synctest bubble the watchdog's ticker is virtual too: a test that
	// sleeps a virtual hour under a 1 ms period ticks 3.6 million times.)
	Every time.Duration
	// OnStall receives each report, on the watchdog's goroutine; it must
	// not block for long. Nil logs it to the system's logger: Warn level
	// for a warning, Error level for a failure.
	OnStall func(Stall)
}

// Stall is a report of the slice watchdog: an actor's code that ran too
// long without suspending. It is a plain value.
type Stall struct {
	// Actor is the actor's name, as "address/id".
	Actor string
	// Fiber and FiberID name the running fiber; both are zero when the
	// behavior's own code (Receive or a lifecycle hook) ran.
	Fiber   string
	FiberID uint64
	// Running is how long the slice had run when the watchdog saw it.
	Running time.Duration
	// Fail reports a slice past [Watchdog.Fail]: the actor fails once the
	// slice ends. Otherwise the slice is past [Watchdog.Warn].
	Fail bool
	// Stack is the running code's stack at that moment, innermost first,
	// as a goroutine profile shows it; empty if the slice ended before the
	// profile was taken.
	Stack string
}

// String describes the stall in one line (without the stack).
func (s Stall) String() string {
	who := "its behavior"
	if s.Fiber != "" {
		who = fmt.Sprintf("fiber %q", s.Fiber)
	}
	return fmt.Sprintf("actor %s: %s has run for %v without suspending", s.Actor, who, s.Running.Round(time.Microsecond))
}

// StallError is the failure of an actor that the slice watchdog failed
// (see [Watchdog.Fail]): its supervisor receives it as the reason. It
// matches [ErrStalled] under [errors.Is]. It is a plain value, never
// modified once built.
type StallError struct{ Stall }

// Error describes the stall and its stack.
func (e *StallError) Error() string {
	return "actor: slice watchdog: " + e.Stall.String() + "\n\n" + e.Stack
}

// Unwrap returns [ErrStalled].
func (e *StallError) Unwrap() error { return ErrStalled }

// WithWatchdog gives the system a slice watchdog (see [Watchdog]). Its
// actors then record each slice they run: clock reads, atomic stores and
// pprof labels per turn and per fiber run, about 90 ns per message on the
// benchmark machine (BenchmarkSend/Watched against BenchmarkSend/Typed),
// which is why it is off by default. The watchdog runs on a goroutine owned by the system, which
// [System.Shutdown] stops.
func WithWatchdog(w Watchdog) Option { return func(c *sysConfig) { c.watchdog = w } }

// watch is the watchdog's goroutine.
func (s *System) watch(w Watchdog) {
	defer close(s.watchDone)
	every := w.Every
	if every <= 0 {
		limit := w.Warn
		if limit <= 0 || (w.Fail > 0 && w.Fail < limit) {
			limit = w.Fail
		}
		every = max(limit/4, time.Millisecond)
	}
	report := w.OnStall
	if report == nil {
		report = func(st Stall) {
			level := slog.LevelWarn
			if st.Fail {
				level = slog.LevelError
			}
			s.logger.Log(context.Background(), level, "weft: slice watchdog: "+st.String(), slog.String("stack", st.Stack))
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.watchStop:
			return
		case <-t.C:
		}
		s.inspectSlices(w, report)
	}
}

// inspectSlices reports the slices running past a limit.
func (s *System) inspectSlices(w Watchdog, report func(Stall)) {
	type found struct {
		e  entry
		st Stall
		at uint64 // the slice's Seq
	}
	var stalls []found
	now := time.Now()
	for _, e := range s.entries() {
		if e.watch == nil {
			continue
		}
		sl, ok := e.watch.mon.Running()
		if !ok {
			continue
		}
		ran := now.Sub(sl.Start)
		st := Stall{Actor: pids.String(e.pid), Fiber: sl.Fiber, FiberID: sl.FiberID, Running: ran}
		switch {
		case w.Fail > 0 && ran >= w.Fail && e.watch.failed != sl.Seq:
			e.watch.failed, e.watch.warned = sl.Seq, sl.Seq
			st.Fail = true
		case w.Warn > 0 && ran >= w.Warn && e.watch.warned != sl.Seq:
			e.watch.warned = sl.Seq
		default:
			continue
		}
		stalls = append(stalls, found{e, st, sl.Seq})
	}
	if len(stalls) == 0 {
		return
	}
	stacks := goprof.Stacks(goprof.Snapshot())
	for _, f := range stalls {
		code := goprof.Code{Actor: f.e.pid.Id}
		if f.st.FiberID != 0 {
			code.Fiber = strconv.FormatUint(f.st.FiberID, 10)
		}
		// The stack is the stalled slice's only if the slice still ran
		// after the profile was taken.
		if sl, ok := f.e.watch.mon.Running(); ok && sl.Seq == f.at {
			f.st.Stack = stacks[code]
		}
		report(f.st)
		if f.st.Fail {
			f.e.host.Abort(&StallError{f.st})
		}
	}
}
