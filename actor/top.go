package actor

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/internal/pids"
	"github.com/weft-go/weft/mailbox"
)

// entry describes a running actor (one incarnation) for Top and the
// watchdog. It is built on demand from the actor's Self (see registered),
// so that the system's record of an actor costs no allocation of its own.
type entry struct {
	seq      uint64 // incarnation order
	pid      *pa.PID
	behavior reflect.Type // nil for a nil behavior
	host     *bridge.Host
	mb       *mailbox.Mailbox // nil: not one of package mailbox's
	watch    *watchState      // nil: no watchdog
}

// registered is the system's record of a running actor: its *Self, whose
// fields that entry reads are set before it registers and not written
// afterwards.
type registered interface{ entry() entry }

// watchState is what the slice watchdog keeps of an actor.
type watchState struct {
	mon *fiber.Monitor // what the actor runs

	// Owned by the watchdog goroutine.
	warned, failed uint64 // the Seq of the last slice reported at each level
}

// mon returns the monitor of e's actor, or nil without a watchdog.
func (e *entry) mon() *fiber.Monitor {
	if e.watch == nil {
		return nil
	}
	return e.watch.mon
}

// typeName returns the name of t as fmt's %T prints it.
func typeName(t reflect.Type) string {
	if t == nil {
		return "<nil>"
	}
	return t.String()
}

// register records a started actor; unregister forgets it.
func (s *System) register(h *bridge.Host, r registered) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actors[h] = r
}

// nextSeq numbers an actor incarnation as its producer runs (protoactor
// runs it synchronously in Spawn, and again for each restart).
func (s *System) nextSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

func (s *System) unregister(h *bridge.Host) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.actors, h)
}

// entries returns the running actors, in the order they were spawned (a
// restarted actor counts from its restart).
func (s *System) entries() []entry {
	s.mu.Lock()
	es := make([]entry, 0, len(s.actors))
	for _, r := range s.actors {
		es = append(es, r.entry())
	}
	s.mu.Unlock()
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.seq, b.seq) })
	return es
}

// ActorInfo describes one running actor at one moment, for [System.Top]. It
// is a plain value: it may be copied and read from any goroutine.
type ActorInfo struct {
	// Actor is the actor's name, as "address/id" (what its Ref's String
	// returns).
	Actor string
	// Behavior is the Go type of the actor's behavior, such as
	// "*main.room".
	Behavior string
	// Started is when this incarnation of the actor started.
	Started time.Time
	// Turns counts the turns the actor has run (one per message, wake-ups
	// included).
	Turns uint64
	// Mailbox is the number of messages queued in the actor's mailbox, or -1
	// if its mailbox is not one of package mailbox's (a protoactor mailbox
	// given with [WithMailbox]).
	Mailbox int
	// Running is what the actor runs now, if it is in a turn and the
	// system has a watchdog ([WithWatchdog]); nil otherwise. Its Fiber is
	// empty while the behavior's own code runs.
	Running *fiber.Slice
	// Fibers lists the actor's live fibers, newest first: name, state,
	// what each waits on and since when, when it was spawned, how many
	// times it ran.
	Fibers []fiber.Info
	// Err is why the actor's turns did not describe it: the context given
	// to Top ended first (the actor is busy: see Running), or the actor
	// stopped meanwhile ([bridge.ErrNotRunning]). Turns and Fibers are then
	// empty.
	Err error
}

// Top describes every running actor of the system, in the order they
// were spawned (a restarted actor counts from its restart): its mailbox, its turns and its fibers. Each actor describes
// itself in one of its turns, so the description is consistent and needs
// no lock; Top asks them all at once and waits until each has answered or
// ctx is done. An actor that did not answer in time (one stuck in a long
// turn) is still listed, with Err set and, if the system has a watchdog,
// what it runs.
//
// Top is safe for concurrent use. It must not be called from an actor's
// turns (its own actor could not answer).
func (s *System) Top(ctx context.Context) []ActorInfo {
	es := s.entries()
	hosts := make([]*bridge.Host, len(es))
	for i, e := range es {
		hosts[i] = e.host
	}
	answers := bridge.InspectAll(ctx, hosts)
	infos := make([]ActorInfo, len(es))
	for i, e := range es {
		a := answers[i]
		in := ActorInfo{Actor: pids.String(e.pid), Behavior: typeName(e.behavior), Mailbox: -1, Err: a.Err}
		if e.mb != nil {
			in.Mailbox = e.mb.UserMessageCount()
		}
		if a.Err == nil {
			in.Started, in.Turns, in.Fibers = a.Info.Started, a.Info.Turns, a.Info.Fibers
		}
		if mon := e.mon(); mon != nil {
			if sl, ok := mon.Running(); ok {
				in.Running = &sl
			}
		}
		infos[i] = in
	}
	return infos
}
