package bridge

import (
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// callTableID is the process ID of a system's call table.
const callTableID = "weft-calls"

// callTable is the protoactor process that takes the replies of the calls
// made with [CallRawUntil] in one actor system: one process, registered
// once, instead of a process registered and removed per call. A call's
// reply PID carries the table's ID and a RequestId that names the call.
// It is safe for concurrent use.
type callTable struct {
	mu     sync.Mutex
	last   uint32
	calls  map[uint32]*callProcess
	timers sync.Pool // *time.Timer, stopped: the Within bounds of calls
}

// callTableOf returns the call table of the system of reg, registering it
// on first use. It stays registered for the life of the system, and holds
// only the calls in progress.
func callTableOf(reg *actor.ProcessRegistryValue) *callTable {
	if p, ok := reg.GetLocal(callTableID); ok {
		return p.(*callTable)
	}
	t := &callTable{calls: make(map[uint32]*callProcess)}
	if _, added := reg.Add(t, callTableID); !added {
		p, _ := reg.GetLocal(callTableID) // another call registered one first
		return p.(*callTable)
	}
	return t
}

// add enters p and returns its RequestId (never 0, never one in use).
func (t *callTable) add(p *callProcess) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	for {
		t.last++
		if _, used := t.calls[t.last]; t.last != 0 && !used {
			t.calls[t.last] = p
			return t.last
		}
	}
}

// timer returns a timer of the table's that fires after d.
func (t *callTable) timer(d time.Duration) *time.Timer {
	if tm, ok := t.timers.Get().(*time.Timer); ok {
		tm.Reset(d) // stopped, and Go 1.23's timers keep no stale tick
		return tm
	}
	return time.NewTimer(d)
}

// putTimer stops tm and keeps it for another call.
func (t *callTable) putTimer(tm *time.Timer) {
	tm.Stop()
	t.timers.Put(tm)
}

func (t *callTable) remove(id uint32) {
	t.mu.Lock()
	delete(t.calls, id)
	t.mu.Unlock()
}

func (t *callTable) get(id uint32) *callProcess {
	t.mu.Lock()
	p := t.calls[id]
	t.mu.Unlock()
	return p
}

// SendUserMessage hands a reply to its call; a reply to a call that has
// returned is dropped.
func (t *callTable) SendUserMessage(pid *actor.PID, message any) {
	if p := t.get(pid.RequestId); p != nil {
		p.SendUserMessage(pid, message)
	}
}

// SendSystemMessage ignores system messages: the table's calls watch
// nothing.
func (t *callTable) SendSystemMessage(*actor.PID, any) {}

// Stop does nothing: the table lives as long as its system.
func (t *callTable) Stop(*actor.PID) {}
