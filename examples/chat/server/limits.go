package server

import (
	"time"

	"github.com/weft-go/weft/fiber"
)

// The registration timeout and flood control: logic on when lines are
// handled, independent of how they are read.

// throttle applies flood control to the line just read: with a token in
// the bucket it returns at once; otherwise the reader fiber sleeps until
// there is one (the line and those after it wait), unless the client has
// had Flood.MaxDelayed lines in a row delayed, which disconnects it. It
// reports false once the client is being disconnected.
func (c *conn) throttle(f *fiber.Fiber) bool {
	wait := c.flood.take(time.Now())
	if wait <= 0 {
		c.delayed = 0
		return true
	}
	c.delayed++
	if max := c.cfg.Flood.MaxDelayed; max < 0 || c.delayed > max {
		c.close("Excess Flood")
		return false
	}
	return f.Sleep(wait) == nil && !c.closing
}

// bucket is a token bucket for flood control. Owned by the connection's
// reader fiber.
type bucket struct {
	off    bool
	tokens float64
	burst  float64
	perSec float64
	last   time.Time
}

func newBucket(f Flood) bucket {
	if f.Lines < 0 {
		return bucket{off: true}
	}
	return bucket{tokens: float64(f.Burst), burst: float64(f.Burst), perSec: float64(f.Lines) / f.Window.Seconds()}
}

// take takes a token at time now and returns how long to wait before
// using it: 0 if the bucket had one, else the time until the bucket will
// have refilled the token it now owes. It does not depend on how the
// lines are read: only on when they are handled.
func (b *bucket) take(now time.Time) time.Duration {
	if b.off {
		return 0
	}
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSec)
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.perSec * float64(time.Second))
}
