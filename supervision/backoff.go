package supervision

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff spaces out the restarts of a child (or a group) that keeps
// failing: true exponential backoff with jitter, a cap, and a reset after
// a quiet period. The n-th restart of a burst (n counted from 0) waits
//
//	d(n) = min(Cap, Base·Factor^n)
//
// randomized by Jitter; when the child has run for ResetAfter since its
// last restart without failing, n starts again from 0.
//
// The zero value means no backoff: restarts happen at once. Fields left
// zero take the defaults their comments give. A Backoff is a plain value:
// copy it freely. It is read-only once given to a [Strategy] or [Fiber]. A
// strategy calls Rand with its lock held, never concurrently; Rand must be
// safe for concurrent use only if the Backoff is shared (by several
// strategies, trees or fibers running on different goroutines).
type Backoff struct {
	// Base is the first delay; zero or less means no backoff at all.
	Base time.Duration
	// Factor is the growth factor between delays; zero means 2. It must
	// be at least 1.
	Factor float64
	// Cap bounds the delay (before jitter); zero means no bound.
	Cap time.Duration
	// Jitter randomizes each delay; the default is [NoJitter].
	Jitter Jitter
	// ResetAfter is the quiet period: a child that has run that long since
	// its last restart without failing starts again from Base. Zero means
	// never.
	ResetAfter time.Duration
	// Rand returns random numbers in [0, 1) for the jitter; nil means
	// [math/rand/v2.Float64]. Tests fix it, as in func() float64 { return 0.5 }.
	Rand func() float64
}

// maxDelay is the longest delay Backoff computes.
const maxDelay = time.Duration(math.MaxInt64)

// Delay returns the delay before restart number attempt (counted from 0)
// of a burst, jitter included. It calls Rand once if Jitter is not
// [NoJitter]. It panics if Factor is below 1 (and not zero).
func (b Backoff) Delay(attempt int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	factor := b.Factor
	if factor == 0 {
		factor = 2
	}
	if factor < 1 || math.IsNaN(factor) {
		panic("supervision: Backoff.Factor must be at least 1")
	}
	attempt = max(attempt, 0)
	limit := maxDelay
	if b.Cap > 0 {
		limit = b.Cap
	}
	d := limit
	if f := float64(b.Base) * math.Pow(factor, float64(attempt)); f < float64(limit) {
		d = time.Duration(f)
	}
	switch b.Jitter {
	case FullJitter:
		return time.Duration(float64(d) * b.random())
	case EqualJitter:
		half := d / 2
		return half + time.Duration(float64(d-half)*b.random())
	default:
		return d
	}
}

// random returns a number in [0, 1) from Rand.
func (b Backoff) random() float64 {
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	x := r()
	if !(x >= 0) { // negative or NaN
		return 0
	}
	return min(x, math.Nextafter(1, 0))
}

// validate panics on a Backoff that Delay would reject.
func (b Backoff) validate() {
	if b.Factor != 0 && (b.Factor < 1 || math.IsNaN(b.Factor)) {
		panic("supervision: Backoff.Factor must be at least 1")
	}
}
