package mailbox

import (
	"sync/atomic"
	"time"
)

// Metrics counts what happens in the mailboxes it is given to with
// [WithMetrics]: how many messages are queued, the high-water mark, how
// many were posted, processed, dropped and rejected, how many fiber senders
// wait for room, and, with [WithQueueTime], how long messages waited in the
// queue.
//
// Only user messages (ordinary and control) are counted; system messages
// are not. Every user message a mailbox decides on counts once in Posted
// and, at once or later, once in exactly one of Processed, DroppedNewest,
// DroppedOldest and Rejected, unless it is still queued:
//
//	Posted == Processed + DroppedNewest + DroppedOldest + Rejected + Len
//
// A message that a fiber sender has parked ([Mailbox.PostOrPark]) counts in
// Waiting, and in Posted only once the mailbox has queued or refused it; a
// parked message withdrawn by its sender is not counted.
//
// Several mailboxes may share a Metrics (a producer hands its options to
// every mailbox it makes): the counters then add up, Len is the sum of
// their queues and HighWater the longest queue any one of them reached.
//
// Counting costs one atomic add per message on the posting side and one
// on the actor's side, on separate cache lines.
//
// The zero value is ready to use, as is [NewMetrics]'s result. A Metrics
// must not be copied once in use. All its methods are safe for concurrent
// use.
type Metrics struct {
	// Updated by posters. Len is not kept but derived, so that posts and
	// turns never write the same cache line (sharing one costs about as
	// much as the rest of the mailbox).
	posted        atomic.Uint64
	droppedNewest atomic.Uint64
	droppedOldest atomic.Uint64
	rejected      atomic.Uint64
	waiting       atomic.Int64
	highWater     atomic.Int64
	_             [64]byte

	// Updated by the actor's turns.
	processed    atomic.Uint64
	timed        atomic.Uint64
	queueTime    atomic.Int64 // nanoseconds, summed
	maxQueueTime atomic.Int64 // nanoseconds
}

// NewMetrics returns a Metrics with every counter at zero.
func NewMetrics() *Metrics { return new(Metrics) }

// Snapshot is the value of a [Metrics] at one moment: a plain struct that
// may be copied and compared freely.
type Snapshot struct {
	// Len is the number of user messages queued (ordinary and control),
	// counting a message being handed to the actor until it is counted in
	// Processed.
	Len int
	// HighWater is the highest Len seen (with a shared Metrics, the
	// longest queue of any one mailbox).
	HighWater int
	// Waiting is the number of messages parked by fiber senders, waiting for
	// room in a full [Suspend] mailbox.
	Waiting int
	// Posted is the number of user messages the mailbox has decided on:
	// queued, dropped or rejected.
	Posted uint64
	// Processed is the number of user messages handed to the actor.
	Processed uint64
	// DroppedNewest is the number of arriving messages dropped because the
	// mailbox was full ([DropNewest], or [DropOldest] when the only queued
	// messages were of a higher lane).
	DroppedNewest uint64
	// DroppedOldest is the number of queued messages dropped to make room
	// ([DropOldest]).
	DroppedOldest uint64
	// Rejected is the number of messages refused: posts to a full [Reject]
	// or [Suspend] mailbox, refusals reported to [Mailbox.Offer] and
	// [Mailbox.PostOrPark], and parked messages refused because the actor
	// stopped.
	Rejected uint64
	// Timed is the number of processed messages whose time in the queue was
	// measured ([WithQueueTime]).
	Timed uint64
	// QueueTime is the total time the Timed messages spent queued.
	QueueTime time.Duration
	// MaxQueueTime is the longest time one of them spent queued.
	MaxQueueTime time.Duration
}

// Dropped returns the number of messages dropped for any reason.
func (s Snapshot) Dropped() uint64 { return s.DroppedNewest + s.DroppedOldest }

// MeanQueueTime returns the mean time in the queue of the Timed messages,
// or 0 if none was timed.
func (s Snapshot) MeanQueueTime() time.Duration {
	if s.Timed == 0 {
		return 0
	}
	return s.QueueTime / time.Duration(s.Timed)
}

// Snapshot returns the current values. Each counter is read atomically,
// but not all of them at the same instant: while messages flow, Len may
// count a message that is already being handed to the actor. Every update
// a mailbox made before an event that synchronizes before the call to
// Snapshot is reflected (for example: an actor handles a message, then
// signals a channel that the caller of Snapshot receives from). The counts
// of a message are updated before the actor receives it.
func (m *Metrics) Snapshot() Snapshot {
	// Read the outcomes before Posted: a message is counted as posted
	// before its outcome, so the derived Len is never negative.
	s := Snapshot{
		Processed:     m.processed.Load(),
		DroppedNewest: m.droppedNewest.Load(),
		DroppedOldest: m.droppedOldest.Load(),
		Rejected:      m.rejected.Load(),
		Timed:         m.timed.Load(),
		QueueTime:     time.Duration(m.queueTime.Load()),
		MaxQueueTime:  time.Duration(m.maxQueueTime.Load()),
		Waiting:       int(m.waiting.Load()),
		HighWater:     int(m.highWater.Load()),
	}
	s.Posted = m.posted.Load()
	s.Len = int(s.Posted - s.Processed - s.DroppedNewest - s.DroppedOldest - s.Rejected)
	return s
}

// raise raises the high-water mark to n.
func (m *Metrics) raise(n int64) {
	for {
		hw := m.highWater.Load()
		if n <= hw || m.highWater.CompareAndSwap(hw, n) {
			return
		}
	}
}

// waited records one processed message's time in the queue.
func (m *Metrics) waited(d int64) {
	m.timed.Add(1)
	m.queueTime.Add(d)
	for {
		cur := m.maxQueueTime.Load()
		if d <= cur || m.maxQueueTime.CompareAndSwap(cur, d) {
			return
		}
	}
}
