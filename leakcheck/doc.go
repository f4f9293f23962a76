// Package leakcheck verifies that tests leave nothing running behind them:
// no goroutine, and in particular no Weft fiber, Await call or actor
// system. It is built on [go.uber.org/goleak].
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
// # Reports
//
// A report names the leaked Weft resources first, one line each, then lists
// the raw stacks of every leaked goroutine:
//
//	leaked Weft resources:
//		fiber "reader" of actor gateway suspended in fiber.(*Chan[...]).Recv, called from example.com/chat.(*conn).read (conn.go:42); runs example.com/chat.(*conn).readLoop-fm (for its spawn site, turn on fiber.SchedulerConfig.SpawnSites)
//		Await call of fiber "db" of actor users still running: example.com/store.(*DB).Query (db.go:88)
//		an actor.System was not shut down: 4 worker goroutine(s) alive (call System.Shutdown)
//
// Fiber names, actors and functions come from the pprof labels that
// package fiber sets when labels are on ([fiber.WithProfileLabels] for
// [fiber.Run], [fiber.Scheduler.SetProfileLabels] for other owners; the
// actor bridge turns them on for every actor); without them a fiber is
// still found and reported by what it waits on and who called it. With
// spawn sites on as well ([fiber.SchedulerConfig.SpawnSites],
// [fiber.WithSpawnSites]), a fiber's line names the function and line that
// spawned it ("spawned by ...") instead of the function it runs.
//
// Known background goroutines of protoactor-go are handled by
// configuration, not ignore lists: [actor.NewSystem] shortens the dead-letter
// throttle so that its goroutine ends right after a shutdown.
//
// # Concurrency
//
// The functions of this package may be called from any goroutine; they keep
// no global state.
package leakcheck
