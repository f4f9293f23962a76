package leakcheck_test

import (
	"testing"

	"github.com/weft-go/weft/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}
func (r *recorder) Error(args ...any) {
	r.failed = true
}
func (r *recorder) Errorf(format string, args ...any) { r.failed = true }

func TestVerifyNoneCatchesAGoroutine(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-stop
	}()
	r := &recorder{TB: t}
	leakcheck.VerifyNone(r)
	close(stop)
	<-done
	if !r.failed {
		t.Fatal("VerifyNone with a parked goroutine did not fail")
	}
}

func TestVerifyNonePassesWhenClean(t *testing.T) {
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
	r := &recorder{TB: t}
	leakcheck.VerifyNone(r)
	if r.failed {
		t.Fatal("VerifyNone failed with no goroutine left")
	}
}
