package mailbox

import (
	"math/rand/v2"
	"testing"
)

// TestRingFIFO checks the chunked queue against a slice, through random
// runs of pushes and pops that cross chunk boundaries, drain the queue
// and grow it past the largest chunk.
func TestRingFIFO(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var (
		r    ring
		want []int
		next int
	)
	for step := range 20000 {
		if burst := rng.IntN(700); rng.IntN(2) == 0 {
			for range burst {
				r.push(entry{msg: next})
				want = append(want, next)
				next++
			}
		} else {
			for range min(burst, len(want)) {
				got := r.pop().msg.(int)
				if got != want[0] {
					t.Fatalf("step %d: pop = %d; want %d", step, got, want[0])
				}
				want = want[1:]
			}
		}
		if int(r.n) != len(want) {
			t.Fatalf("step %d: n = %d; want %d", step, r.n, len(want))
		}
	}
	for len(want) > 0 {
		if got := r.pop().msg.(int); got != want[0] {
			t.Fatalf("drain: pop = %d; want %d", got, want[0])
		}
		want = want[1:]
	}
	if r.head != nil && (r.head != r.tail || len(r.head.buf) > keepChunk) {
		t.Errorf("an emptied queue keeps %d chunks (first of %d entries); want at most one of at most %d", chunks(&r), len(r.head.buf), keepChunk)
	}
}

func chunks(r *ring) int {
	n := 0
	for c := r.head; c != nil; c = c.next {
		n++
	}
	return n
}

// TestSysQueueFIFO checks the system queue's first-message slot keeps the
// order of messages that wait together.
func TestSysQueueFIFO(t *testing.T) {
	var q sysQueue
	for round := range 3 {
		for i := range round + 2 {
			q.push(i)
		}
		for i := range round + 2 {
			if got := q.pop().(int); got != i {
				t.Fatalf("round %d: pop = %d; want %d", round, got, i)
			}
		}
		if !q.empty() {
			t.Fatalf("round %d: not empty after popping all", round)
		}
	}
}
