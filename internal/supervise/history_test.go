package supervise_test

import (
	"testing"
	"time"

	"github.com/weft-go/weft/internal/supervise"
)

// TestHistoryAdmit pins the intensity window: failures older than the
// window drop out, the one past the limit is refused and resets the
// record, a negative limit admits any number, a zero window counts
// forever.
func TestHistoryAdmit(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	type step struct {
		at     time.Duration
		n      int
		admits bool
	}
	tests := []struct {
		name   string
		max    int
		window time.Duration
		steps  []step
	}{
		{"two within a second", 2, time.Second, []step{{0, 1, true}, {100 * time.Millisecond, 2, true}, {200 * time.Millisecond, 3, false}, {300 * time.Millisecond, 1, true}}},
		{"old failures drop out", 2, time.Second, []step{{0, 1, true}, {600 * time.Millisecond, 2, true}, {1200 * time.Millisecond, 2, true}, {1300 * time.Millisecond, 3, false}}},
		{"zero allows none", 0, time.Second, []step{{0, 1, false}, {time.Hour, 1, false}}},
		{"negative allows any", -1, time.Second, []step{{0, 1, true}, {0, 2, true}, {0, 3, true}}},
		{"zero window counts forever", 1, 0, []step{{0, 1, true}, {time.Hour, 2, false}}},
	}
	for _, tt := range tests {
		var h supervise.History
		for i, s := range tt.steps {
			n, ok := h.Admit(t0.Add(s.at), tt.max, tt.window)
			if n != s.n || ok != s.admits {
				t.Errorf("%s: step %d: Admit = %d, %v; want %d, %v", tt.name, i, n, ok, s.n, s.admits)
			}
		}
	}
}

// TestHistoryNextDelay pins the backoff bursts: each restart counts an
// attempt, and a quiet period since the last restart starts a new burst.
func TestHistoryNextDelay(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := supervise.Config{
		Delay:      func(attempt int) time.Duration { return time.Duration(attempt+1) * time.Second },
		ResetAfter: time.Minute,
	}
	var h supervise.History
	var got []time.Duration
	at := t0
	for _, quiet := range []time.Duration{0, time.Second, time.Second, time.Minute, time.Second} {
		at = at.Add(quiet)
		got = append(got, h.NextDelay(at, &cfg))
		h.Restarted(at)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, time.Second, 2 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("NextDelay #%d = %v; want %v (all: %v)", i, got[i], want[i], got)
		}
	}
	var none supervise.History
	if d := none.NextDelay(t0, &supervise.Config{}); d != 0 {
		t.Errorf("NextDelay without Delay = %v; want 0", d)
	}
}
