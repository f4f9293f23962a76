// Package actortest provides deterministic tests for Weft actors and
// fibers: virtual time, reproducible scheduling, and no goroutine left
// behind.
//
// [Run] runs a test in a [testing/synctest] bubble with a fresh
// [actor.System] whose turns run one at a time ([actor.WithSerialTurns]).
// Inside the bubble every timer is virtual: fiber sleeps, [actor.Within]
// deadlines, deadlock probes, supervision backoff and protoactor's own
// timers. Virtual time advances only when every goroutine of the bubble is
// blocked, so an hour-long timeout takes no real time, and [Wait] returns
// once every actor is idle and every fiber suspended. A test that is
// stuck for good (a request nobody answers, without a deadline) fails with
// synctest's deadlock report once the system's deadlock probes have given
// up on it, after 64 probe periods (16 seconds of virtual time by
// default):
//
//	func TestAskTimesOut(t *testing.T) {
//		actortest.Run(t, func(t *testing.T, sys *actor.System) {
//			silent, _ := actor.Spawn(sys, "silent", ...)
//			start := time.Now()
//			_, err := actor.Call(ctx, asker, Relay{}) // the asker's fiber asks silent, Within an hour
//			// err wraps actor.ErrTimeout and time.Since(start) == time.Hour exactly,
//			// in a few milliseconds of real time.
//		})
//	}
//
// For a given order of outside events (what the test sends, timers due at
// distinct instants), a run under Run is reproducible: the serial
// dispatcher runs turns in the order actors became ready, and fibers inside
// a turn run in their documented FIFO order. Timers due at the same instant
// of synctest's clock may fire in either order.
//
// [Clock] is a manual virtual clock for code that cannot live in a bubble
// (an Example, a benchmark, a test that talks to the network): give it to
// a system with [actor.WithClock] (or to [fiber.Run] with
// [fiber.WithClock]) and move it with [Clock.Advance]. Its timers fire in
// deadline order, ties in the order they were set, always.
//
// # Concurrency
//
// Run must be called from the test's goroutine. A Clock is safe for
// concurrent use.
package actortest
