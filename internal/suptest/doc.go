// Package suptest provides the test actors and probes shared by the tests
// of packages supervision and service: a [Probe] that records what the
// actors do, in order and with the virtual time, a [Worker] behavior whose
// incarnations record their lifecycle and their fiber's cleanup, and a
// [SpawnParent] supervisor under a recording root. It is for tests only.
//
// # Failures and panics
//
// The test actors panic on purpose, on the messages [Worker] documents.
// Helpers fail their test with t.Fatal; a test actor whose spawn fails
// panics.
//
// # Concurrency
//
// A [Probe]'s methods are safe for concurrent use: actors record from
// their own goroutines. A [Worker] belongs to its actor's turns.
package suptest
