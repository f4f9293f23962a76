package fiber

import (
	"context"
	"fmt"
)

// Option configures [Run]. The options are [WithClock], [WithMonitor],
// [WithProfileLabels] and [WithSpawnSites]; later options override earlier ones. An Option is an
// immutable value: it may be copied and reused, by any goroutine.
//
// Owners that drive a [Scheduler] themselves configure it with a
// [SchedulerConfig] instead.
type Option interface {
	apply(*runConfig)
}

// runConfig is what Options set.
type runConfig struct {
	sched    SchedulerConfig // Context and Wake are Run's own
	labels   []string
	labelsOn bool
}

// optionFunc adapts a function to Option.
type optionFunc func(*runConfig)

func (o optionFunc) apply(c *runConfig) { o(c) }

// WithClock makes Run time sleeps with c instead of the real clock (see
// [SchedulerConfig.Clock]). Tests usually keep the real clock and run
// inside a [testing/synctest] bubble instead, where it is virtual.
func WithClock(c Clock) Option {
	return optionFunc(func(rc *runConfig) { rc.sched.Clock = c })
}

// WithMonitor makes Run's scheduler record each fiber it resumes in m (see
// [Monitor]). Run brackets its own code with [Monitor.Begin] and
// [Monitor.End]: it ends while Run waits for an event and when Run
// returns. A monitor serves one scheduler.
func WithMonitor(m *Monitor) Option {
	return optionFunc(func(rc *runConfig) { rc.sched.Monitor = m })
}

// WithProfileLabels gives every fiber of Run pprof goroutine labels: the
// given key/value pairs, "weft.fiber" (the fiber's name), "weft.fiber.id"
// and "weft.spawned" (the fiber's function, or with [WithSpawnSites] the
// function and line that spawned it: see [Scheduler.SetProfileLabels]), so
// that CPU profiles, goroutine dumps (debug=1) and leak reports (package
// leakcheck) name the fiber. Labels cost about a microsecond and
// 300 bytes per spawn of a fiber that outlives its first run, so they are
// off by default. The labels also mark
// goroutines started by [Await]. It panics if kv has an odd length.
func WithProfileLabels(kv ...string) Option {
	if len(kv)%2 != 0 {
		misuse("WithProfileLabels with an odd number of strings")
	}
	kv = append([]string(nil), kv...)
	return optionFunc(func(rc *runConfig) { rc.labels, rc.labelsOn = kv, true })
}

// WithSpawnSites makes the "weft.spawned" profile label of Run's fibers
// name the function and line that spawned each, outside Weft, instead of
// the function it runs (see [SchedulerConfig.SpawnSites]). It matters only
// with [WithProfileLabels].
func WithSpawnSites() Option {
	return optionFunc(func(rc *runConfig) { rc.sched.SpawnSites = true })
}

// Run runs fn as the fiber "main" of a new scheduler driven by the calling
// goroutine, and returns when main and all its descendants are done and
// every [Await] call has returned. It returns main's error, or the
// [*PanicError] of the first unsupervised panic (after cancelling every
// fiber with it).
//
// Cancelling ctx cancels the fibers with [context.Cause] of ctx. If ctx can
// never be cancelled and every fiber is suspended with no timer or Await
// call pending, nothing can wake them: Run cancels them with [ErrDeadlock]
// and returns an error wrapping it that lists what each fiber waited on.
func Run(ctx context.Context, fn func(*Fiber) error, opts ...Option) error {
	var rc runConfig
	for _, o := range opts {
		if o == nil {
			misuse("Run with a nil Option")
		}
		o.apply(&rc)
	}
	wakeCh := make(chan struct{}, 1)
	rc.sched.Context = ctx
	rc.sched.Wake = func() {
		select {
		case wakeCh <- struct{}{}:
		default:
		}
	}
	s := NewScheduler(rc.sched)
	if rc.labelsOn {
		s.SetProfileLabels(rc.labels...)
	}
	stop := context.AfterFunc(ctx, func() {
		s.Post(func() { s.Cancel(context.Cause(ctx)) })
	})
	defer stop()
	var failure error
	if s.mon != nil {
		s.mon.Begin() // Run is the owner: its own code runs until it waits
		defer s.mon.End()
	}
	main := s.Spawn("main", fn)
	for {
		if err := s.RunReady(); err != nil && failure == nil {
			failure = err
			s.Cancel(err)
			continue
		}
		if main.state == StateDone {
			break
		}
		if !s.Idle() {
			continue
		}
		if ctx.Done() == nil && s.timers == 0 && s.awaitsRunning() == 0 && s.Idle() {
			if failure == nil {
				failure = fmt.Errorf("%w:\n%s", ErrDeadlock, s.describe())
			}
			s.Cancel(ErrDeadlock)
			continue
		}
		if s.mon != nil {
			s.mon.End()
			<-wakeCh
			s.mon.Begin()
		} else {
			<-wakeCh
		}
	}
	if err := s.Close(context.Background()); err != nil && failure == nil {
		failure = err
	}
	if failure != nil {
		return failure
	}
	return main.err
}
