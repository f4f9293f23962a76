package fiber

import (
	"context"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Spawning fibers: Spawn, SpawnTagged, and the spawn site and profile
// labels a fiber carries.

// Spawn starts a top-level fiber running fn and returns its handle. The
// fiber runs at once, until its first suspension point, before Spawn
// returns. name labels the fiber in introspection and panics; it may be
// empty. Inside a fiber, [Fiber.Spawn] spawns a child instead.
//
// Spawn must be called by the owner, outside any fiber, and not after
// [Scheduler.Close].
func (s *Scheduler) Spawn(name string, fn func(*Fiber) error, opts ...SpawnOption) *Fiber {
	if s.current != nil {
		misuse("Scheduler.Spawn called from inside a fiber; use Fiber.Spawn")
	}
	return s.spawn(nil, name, fn, spawnOptions(opts))
}

// SpawnTagged is [Scheduler.Spawn] for a fiber that carries tag (see
// [Scheduler.SetTag]) from before its first run: package bridge tags the
// fiber that serves a request this way, since that fiber may already wait
// in its first run.
func (s *Scheduler) SpawnTagged(name string, tag any, fn func(*Fiber) error, opts ...SpawnOption) *Fiber {
	if s.current != nil {
		misuse("Scheduler.SpawnTagged called from inside a fiber; use Fiber.Spawn")
	}
	cfg := spawnOptions(opts)
	cfg.tag = tag
	return s.spawn(nil, name, fn, cfg)
}

func (s *Scheduler) spawn(parent *Fiber, name string, fn func(*Fiber) error, cfg spawnConfig) *Fiber {
	if fn == nil {
		misuse("Spawn with a nil function")
	}
	if s.closed {
		misuse("Spawn on a closed scheduler")
	}
	s.lastID++
	f := &Fiber{s: s, id: s.lastID, name: name, fn: fn, parent: parent, state: StateRunning, supervised: cfg.supervised, tag: cfg.tag}
	f.spawned = s.stamp()
	if cfg.group != nil {
		cfg.group.join(f)
	}
	if parent != nil {
		parent.children.push(f)
		if parent.cancelled != nil {
			f.cancelled = parent.cancelled
		}
	} else {
		s.roots.push(f)
		if s.closing {
			f.cancelled = cancelErr(ErrStopped)
		}
	}
	f.allNext = s.live
	if s.live != nil {
		s.live.allPrev = f
	}
	s.live = f
	s.nlive++
	if s.mon != nil {
		f.Name() // fixed before a Monitor publishes f to other goroutines
	}
	if s.labelKV != nil && s.labels == nil {
		s.labels = pprof.WithLabels(context.Background(), pprof.Labels(s.labelKV...))
	}
	if s.labels != nil && s.mon != nil {
		// A monitor (the actors' slice watchdog) finds a running fiber's
		// stack by its labels: they are set from the first run.
		f.labels = s.fiberLabels(f)
	}
	newCoroutine(f)
	s.resume(f)
	if s.labels != nil && s.mon == nil && f.state != StateDone {
		// Labels are lazy: a fiber that finishes in its first run (the
		// common short-lived child) carries only its scheduler's labels,
		// and costs neither a label set nor a stack walk. One that
		// outlives its first run gets its labels now, made on this stack
		// (with spawn sites, while it still shows the spawn site; made on
		// the fiber's, they grew a parked fiber's stack from 2 to 4 KiB),
		// and sets them on itself in a short resumption that is not a
		// wake-up (see Fiber.park).
		f.labels = s.fiberLabels(f)
		prev := s.current
		s.current = nil // the fiber runs no code of its own
		f.next()
		s.current = prev
	}
	if s.current == nil && !s.driving.Load() {
		s.dropSpare() // spawned by the owner's code: no RunReady may follow
	}
	return f
}

// fiberLabels returns f's profile labels. With spawn sites on, it must be
// called by spawn itself: spawnSite counts the frames above it.
func (s *Scheduler) fiberLabels(f *Fiber) context.Context {
	var site string
	if s.sites {
		site = spawnSite()
	} else {
		site = funcSite(f.fn)
	}
	return pprof.WithLabels(s.labels, pprof.Labels(
		"weft.fiber", f.Name(),
		"weft.fiber.id", strconv.FormatUint(f.id, 10),
		"weft.spawned", site))
}

// funcSite returns the name of function fn. Unlike spawnSite it walks no
// stack and looks up no line: it finds one code address's function (the
// name of a generic instantiation is built: one allocation). Function
// names have no spaces, which tells them from spawnSite's "function
// file:line".
func funcSite(fn func(*Fiber) error) string {
	if rf := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()); rf != nil {
		return rf.Name()
	}
	return "unknown"
}

// spawnSite returns "function file:line" of the first caller outside Weft's
// own packages (tests of those packages count as outside).
func spawnSite() string {
	var pcs [16]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(4, pcs[:])])
	for {
		fr, more := frames.Next()
		if !isWeftFrame(fr.Function) || !more {
			return fr.Function + " " + fr.File + ":" + strconv.Itoa(fr.Line)
		}
	}
}

// isWeftFrame reports whether function belongs to a non-test package of
// Weft, or to the runtime or iter.
func isWeftFrame(function string) bool {
	const weft = "github.com/weft-go/weft/"
	if rest, ok := strings.CutPrefix(function, weft); ok {
		pkg, _, _ := strings.Cut(rest, ".")
		return !strings.HasSuffix(pkg, "_test")
	}
	return strings.HasPrefix(function, "runtime.") || strings.HasPrefix(function, "iter.")
}
