// Package fiber provides fibers: lightweight, cooperatively scheduled
// threads of execution that carry linear flows (request, wait, reply, next
// step) as plain sequential code, without callbacks and without locks.
//
// A scheduler runs a set of fibers on behalf of one owner. Exactly one
// fiber runs at a time, on the owner's goroutine, until it reaches a
// suspension point; then the next ready fiber runs. The owner is either an
// actor (package bridge drives a scheduler from the actor's turns) or the
// calling goroutine, with [Run]:
//
//	err := fiber.Run(ctx, func(f *fiber.Fiber) error {
//		child := f.Spawn("worker", func(f *fiber.Fiber) error {
//			return f.Sleep(time.Second)
//		})
//		return f.Join(child)
//	})
//
// Fibers are built on [iter.Pull] coroutines: a switch between fibers costs
// about as much as one coroutine switch (tens of nanoseconds), and a
// suspended fiber costs about as much memory as a parked goroutine.
//
// Users need [Fiber], [Run], [Await], [Critical], the sync primitives and
// the introspection types. Everything an owner needs to drive fibers lives
// behind one type, [Scheduler] (see Owners below).
//
// # Suspension points
//
// A fiber can be suspended only inside calls documented as suspension
// points: [Fiber.Yield], [Fiber.Sleep], [Fiber.SleepUntil], [Fiber.Join],
// [Await], the waits of the sync primitives ([Mutex.Lock], [Cond.Wait],
// [Event.Wait], [Semaphore.Acquire], [Chan.Send], [Chan.Recv],
// [Group.Wait]), and waits built on [Scheduler.Suspend] outside this
// package (such as the actor bridge's Receive and Request). Between two suspension points a fiber has its scheduler to
// itself: no other fiber of the scheduler runs, so state shared by the
// fibers of one owner needs no locks. Blocking calls (I/O, syscalls,
// database drivers) must not be made on a fiber directly: [Await] runs them
// on another goroutine and suspends the fiber until they return.
//
// # Scheduling order
//
// A spawned fiber runs at once, until its first suspension point, before
// Spawn returns to the spawner. Fibers made ready (by a wake-up or a yield)
// run in FIFO order. For a given sequence of events from outside (timers,
// Await results, posted functions, the owner's own calls) scheduling is
// therefore deterministic.
//
// # Structured lifetime and cancellation
//
// Every fiber has a parent: the fiber that spawned it, or the scheduler's
// owner. Cancelling a fiber ([Fiber.Cancel], the context given to [Run],
// or the owner's [Scheduler.Cancel] and [Scheduler.Close]) cancels its
// descendants. Cancellation is observed at suspension points, which then
// return an error matching [context.Canceled] and the cause under
// [errors.Is]; a cancelled fiber's later suspension points fail at once, so
// its deferred cleanups run to completion without waiting. When a fiber's
// function returns, the fiber waits for its children before it is done (it
// cancels them first if it returned an error or panicked). Each fiber has a
// [context.Context], [Fiber.Context], cancelled with it.
//
// # Failure
//
// A panic in a fiber is recovered and kept, with the fiber's name and stack,
// in a [*PanicError]. By default it fails the owner: [Run] cancels every
// fiber and returns it, and an owner's [Scheduler.RunReady] returns it at
// once (an actor then fails). A fiber
// spawned with [Supervised] hands its panic to whoever joins it instead, so
// that a parent can supervise its children itself.
//
// # Sync primitives
//
// [Mutex], [Cond], [Event], [Semaphore], [Chan] and [Group] suspend fibers,
// never goroutines. Each wait is a cancellation point. Their non-suspending
// methods (Try*, Signal, Set, Close, Unlock, Release) may also be called by
// the owner's own code, such as an actor's message handler feeding a fiber.
//
// # Critical sections
//
// [Critical] runs a function that must not suspend: any suspension point
// reached inside it panics, so code that relies on owning the scheduler
// between two suspension points (Tarantool's rule) says so and is checked.
//
// # Introspection
//
// [Fiber.Info] describes a fiber: its name, state, what it waits on and
// since when, the fiber it depends on ([Fiber.WaitingFor]: the child a
// fiber joins, the holder of the mutex it waits for), when it was spawned
// and how many times it ran; [Scheduler.Fibers] lists them for every live
// fiber of a scheduler, and [Run] uses it to report deadlocks. A [Monitor]
// publishes the fiber running now to other goroutines, for a watchdog that
// reports code running too long without suspending. With
// [WithProfileLabels], fibers carry pprof labels (their name, ID and
// function, or with [WithSpawnSites] their spawn site) that CPU profiles
// and goroutine dumps show.
//
// # Owners
//
// Code that owns fibers uses a [Scheduler]: package bridge for an actor's
// turns, [Run] for the calling goroutine, and waits built outside this
// package, such as package actor's SendWait. [NewScheduler] makes one from
// a [SchedulerConfig] (owner value, base context, clock, wake and idle
// hooks, monitor, spawn sites). The owner spawns top-level fibers ([Scheduler.Spawn],
// [Scheduler.SpawnTagged]), runs them ([Scheduler.RunReady]), feeds it
// events from other goroutines ([Scheduler.Post]), runs blocking calls of
// its own machinery ([Scheduler.Offload]), parks and wakes fibers in waits
// of its own ([Scheduler.Waker], [Scheduler.Suspend]), annotates them
// ([Scheduler.SetTag]), turns on profile labels
// ([Scheduler.SetProfileLabels]) and stops them all ([Scheduler.Close]).
// [Fiber.Scheduler] leads from a fiber to its scheduler and
// [Scheduler.Owner] from there to the owner.
//
// # Concurrency
//
// A scheduler and its fibers belong to one owner at a time. Only
// [Scheduler.Post] and [Monitor.Running] may be called from any goroutine
// (options and [PanicError], [Info] and [Slice] values may be shared too);
// every other function and method of this package, including those of the
// sync primitives, must be called from the owner (from a fiber or from the
// code driving the scheduler), one call at a time. Misuse that can be
// detected, such as suspending outside the fiber or driving a scheduler
// that is already running, panics with a message that starts with
// "fiber: ".
package fiber
