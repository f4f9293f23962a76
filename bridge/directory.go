package bridge

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/fiber"
)

// Directory is a set of hosts that know of each other, usually the hosts of
// one actor system (package actor keeps one per System). A host joins the
// directory given with [WithDirectory] when its actor makes its first
// [Request] (every actor of a wait cycle has one pending; an actor that
// never requests costs the directory nothing) and leaves it when the actor
// stops. The directory makes two things possible:
//
//   - introspection: [Directory.Hosts] lists the running hosts that have
//     made requests, and [Host.Inspect] describes one of them, fibers
//     included;
//   - deadlock detection: a [Request] between two hosts of the directory
//     that stays pending is checked for a wait cycle (see [DeadlockError]).
//
// Create a Directory with [NewDirectory]; the zero value is not usable and
// a Directory must not be copied. Its methods are safe for concurrent use.
type Directory struct {
	detect time.Duration

	mu      sync.Mutex // guards the fields below
	hosts   map[pidKey]dirEntry
	seq     uint64
	failing map[servingTag]struct{} // requests a detected cycle is failing
}

type dirEntry struct {
	h   *Host
	seq uint64 // registration order
}

// NewDirectory returns an empty directory. Requests between its hosts that
// stay pending are checked for a wait cycle when they have pended for
// about 1, 2, 4, … 64 times detectAfter (by the scheduler's clock; each
// check comes up to one detectAfter late), then no more; a detectAfter of
// zero or less turns deadlock detection off. The hosts arm one timer each,
// not one per request, and only while they have requests young enough to
// be checked.
func NewDirectory(detectAfter time.Duration) *Directory {
	return &Directory{detect: max(detectAfter, 0), hosts: make(map[pidKey]dirEntry), failing: make(map[servingTag]struct{})}
}

// claim marks the requests of a detected cycle as being failed; it
// reports false, and marks nothing, if one of them already is.
func (d *Directory) claim(reqs []servingTag) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range reqs {
		if _, ok := d.failing[r]; ok {
			return false
		}
	}
	for _, r := range reqs {
		d.failing[r] = struct{}{}
	}
	return true
}

// release forgets a request claim once its failure has been delivered.
func (d *Directory) release(req servingTag) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.failing, req)
}

// WithDirectory makes the host join d when its actor makes its first
// [Request] (and leave it when the actor stops or restarts).
func WithDirectory(d *Directory) Option {
	return func(h *Host) {
		h.dir = d
	}
}

func (d *Directory) add(h *Host) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	d.hosts[pidKey{h.self.Address, h.self.Id}] = dirEntry{h: h, seq: d.seq}
}

func (d *Directory) remove(h *Host) {
	if h.self == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	key := pidKey{h.self.Address, h.self.Id}
	if e, ok := d.hosts[key]; ok && e.h == h {
		delete(d.hosts, key)
	}
}

// lookup returns the host of the actor pid, or nil if it is not in d.
func (d *Directory) lookup(key pidKey) *Host {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hosts[key].h
}

// Hosts returns the hosts of the running actors of d (those that have made
// a request), in the order they joined (the order of their first
// requests).
func (d *Directory) Hosts() []*Host {
	d.mu.Lock()
	entries := make([]dirEntry, 0, len(d.hosts))
	for _, e := range d.hosts {
		entries = append(entries, e)
	}
	d.mu.Unlock()
	slices.SortFunc(entries, func(a, b dirEntry) int { return cmp.Compare(a.seq, b.seq) })
	hosts := make([]*Host, len(entries))
	for i, e := range entries {
		hosts[i] = e.h
	}
	return hosts
}

// HostInfo describes a host's actor at one moment, as seen from inside one
// of its turns. It is a plain value: it may be copied and read from any
// goroutine.
type HostInfo struct {
	// PID is the actor's PID.
	PID *actor.PID
	// Started is when the actor (this incarnation) started, by the
	// scheduler's clock.
	Started time.Time
	// Turns counts the turns the actor has run: every message it handled,
	// wake-ups included.
	Turns uint64
	// Requests is the number of the actor's pending requests ([Request]).
	Requests int
	// Receives is the number of its fibers waiting in [Receive] (or a
	// variant).
	Receives int
	// Fibers describes its live fibers, newest first. A fiber waiting on a
	// request says whom: its WaitingOn reads "request to" and the target.
	Fibers []fiber.Info
}

// Inspect describes the host's actor: it queues the question in the host's
// scheduler and waits until one of the actor's turns has answered it, or
// until ctx is done. An actor busy in a long turn answers when the turn
// ends. Inspect returns [ErrNotRunning] once the actor has stopped, and
// [context.Cause] of ctx if it gave up.
//
// Inspect is safe for concurrent use; it must not be called from the
// host's own turns (which it would wait for).
func (h *Host) Inspect(ctx context.Context) (HostInfo, error) {
	in := InspectAll(ctx, []*Host{h})[0]
	return in.Info, in.Err
}

// info builds the host's HostInfo; it runs in a turn.
func (h *Host) info() HostInfo {
	in := HostInfo{
		PID:      h.self,
		Turns:    h.turns,
		Requests: len(h.requests),
		Receives: len(h.receivers),
		Fibers:   h.scheduler().Fibers(),
	}
	if h.started != 0 {
		in.Started = time.Unix(0, h.started)
	}
	if len(h.requests) > 0 {
		targets := make(map[uint64]pidKey, len(h.requests))
		for _, r := range h.requests {
			targets[r.waker.Fiber().ID()] = r.target
		}
		for i := range in.Fibers {
			if t, ok := targets[in.Fibers[i].ID]; ok && in.Fibers[i].State == fiber.StateSuspended {
				in.Fibers[i].WaitingOn = "request to " + t.String()
			}
		}
	}
	return in
}

// String returns the PID's address and ID, as a *actor.PID prints them.
func (k pidKey) String() string { return k.addr + "/" + k.id }

// Inspection is the answer of one host to [InspectAll]. It is a plain
// value.
type Inspection struct {
	// Host is the host asked.
	Host *Host
	// Info describes it, if Err is nil.
	Info HostInfo
	// Err is [ErrNotRunning] for a host whose actor had stopped, or
	// [context.Cause] of ctx for one that had not answered when ctx was
	// done (an actor busy in a long turn).
	Err error
}

// InspectAll asks every host at once, as [Host.Inspect] asks one, and
// waits until each has answered or ctx is done. The answers are in the
// order of hosts. It is safe for concurrent use and must not be called from
// the turns of one of the hosts.
func InspectAll(ctx context.Context, hosts []*Host) []Inspection {
	out := make([]Inspection, len(hosts))
	answers := make([]chan HostInfo, len(hosts))
	for i, h := range hosts {
		out[i].Host = h
		ch := make(chan HostInfo, 1)
		if h.post(func() { ch <- h.info() }) {
			answers[i] = ch
		} else {
			out[i].Err = ErrNotRunning
		}
	}
	for i, ch := range answers {
		if ch == nil {
			continue
		}
		select {
		case out[i].Info = <-ch:
			continue
		default:
		}
		select {
		case out[i].Info = <-ch:
		case <-ctx.Done():
			out[i].Err = context.Cause(ctx)
		}
	}
	return out
}
