//go:build linux

package fnet

import (
	"os"
	"sync"
	"syscall"
)

// Poller waits for the sockets of many connections at once, on one
// goroutine (epoll on Linux), so that a [Conn] made with it
// ([WithPoller]) needs no reader goroutine of its own: an idle connection
// costs no goroutine at all. Create one with [NewPoller] and close it
// with [Poller.Close] once its connections are closed.
//
// A Poller may serve the connections of any number of schedulers; its
// methods are safe for concurrent use. It is available on Linux only:
// elsewhere [NewPoller] returns [ErrUnsupported].
type Poller struct {
	epfd   int
	ep     *os.File        // epfd, in Go's network poller: the goroutine waits there, holding no thread
	erc    syscall.RawConn // ep's
	pipe   [2]int          // written by Close to end the wait; pipe[0] is in the epoll set
	done   chan struct{}
	events []syscall.EpollEvent // the goroutine's
	ready  []*Conn              // the goroutine's
	stop   bool                 // the goroutine's: Close's token came
	waitFn func(uintptr) bool
	mu     sync.Mutex // guards the fields below
	conns  map[uint32]*Conn
	next   uint32
	closed bool
}

// NewPoller returns a poller and starts its goroutine, which runs until
// [Poller.Close].
func NewPoller() (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	p := &Poller{epfd: epfd, done: make(chan struct{}), conns: make(map[uint32]*Conn)}
	if err := syscall.Pipe2(p.pipe[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, os.NewSyscallError("pipe2", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN} // token 0: the pipe
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.pipe[0], &ev); err != nil {
		p.closeFDs()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	// An epoll descriptor is itself pollable (readable while it has
	// events): in Go's poller, the goroutine waits without a thread.
	if err := syscall.SetNonblock(epfd, true); err != nil {
		p.closeFDs()
		return nil, os.NewSyscallError("fcntl", err)
	}
	p.ep = os.NewFile(uintptr(epfd), "fnet-epoll")
	rc, err := p.ep.SyscallConn()
	if err != nil {
		p.closeFDs()
		return nil, err
	}
	p.erc, p.events, p.waitFn = rc, make([]syscall.EpollEvent, 128), p.collect
	go p.loop()
	return p, nil
}

func (p *Poller) closeFDs() {
	syscall.Close(p.pipe[0])
	syscall.Close(p.pipe[1])
	if p.ep != nil {
		p.ep.Close()
	} else {
		syscall.Close(p.epfd)
	}
}

// loop is the poller's goroutine: it waits for events and posts each
// connection's readable report to its scheduler.
func (p *Poller) loop() {
	defer close(p.done)
	for !p.stop {
		if err := p.erc.Read(p.waitFn); err != nil {
			return // the epoll descriptor is broken
		}
		for i, c := range p.ready {
			c.s.Post(c.onReadable)
			p.ready[i] = nil
		}
		p.ready = p.ready[:0]
	}
}

// collect takes the events ready, without waiting, inside RawConn.Read:
// false (wait for the descriptor to be readable) if there are none.
func (p *Poller) collect(fd uintptr) bool {
	n, err := syscall.EpollWait(int(fd), p.events, 0)
	if err == syscall.EINTR || (err == nil && n == 0) {
		return false
	}
	if err != nil {
		p.stop = true
		return true
	}
	p.mu.Lock()
	for _, ev := range p.events[:n] {
		tok := uint32(ev.Fd)
		if tok == 0 {
			p.stop = true // Close
			continue
		}
		if c := p.conns[tok]; c != nil {
			p.ready = append(p.ready, c)
		}
	}
	p.mu.Unlock()
	return true
}

// add registers c and returns its token (not yet in the epoll set: see
// arm).
func (p *Poller) add(c *Conn) (uint32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrClosed
	}
	for {
		p.next++
		if _, used := p.conns[p.next]; p.next != 0 && !used {
			break
		}
	}
	p.conns[p.next] = c
	return p.next, nil
}

// arm asks for one readable report for c (EPOLLONESHOT), at once if the
// socket is readable already. A failure (the socket closed meanwhile) is
// reported as readable: the read that follows meets the error.
func (p *Poller) arm(c *Conn) {
	if err := c.rc.Control(c.ctlFn); err != nil || c.ctlErr != nil {
		c.s.Post(c.onReadable)
	}
}

// ctlCallback adds c's socket to the epoll set, or re-arms it, inside
// RawConn.Control (which keeps the descriptor open meanwhile).
func (c *Conn) ctlCallback(fd uintptr) {
	ev := &c.pev // in c: EpollCtl's argument escapes
	*ev = syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(c.ptok)}
	op := syscall.EPOLL_CTL_MOD
	if !c.padded {
		op = syscall.EPOLL_CTL_ADD
	}
	c.ctlErr = syscall.EpollCtl(c.poll.epfd, op, int(fd), ev)
	if c.ctlErr == nil {
		c.padded = true
	}
}

// remove forgets c, and takes its socket out of the epoll set; it runs
// before the socket is closed.
func (p *Poller) remove(c *Conn) {
	if c.padded {
		_ = c.rc.Control(func(fd uintptr) {
			_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
		})
		c.padded = false
	}
	p.mu.Lock()
	delete(p.conns, c.ptok)
	p.mu.Unlock()
}

// Close stops the poller: its goroutine ends (Close waits for it), and
// the connections still registered are closed, as their schedulers'
// Close would (their fibers wake with errors matching [ErrClosed] or the
// read error). Later calls do nothing and return nil.
func (p *Poller) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	_, _ = syscall.Write(p.pipe[1], []byte{0})
	<-p.done
	for _, c := range conns {
		c.nc.Close()
		c.s.Post(c.onReadable)
	}
	p.closeFDs()
	return nil
}

// pollEvent is the argument of epoll_ctl.
type pollEvent = syscall.EpollEvent
