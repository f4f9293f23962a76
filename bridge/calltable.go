package bridge

import (
	"sync"
	"sync/atomic"
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
	mu        sync.Mutex
	last      uint32
	calls     map[uint32]*callProcess
	deadlines sync.Pool // *callDeadline, stopped: the Within bounds of calls
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

// deadline returns a deadline of the table's that fails p with a timeout
// after d, unless it is stopped first (putDeadline).
func (t *callTable) deadline(p *callProcess, d time.Duration) *callDeadline {
	if dl, ok := t.deadlines.Get().(*callDeadline); ok {
		dl.p.Store(p)
		dl.t.Reset(d)
		return dl
	}
	dl := &callDeadline{}
	dl.p.Store(p)
	dl.t = time.AfterFunc(d, dl.fire)
	return dl
}

// putDeadline stops dl and keeps it for another call, unless it has
// fired (or is firing): its function may still read the call it was set
// for, so it is dropped.
func (t *callTable) putDeadline(dl *callDeadline) {
	if dl.t.Stop() {
		dl.p.Store(nil)
		t.deadlines.Put(dl)
	}
}

// callDeadline is the bound of a call: a timer that calls fire, reused
// from call to call, so that a bound costs neither a timer nor a closure
// per call, nor a channel the call selects on.
type callDeadline struct {
	t *time.Timer
	p atomic.Pointer[callProcess] // the call it bounds; nil between calls
}

// fire times the call out, if it has not ended: it gets callTimeout as
// its reply.
func (dl *callDeadline) fire() {
	if p := dl.p.Swap(nil); p != nil && p.done.CompareAndSwap(false, true) {
		p.reply <- callTimeout{}
	}
}

// callTimeout is the reply a call's deadline gives it.
type callTimeout struct{}

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
