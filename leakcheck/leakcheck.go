package leakcheck

import (
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

// VerifyTestMain runs the tests of m and then fails the test binary,
// listing each leaked goroutine's stack, if any goroutine is left. Call it
// as the whole body of TestMain.
func VerifyTestMain(m *testing.M, opts ...Option) {
	goleak.VerifyTestMain(m, build(opts)...)
}

// VerifyNone fails t, listing each leaked goroutine's stack, if any
// goroutine other than the test's own is left. Call it last in a test (or
// with defer).
func VerifyNone(t testing.TB, opts ...Option) {
	t.Helper()
	goleak.VerifyNone(t, build(opts)...)
}
