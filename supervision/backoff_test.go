package supervision_test

import (
	"math"
	"testing"
	"time"

	"github.com/weft-go/weft/supervision"
)

func TestBackoffDelay(t *testing.T) {
	const ms = time.Millisecond
	half := func() float64 { return 0.5 }
	tests := []struct {
		name string
		b    supervision.Backoff
		want []time.Duration // for attempts 0, 1, 2, ...
	}{
		{"zero value: no backoff", supervision.Backoff{}, []time.Duration{0, 0, 0}},
		{"exponential, default factor 2", supervision.Backoff{Base: 10 * ms}, []time.Duration{10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms}},
		{"factor 3, cap", supervision.Backoff{Base: 10 * ms, Factor: 3, Cap: 100 * ms}, []time.Duration{10 * ms, 30 * ms, 90 * ms, 100 * ms, 100 * ms}},
		{"factor 1: constant", supervision.Backoff{Base: 10 * ms, Factor: 1}, []time.Duration{10 * ms, 10 * ms, 10 * ms}},
		{"full jitter", supervision.Backoff{Base: 10 * ms, Cap: 50 * ms, Jitter: supervision.FullJitter, Rand: half}, []time.Duration{5 * ms, 10 * ms, 20 * ms, 25 * ms}},
		{"equal jitter", supervision.Backoff{Base: 10 * ms, Cap: 50 * ms, Jitter: supervision.EqualJitter, Rand: half}, []time.Duration{7500 * time.Microsecond, 15 * ms, 30 * ms, 37500 * time.Microsecond}},
		{"full jitter, r = 0", supervision.Backoff{Base: 10 * ms, Jitter: supervision.FullJitter, Rand: func() float64 { return 0 }}, []time.Duration{0, 0}},
		{"equal jitter, r clamped below 1", supervision.Backoff{Base: 10 * ms, Jitter: supervision.EqualJitter, Rand: func() float64 { return 7 }}, []time.Duration{10*ms - 1, 20*ms - 1}},
	}
	for _, tt := range tests {
		for n, want := range tt.want {
			if got := tt.b.Delay(n); got != want {
				t.Errorf("%s: Delay(%d) = %v; want %v", tt.name, n, got, want)
			}
		}
	}
}

func TestBackoffDelayLimits(t *testing.T) {
	b := supervision.Backoff{Base: time.Second}
	if got, want := b.Delay(10000), time.Duration(math.MaxInt64); got != want {
		t.Errorf("Delay(10000) = %v; want %v", got, want)
	}
	if got, want := b.Delay(-1), time.Second; got != want {
		t.Errorf("Delay(-1) = %v; want %v", got, want)
	}
	b.Jitter = supervision.FullJitter // default random source
	for n := range 20 {
		if d, limit := b.Delay(n), time.Second<<n; d < 0 || d >= limit {
			t.Errorf("Delay(%d) = %v; want in [0, %v)", n, d, limit)
		}
	}
}

func TestBackoffFactorBelowOnePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || r != "supervision: Backoff.Factor must be at least 1" {
			t.Errorf("recover() = %v; want the misuse panic", r)
		}
	}()
	supervision.WithBackoff(supervision.Backoff{Base: time.Second, Factor: 0.5})
}

func TestDeciders(t *testing.T) {
	type myErr struct{ error }
	d := supervision.OnError(errStop, supervision.Stop,
		supervision.OnType[string](supervision.Resume,
			supervision.OnType[*myErr](supervision.Escalate, nil)))
	tests := []struct {
		reason any
		want   supervision.Directive
	}{
		{errStop, supervision.Stop},
		{&wrapped{errStop}, supervision.Stop},
		{"a string", supervision.Resume},
		{panicErr("a string"), supervision.Resume},
		{panicErr(errStop), supervision.Stop},
		{&myErr{}, supervision.Escalate},
		{&wrapped{&myErr{}}, supervision.Escalate},
		{42, supervision.Restart},
	}
	for _, tt := range tests {
		if got := d(tt.reason); got != tt.want {
			t.Errorf("decide(%v) = %v; want %v", tt.reason, got, tt.want)
		}
	}
	if got := supervision.PanicValue(panicErr(42)); got != 42 {
		t.Errorf("PanicValue = %v; want 42", got)
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }
