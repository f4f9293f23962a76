package supervise

import (
	"time"

	pa "github.com/asynkron/protoactor-go/actor"
)

// History is the restart record of one child (under one-for-one, or a
// supervised fiber) or of one group (all-for-one, rest-for-one): the
// failures within the intensity window and the backoff state. Its zero
// value is an empty record, ready to use; it must not be copied once used.
// Its owner guards it: a [Strategy] under its lock, or one fiber.
type History struct {
	child     *pa.PID     // the child it counts (one-for-one strategies only), to forget it once gone
	failures  []time.Time // failure times within the window, oldest first
	attempt   int         // restarts of the current backoff burst
	restarted time.Time   // when the last restart was carried out; zero: none yet
	pending   *pending    // a delayed restart waiting for its timer (strategies only)
}

// Admit records a failure at now and reports how many failures the window
// holds, this one included, and whether a restart is allowed: at most
// maxRestarts (negative: any number) within window (zero or less: ever).
// A refused failure resets the record.
func (h *History) Admit(now time.Time, maxRestarts int, window time.Duration) (int, bool) {
	if window > 0 {
		i := 0
		for i < len(h.failures) && now.Sub(h.failures[i]) >= window {
			i++
		}
		h.failures = append(h.failures[:0], h.failures[i:]...)
	}
	n := len(h.failures) + 1
	if maxRestarts >= 0 && len(h.failures) >= maxRestarts {
		h.failures, h.attempt, h.restarted = h.failures[:0], 0, time.Time{}
		return n, false
	}
	h.failures = append(h.failures, now)
	return n, true
}

// NextDelay returns the backoff delay of the next restart under c, starting
// a new burst if the child has been quiet for c.ResetAfter since its last
// restart, and counts the attempt.
func (h *History) NextDelay(now time.Time, c *Config) time.Duration {
	if c.ResetAfter > 0 && !h.restarted.IsZero() && now.Sub(h.restarted) >= c.ResetAfter {
		h.attempt = 0
	}
	var d time.Duration
	if c.Delay != nil {
		d = c.Delay(h.attempt)
	}
	h.attempt++
	return d
}

// Restarted records that a restart was carried out at now, for the
// backoff's quiet period.
func (h *History) Restarted(now time.Time) { h.restarted = now }
