//go:build !linux

package fnet

// Poller waits for the sockets of many connections at once, on one
// goroutine, so that a [Conn] made with it ([WithPoller]) needs no reader
// goroutine of its own. It is available on Linux only: here [NewPoller]
// returns [ErrUnsupported].
type Poller struct{ epfd int }

// NewPoller returns an error wrapping [ErrUnsupported]: the poller needs
// epoll (Linux).
func NewPoller() (*Poller, error) { return nil, ErrUnsupported }

// Close does nothing.
func (p *Poller) Close() error { return nil }

func (p *Poller) add(*Conn) (uint32, error) { return 0, ErrUnsupported }
func (p *Poller) arm(*Conn)                 {}
func (p *Poller) remove(*Conn)              {}
func (c *Conn) ctlCallback(uintptr)         {}

type pollEvent struct{}
