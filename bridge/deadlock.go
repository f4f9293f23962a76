package bridge

import (
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/goprof"
	"github.com/weft-go/weft/internal/pids"
)

// Deadlock detection follows the wait-for graph by edge chasing (Chandy,
// Misra and Haas): every wait a fiber makes says whom it waits for, and a
// probe walks those edges from a request that has pended for a while; if it
// comes back to the fiber it started from, the fibers it went through wait
// on each other and none can ever go on.
//
// The edges:
//   - a fiber suspended in Request waits for whoever serves the request in
//     the target actor: the fiber that received the request message (with
//     Receive and its variants), or the fiber the target's handler spawned
//     while handling it ([Host.Spawn]); a request the handler kept to answer
//     later has no known server, and ends the walk;
//   - a fiber suspended in Join, in Mutex.Lock or waiting for its children
//     waits for the fiber [fiber.Fiber.WaitingFor] names;
//   - any other wait (a timer, a channel, a Receive) ends the walk.
//
// A probe is a value handed from host to host through their schedulers'
// Post, so each host reads its own state inside its own turn: no lock is
// shared and the request path pays nothing but one timer per host while
// young requests pend. A probe that comes back is confirmed by a second
// walk along the same links, each host checking that its waits still
// hold, before anything fails: a wait that ended meanwhile (a Within
// deadline, a cancellation) was no deadlock.
//
// A request is probed when it has pended for 1, 2, 4, … 64 probe periods
// (give or take one period), then no more: the probes are bounded, and a
// host whose requests are all older than that stops its timer, so that a
// stuck test in a synctest bubble still ends with synctest's deadlock
// report.

// probeState is a host's deadlock detection state. Owned by the turns.
type probeState struct {
	timer   fiber.Timer
	alarm   *probeAlarm // what timer reaches the host through; nil until armed
	armed   bool
	gen     uint64                      // ticks so far
	servers map[servingTag]*fiber.Fiber // who serves which request, as tagged; may hold finished fibers
}

// servingTag is the fiber tag saying which request a fiber serves.
type servingTag struct {
	replyID string // the Id of the requester's reply PID
	req     uint32 // its RequestId
}

// maxProbeAge is the age, in probe periods, of a request's last probe.
const maxProbeAge = 65

// probeDue reports whether a request age periods old is probed now: at
// ages 2, 3, 5, 9, … maxProbeAge (ages count ticks, and the first tick
// comes up to a period after the request).
func probeDue(age uint64) bool {
	a := age - 1
	return age >= 2 && age <= maxProbeAge && a&(a-1) == 0
}

// maxProbeLinks bounds a probe's walk.
const maxProbeLinks = 64

// probe is one walk of the wait-for graph.
type probe struct {
	origin      *Host
	originFiber *fiber.Fiber
	originReq   uint32
	links       []probeLink
}

type probeLink struct {
	h       *Host
	f       *fiber.Fiber
	wait    string
	req     uint32       // the request the fiber waits on; 0 for other waits
	replyID string       // for a request: the Id of h's reply PID
	next    *fiber.Fiber // for other waits: the fiber f waits for
	// Read on h's turn, for the error.
	actor   *actor.PID
	name    string
	fiberID uint64
}

// tagServer records, when the current turn's message is a request (its
// sender carries a RequestId), that f serves it.
func (h *Host) tagServer(f *fiber.Fiber, sender *actor.PID) {
	if h.detect() > 0 && sender != nil && sender.RequestId != 0 {
		tag := servingTag{sender.Id, sender.RequestId}
		h.scheduler().SetTag(f, tag)
		h.indexServer(tag, f)
	}
}

// indexServer records that f serves the request of tag, so that a probe
// finds it without scanning the fibers. Entries of fibers that have
// finished (or serve another request since) are swept once the index
// outgrows twice the live fibers, so it stays proportional to them.
func (h *Host) indexServer(tag servingTag, f *fiber.Fiber) {
	pr := &h.more().probe
	if pr.servers == nil {
		pr.servers = make(map[servingTag]*fiber.Fiber)
	}
	pr.servers[tag] = f
	if len(pr.servers) > 2*h.scheduler().Live()+64 {
		for t, g := range pr.servers {
			if g.State() == fiber.StateDone || h.scheduler().Tag(g) != t {
				delete(pr.servers, t)
			}
		}
	}
}

// armProbes starts the host's probe timer if it is not running.
func (h *Host) armProbes() {
	pr := &h.more().probe
	if pr.armed || h.stopped {
		return
	}
	pr.armed = true
	if pr.alarm == nil {
		pr.alarm = &probeAlarm{h: h}
	}
	pr.timer = h.scheduler().Clock().AfterFunc(h.detect(), pr.alarm.ring)
}

// stopProbes stops the probe timer; the host calls it when it stops.
func (h *Host) stopProbes() {
	if h.cold == nil {
		return
	}
	if pr := &h.cold.probe; pr.armed {
		if pr.timer.Stop() {
			pr.alarm.h = nil // the stopped timer never rings
		}
		pr.armed = false
	}
}

// probeAlarm is what the probe timer holds: Go's runtime keeps a stopped
// timer (and its function) until the time it was set for, so the timer
// reaches the host only through the alarm, which stopProbes clears.
type probeAlarm struct{ h *Host }

func (a *probeAlarm) ring() { a.h.post(a.h.probeTick) }

// probeTick runs in a turn, detectAfter after the timer was armed: it
// probes the requests whose age (in ticks) is due (probeDue), and re-arms
// while some request is young enough to be probed again.
func (h *Host) probeTick() {
	pr := &h.more().probe
	pr.armed = false
	if h.stopped {
		return
	}
	pr.gen++
	var due []uint32
	young := false
	for id, r := range h.requests {
		age := pr.gen - r.gen
		if probeDue(age) {
			due = append(due, id)
		}
		young = young || age < maxProbeAge
	}
	slices.Sort(due)
	for _, id := range due {
		if r := h.requests[id]; r != nil {
			f := r.waker.Fiber()
			p := &probe{origin: h, originFiber: f, originReq: id}
			h.forward(p, f, id, r)
		}
	}
	if young {
		h.armProbes()
	}
}

// link describes f's wait for a probe, on f's host.
func (h *Host) link(f *fiber.Fiber, wait string) probeLink {
	return probeLink{h: h, f: f, wait: wait, actor: h.self, name: f.Name(), fiberID: f.ID()}
}

// forward records that f waits on request id and hands the probe to the
// request's target, if it is a host of the directory.
func (h *Host) forward(p *probe, f *fiber.Fiber, id uint32, r *pendingRequest) {
	if h.reply() == nil {
		return
	}
	l := h.link(f, "request to "+r.target.String())
	l.req, l.replyID = id, h.reply().Id
	p.links = append(p.links, l)
	t := h.dir.lookup(r.target)
	if t == nil {
		return // not a host of the directory (remote, plain protoactor): unknown
	}
	tag := servingTag{h.reply().Id, id}
	t.post(func() { t.probeAt(p, tag) })
}

// probeAt runs in a turn of the probed host: it finds the fiber serving
// the request and follows its waits.
func (h *Host) probeAt(p *probe, tag servingTag) {
	if h.stopped {
		return
	}
	if h.cold == nil {
		return
	}
	if f := h.cold.probe.servers[tag]; f != nil && f.State() != fiber.StateDone && h.scheduler().Tag(f) == tag {
		h.follow(p, f)
	}
}

// follow walks the waits of f, a fiber of h, and of the fibers they lead
// to within h, until the walk leaves for another host, ends, or closes a
// cycle.
func (h *Host) follow(p *probe, f *fiber.Fiber) {
	for len(p.links) < maxProbeLinks {
		if f == p.originFiber && h == p.origin {
			if r := h.requests[p.originReq]; r != nil && r.waker.Fiber() == f {
				h.confirm(p, 0)
			}
			return
		}
		if f.State() != fiber.StateSuspended || p.visited(h, f) {
			return // not waiting, or a cycle that its own requests' probes report
		}
		if id, r := h.requestOf(f); r != nil {
			h.forward(p, f, id, r)
			return
		}
		next := f.WaitingFor()
		if next == nil {
			return
		}
		l := h.link(f, f.Info().WaitingOn)
		l.next = next
		p.links = append(p.links, l)
		f = next
	}
}

func (p *probe) visited(h *Host, f *fiber.Fiber) bool {
	for _, l := range p.links {
		if l.h == h && l.f == f {
			return true
		}
	}
	return false
}

// requestOf returns the request f waits on, if it waits on one.
func (h *Host) requestOf(f *fiber.Fiber) (uint32, *pendingRequest) {
	for id, r := range h.requests {
		if r.waker.Fiber() == f {
			return id, r
		}
	}
	return 0, nil
}

// confirm walks the probe's links again from link i, which belongs to h,
// checking on each host that its waits still hold, and reports the cycle
// from the origin if they all do.
func (h *Host) confirm(p *probe, i int) {
	for ; i < len(p.links) && p.links[i].h == h; i++ {
		if !h.holds(p.links[i]) {
			return
		}
	}
	next := p.origin
	if i < len(p.links) {
		next = p.links[i].h
	}
	next.post(func() {
		if i < len(p.links) {
			next.confirm(p, i)
		} else {
			next.deadlock(p)
		}
	})
}

// holds reports whether l, a link of h, still holds.
func (h *Host) holds(l probeLink) bool {
	if h.stopped {
		return false
	}
	if l.req != 0 {
		r := h.requests[l.req]
		return r != nil && r.waker.Fiber() == l.f
	}
	return l.f.State() == fiber.StateSuspended && l.f.WaitingFor() == l.next
}

// deadlock runs in a turn of the origin host, once a probe has come back
// and its links were confirmed:
// it builds the error, with every fiber's stack, and fails each request of
// the cycle with it.
func (h *Host) deadlock(p *probe) {
	if r := h.requests[p.originReq]; h.stopped || r == nil || r.waker.Fiber() != p.originFiber {
		return
	}
	// The hosts of a cycle may each find it at the same moment: the first
	// to claim its requests reports it, the others drop their probes.
	var claims []servingTag
	for _, l := range p.links {
		if l.req != 0 {
			claims = append(claims, servingTag{l.replyID, l.req})
		}
	}
	if !h.dir.claim(claims) {
		return
	}
	err := &DeadlockError{Cycle: make([]WaitLink, len(p.links))}
	stacks := goprof.Stacks(goprof.Snapshot())
	for i, l := range p.links {
		err.Cycle[i] = WaitLink{
			Actor:   l.actor,
			Fiber:   l.name,
			FiberID: l.fiberID,
			Wait:    l.wait,
			Stack:   stacks[goprof.Code{Actor: l.actor.Id, Fiber: strconv.FormatUint(l.fiberID, 10)}],
		}
	}
	h.log().Error("weft: wait cycle detected; failing its requests", slog.String("cycle", err.Error()))
	for _, l := range p.links {
		if l.req == 0 {
			continue
		}
		if l.h == h {
			h.failRequest(l.req, l.f, err)
			continue
		}
		if !l.h.post(func() { l.h.failRequest(l.req, l.f, err) }) {
			h.dir.release(servingTag{l.replyID, l.req}) // that actor has stopped
		}
	}
}

// failRequest fails request id of f with err, if f still waits on it.
func (h *Host) failRequest(id uint32, f *fiber.Fiber, err error) {
	if h.reply() != nil {
		h.dir.release(servingTag{h.reply().Id, id})
	}
	if r := h.requests[id]; r != nil && r.waker.Fiber() == f {
		delete(h.requests, id)
		r.waker.Wake(err)
	}
}

// DeadlockError is the error of the waits of a wait cycle: fibers that
// wait on each other, across actors, so that none of them can go on. Every
// [Request] of the cycle fails with it (the other waits of the cycle go on
// once the failed requests' fibers react).
//
// Detection covers the hosts of one [Directory] (one process): a request
// that has pended for the directory's detectAfter (and again at 2, 4, …
// 64 times that) is followed through the fiber serving it in the target
// actor, and through the joins and mutexes of the fibers it meets; a walk
// that comes back is confirmed by a second one, link by link, before the
// requests fail. A request that the target's handler keeps to answer
// later, a wait on a channel, an event or a timer, and a request to a
// remote or non-Weft actor end the walk: such cycles are not detected.
// A request is taken to be answered by the fiber that received it, or that
// the target's handler spawned while handling it: if some other fiber (a
// child of that one, say) answers it instead, a cycle through the first
// one may be reported although that answer would have broken it.
//
// A DeadlockError is never modified once built: it may be copied and read
// from any goroutine.
type DeadlockError struct {
	// Cycle lists the waits of the cycle, starting with the request whose
	// probe found it; the last one waits on the first.
	Cycle []WaitLink
}

// WaitLink is one wait of a wait cycle. It is a plain value, never
// modified once built.
type WaitLink struct {
	// Actor is the PID of the actor the fiber lives in.
	Actor *actor.PID
	// Fiber and FiberID name the waiting fiber.
	Fiber   string
	FiberID uint64
	// Wait says what the fiber waits on, such as "request to nonhost/b",
	// "mutex held by worker" or "join child".
	Wait string
	// Stack is the fiber's stack where it waits, innermost first, as a
	// goroutine profile shows it; empty if it could not be found.
	Stack string
}

// Error names the cycle, one wait after the other.
func (e *DeadlockError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bridge: deadlock: wait cycle of %d fibers: ", len(e.Cycle))
	for i, l := range e.Cycle {
		if i > 0 {
			b.WriteString(" → ")
		}
		fmt.Fprintf(&b, "fiber %q of %s waits on %s", l.Fiber, pids.String(l.Actor), l.Wait)
	}
	if len(e.Cycle) > 0 {
		fmt.Fprintf(&b, " → fiber %q", e.Cycle[0].Fiber)
	}
	return b.String()
}

// Stacks returns the stacks of the cycle's fibers, one after the other,
// each headed by the fiber and its wait.
func (e *DeadlockError) Stacks() string {
	var b strings.Builder
	for _, l := range e.Cycle {
		fmt.Fprintf(&b, "fiber %q (%d) of %s, waiting on %s:\n%s\n", l.Fiber, l.FiberID, pids.String(l.Actor), l.Wait, l.Stack)
	}
	return b.String()
}

// Unwrap returns [ErrDeadlock] and [fiber.ErrDeadlock], so that
// [errors.Is] matches either.
func (e *DeadlockError) Unwrap() []error { return []error{ErrDeadlock, fiber.ErrDeadlock} }

// spawnServing spawns a top-level fiber that serves the request sender
// made: it is tagged so before its first run, which may already wait, and
// indexed once spawned (probes reach the index only through posted
// functions, which do not run during a spawn).
func (h *Host) spawnServing(sender *actor.PID, name string, fn func(*fiber.Fiber) error, opts []fiber.SpawnOption) *fiber.Fiber {
	tag := servingTag{sender.Id, sender.RequestId}
	f := h.scheduler().SpawnTagged(name, tag, fn, opts...)
	h.indexServer(tag, f)
	return f
}
