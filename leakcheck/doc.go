// Package leakcheck verifies that tests leave no goroutines behind, on top
// of [go.uber.org/goleak].
//
// Put [VerifyTestMain] in every test package's TestMain, or call
// [VerifyNone] at the end of a single test:
//
//	func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }
//
// Both wait, within a bounded time, for goroutines that are legitimately
// finishing (a timer callback posting its last event, a goroutine returning
// after a shutdown) before they report the ones that remain.
//
// # Concurrency
//
// The functions of this package may be called from any goroutine; they keep
// no global state.
package leakcheck
