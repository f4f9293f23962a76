package leakcheck

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Option configures a leak check.
type Option func(*config)

type config struct {
	goleak []goleak.Option
}

// IgnoreCurrent ignores the goroutines that exist when the option is
// created: use it in a test that starts after long-lived goroutines it does
// not own.
func IgnoreCurrent() Option {
	opt := goleak.IgnoreCurrent()
	return func(c *config) { c.goleak = append(c.goleak, opt) }
}

// IgnoreTopFunction ignores goroutines whose topmost frame is the named
// function (as in "pkg.Func" or "pkg.(*T).Method"). Prefer configuring
// the thing that leaks over ignoring it.
func IgnoreTopFunction(name string) Option {
	return func(c *config) { c.goleak = append(c.goleak, goleak.IgnoreTopFunction(name)) }
}

func build(opts []Option) []goleak.Option {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return c.goleak
}

// VerifyTestMain runs the tests of m and then, if they passed, fails the
// test binary if any goroutine is left, after waiting (bounded) for
// goroutines that are finishing. The report names leaked Weft resources
// first (fibers with their name, actor, wait and spawn site; Await calls;
// actor systems not shut down), then lists every leaked goroutine's stack.
// Call it as the whole body of TestMain.
func VerifyTestMain(m *testing.M, opts ...Option) {
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(build(opts)...); err != nil {
			fmt.Fprintf(os.Stderr, "leakcheck: goroutines left after the tests passed\n%s\n", describe(err))
			code = 1
		}
	}
	os.Exit(code)
}

// VerifyNone fails t if any goroutine other than the test's own is left,
// after waiting (bounded) for goroutines that are finishing; the report is
// the one [VerifyTestMain] prints. Call it last in a test (or with defer).
func VerifyNone(t testing.TB, opts ...Option) {
	t.Helper()
	if err := goleak.Find(build(opts)...); err != nil {
		t.Errorf("leakcheck: %s", describe(err))
	}
}
