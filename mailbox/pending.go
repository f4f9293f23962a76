package mailbox

// Pending is a message parked by [Mailbox.PostOrPark] in a full [Suspend]
// mailbox. The mailbox decides its fate exactly once: it queues the
// message as soon as a queued message leaves (parked messages are queued
// in the order they were parked, ahead of any later post), or refuses it
// with [ErrClosed] if the actor stops first. Until then the sender may
// withdraw it with [Pending.Cancel].
//
// The zero value is not usable; a Pending is used through the pointer
// PostOrPark returns. Its methods are safe for concurrent use.
type Pending struct {
	m    *Mailbox
	e    entry // the message; e.at is set when it is queued
	ctrl bool

	// Guarded by m.mu.
	state      pendingState
	notify     func()
	prev, next *Pending
}

// pendingState is the fate of a parked message.
type pendingState uint8

const (
	parked    pendingState = iota // waiting for room
	queued                        // handed over: queued in the mailbox
	refused                       // the actor stopped first
	withdrawn                     // the sender cancelled
)

// Notify arranges for fn to be called once the mailbox has decided the
// message's fate (see [Pending.Result]): on the goroutine that decided,
// after the mailbox's lock is released, or at once, on the caller's
// goroutine, if the fate is already decided. It is not called if the
// message is withdrawn first. fn must not block; it may post messages,
// including to this mailbox. Call Notify at most once.
func (p *Pending) Notify(fn func()) {
	m := p.m
	m.mu.Lock()
	if p.state == parked {
		p.notify = fn
		m.mu.Unlock()
		return
	}
	done := p.state != withdrawn
	m.mu.Unlock()
	if done {
		fn()
	}
}

// Cancel withdraws the message if the mailbox has not decided its fate
// yet, and reports whether it did: the message is then never queued, not
// counted as posted, and the function given to [Pending.Notify] is not
// called. It reports false if the fate is already decided.
func (p *Pending) Cancel() bool {
	m := p.m
	m.mu.Lock()
	if p.state != parked {
		m.mu.Unlock()
		return false
	}
	m.parked.remove(p)
	p.state, p.notify = withdrawn, nil
	m.mu.Unlock()
	if m.met != nil {
		m.met.waiting.Add(-1)
	}
	return true
}

// Result reports whether the mailbox has decided the message's fate and,
// if so, what it is: nil if the message was queued, [ErrClosed] if it was
// refused because the actor stopped. A withdrawn message is never
// decided. The decision synchronizes before a call to Result that
// observes it.
func (p *Pending) Result() (done bool, err error) {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	switch p.state {
	case queued:
		return true, nil
	case refused:
		return true, ErrClosed
	default:
		return false, nil
	}
}

// parkList is a FIFO list of parked messages, linked through prev/next.
// The zero value is empty.
type parkList struct {
	head, tail *Pending
}

func (l *parkList) push(p *Pending) {
	p.prev = l.tail
	if l.tail == nil {
		l.head = p
	} else {
		l.tail.next = p
	}
	l.tail = p
}

func (l *parkList) remove(p *Pending) {
	if p.prev == nil {
		l.head = p.next
	} else {
		p.prev.next = p.next
	}
	if p.next == nil {
		l.tail = p.prev
	} else {
		p.next.prev = p.prev
	}
	p.prev, p.next = nil, nil
}

// handOverLocked queues the first parked message into the room a message
// just left, and returns it with its notification. m.mu is held.
func (m *Mailbox) handOverLocked() (*Pending, func()) {
	p := m.parked.head
	m.parked.remove(p)
	p.e.at = m.stamp()
	if p.ctrl {
		m.ctrlq.push(p.e)
	} else {
		m.userq.push(p.e)
	}
	if m.met != nil {
		m.queuedLocked()
	}
	notify := p.notify
	p.state, p.notify = queued, nil
	return p, notify
}

// handedOver counts a handed-over message and notifies its sender; m.mu
// is not held.
func (m *Mailbox) handedOver(p *Pending, notify func()) {
	if m.met != nil {
		m.met.waiting.Add(-1)
	}
	for _, h := range m.mw {
		h.MessagePosted(p.e.msg)
	}
	if notify != nil {
		notify()
	}
}

// parkedOutcome is a refused parked message with its notification.
type parkedOutcome struct {
	p      *Pending
	notify func()
}

// refuseParkedLocked refuses every parked message (the actor is stopping)
// and returns them with their notifications. m.mu is held.
func (m *Mailbox) refuseParkedLocked() []parkedOutcome {
	var out []parkedOutcome
	for p := m.parked.head; p != nil; p = m.parked.head {
		m.parked.remove(p)
		out = append(out, parkedOutcome{p, p.notify})
		p.state, p.notify = refused, nil
	}
	return out
}

// refused counts refused parked messages and notifies their senders; m.mu
// is not held.
func (m *Mailbox) refused(out []parkedOutcome) {
	for _, o := range out {
		if m.met != nil {
			m.met.waiting.Add(-1)
		}
		m.decided(rejected)
		if o.notify != nil {
			o.notify()
		}
	}
}
