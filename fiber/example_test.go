package fiber_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weft-go/weft/fiber"
)

// Run drives fibers on the calling goroutine. A spawned fiber runs until its
// first suspension point before Spawn returns; fibers made ready then take
// turns in FIFO order.
func ExampleRun() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		for _, name := range []string{"ping", "pong"} {
			f.Spawn(name, func(f *fiber.Fiber) error {
				for i := range 2 {
					fmt.Println(f.Name(), i)
					if err := f.Yield(); err != nil {
						return err
					}
				}
				return nil
			})
		}
		return nil // main waits for its children before it is done
	})
	fmt.Println("Run:", err)
	// Output:
	// ping 0
	// pong 0
	// ping 1
	// pong 1
	// Run: <nil>
}

// An owner, such as an actor, drives a Scheduler itself: it spawns fibers,
// feeds them from its own code or through Post (from any goroutine), runs
// them with RunReady, and stops them with Close.
func ExampleScheduler() {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	inbox := fiber.NewChan[string](0)
	s.Spawn("printer", func(f *fiber.Fiber) error {
		defer fmt.Println("printer: cleanup")
		for {
			msg, err := inbox.Recv(f)
			if err != nil {
				fmt.Println("printer: stopped:", errors.Is(err, fiber.ErrStopped))
				return err
			}
			fmt.Println("printer:", msg)
		}
	})

	// Another goroutine posts an event; it runs inside the next RunReady.
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		s.Post(func() { inbox.TrySend("hello from a goroutine") })
	}()
	<-posted
	fmt.Println("owner: RunReady")
	if err := s.RunReady(); err != nil {
		fmt.Println("RunReady:", err)
	}

	// The owner's own code may feed the fiber directly.
	inbox.TrySend("hello from the owner")
	fmt.Println("owner: RunReady")
	if err := s.RunReady(); err != nil {
		fmt.Println("RunReady:", err)
	}

	// Close cancels the fibers with ErrStopped and runs their cleanups.
	fmt.Println("owner: Close")
	if err := s.Close(context.Background()); err != nil {
		fmt.Println("Close:", err)
	}
	fmt.Println("live fibers:", s.Live())
	// Output:
	// owner: RunReady
	// printer: hello from a goroutine
	// owner: RunReady
	// printer: hello from the owner
	// owner: Close
	// printer: stopped: true
	// printer: cleanup
	// live fibers: 0
}

// An owner builds a wait of its own, as the actor bridge does for replies:
// it takes a Waker for the fiber, files it where the event will find it,
// and suspends the fiber; the owner's own code wakes it later.
func ExampleScheduler_Suspend() {
	s := fiber.NewScheduler(fiber.SchedulerConfig{})
	var waiting []fiber.Waker // the owner's record of fibers awaiting a signal
	s.Spawn("waiter", func(f *fiber.Fiber) error {
		waiting = append(waiting, s.Waker(f))
		err := s.Suspend(f, "signal")
		fmt.Println("waiter: woken with", err)
		return nil
	})
	in := s.Fibers()[0]
	fmt.Println("owner: waiter is", in.State, "on", in.WaitingOn)

	for _, w := range waiting {
		w.Wake(nil) // makes the fiber ready; it runs in the next RunReady
	}
	if err := s.RunReady(); err != nil {
		fmt.Println("RunReady:", err)
	}
	if err := s.Close(context.Background()); err != nil {
		fmt.Println("Close:", err)
	}
	// Output:
	// owner: waiter is Suspended on signal
	// waiter: woken with <nil>
}

// A child runs at once, until its first suspension point; Join waits for it
// and returns its error.
func ExampleFiber_Spawn() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		child := f.Spawn("child", func(f *fiber.Fiber) error {
			fmt.Println("child: started")
			if err := f.Yield(); err != nil {
				return err
			}
			fmt.Println("child: failing")
			return errors.New("child failed")
		})
		fmt.Println("main: spawned", child.Name())
		err := f.Join(child)
		fmt.Println("main: joined:", err)
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// child: started
	// main: spawned child
	// child: failing
	// main: joined: child failed
	// Run: <nil>
}

// A supervised child's panic is returned by Join instead of failing Run.
func ExampleSupervised() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		child := f.Spawn("risky", func(f *fiber.Fiber) error {
			panic("out of cheese")
		}, fiber.Supervised())
		var pe *fiber.PanicError
		if errors.As(f.Join(child), &pe) {
			fmt.Printf("fiber %q panicked: %v\n", pe.Fiber, pe.Value)
		}
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// fiber "risky" panicked: out of cheese
	// Run: <nil>
}

// A producer and a consumer joined by a bounded channel: Send suspends while
// the buffer is full, Recv while it is empty, and Close lets the consumer
// drain what is left before it sees ErrClosed.
func ExampleChan() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		ch := fiber.NewChan[int](2)
		f.Spawn("producer", func(f *fiber.Fiber) error {
			defer ch.Close()
			for i := 1; i <= 5; i++ {
				if err := ch.Send(f, i); err != nil {
					return err
				}
				fmt.Println("sent", i)
			}
			return nil
		})
		for {
			v, err := ch.Recv(f)
			if errors.Is(err, fiber.ErrClosed) {
				fmt.Println("closed")
				return nil
			}
			if err != nil {
				return err
			}
			fmt.Println("received", v)
		}
	})
	fmt.Println("Run:", err)
	// Output:
	// sent 1
	// sent 2
	// received 1
	// received 2
	// received 3
	// sent 3
	// sent 4
	// sent 5
	// received 4
	// received 5
	// closed
	// Run: <nil>
}

// A Mutex protects a read-modify-write that spans a suspension point.
// Without it, both deposits would read the same balance and one would be
// lost.
func ExampleMutex() {
	var (
		mu      fiber.Mutex
		balance int
	)
	deposit := func(amount int) func(*fiber.Fiber) error {
		return func(f *fiber.Fiber) error {
			if err := mu.Lock(f); err != nil {
				return err
			}
			defer mu.Unlock()
			b := balance
			if err := f.Yield(); err != nil { // say, writing an audit record
				return err
			}
			balance = b + amount
			fmt.Println(f.Name(), "deposited", amount)
			return nil
		}
	}
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		var g fiber.Group
		g.Go(f, "alice", deposit(10))
		g.Go(f, "bob", deposit(20))
		return g.Wait(f)
	})
	fmt.Println("balance:", balance, "Run:", err)
	// Output:
	// alice deposited 10
	// bob deposited 20
	// balance: 30 Run: <nil>
}

// A worker waits on a Cond for jobs; it checks its condition in a loop.
func ExampleCond() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		var (
			cond fiber.Cond
			jobs []string
			done bool
		)
		f.Spawn("worker", func(f *fiber.Fiber) error {
			for {
				for len(jobs) == 0 && !done {
					if err := cond.Wait(f); err != nil {
						return err
					}
				}
				if len(jobs) == 0 {
					fmt.Println("worker: no more jobs")
					return nil
				}
				fmt.Println("worker:", jobs[0])
				jobs = jobs[1:]
			}
		})
		jobs = append(jobs, "job 1")
		fmt.Println("main: Signal woke a fiber:", cond.Signal())
		jobs = append(jobs, "job 2")
		fmt.Println("main: Signal woke a fiber:", cond.Signal()) // the worker is ready, not waiting
		if err := f.Yield(); err != nil {
			return err
		}
		done = true
		cond.Broadcast()
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// main: Signal woke a fiber: true
	// main: Signal woke a fiber: false
	// worker: job 1
	// worker: job 2
	// worker: no more jobs
	// Run: <nil>
}

// Set wakes every fiber waiting on an Event; later waits return at once.
func ExampleEvent() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		var ready fiber.Event
		waiter := func(f *fiber.Fiber) error {
			fmt.Println(f.Name(), "waits")
			if err := ready.Wait(f); err != nil {
				return err
			}
			fmt.Println(f.Name(), "goes")
			return nil
		}
		f.Spawn("a", waiter)
		f.Spawn("b", waiter)
		fmt.Println("main: Set")
		ready.Set()
		f.Spawn("late", waiter) // does not suspend: the event is set
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// a waits
	// b waits
	// main: Set
	// late waits
	// late goes
	// a goes
	// b goes
	// Run: <nil>
}

// A Semaphore limits how many fibers do something at once; waiters are
// served in FIFO order.
func ExampleSemaphore() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		sem := fiber.NewSemaphore(2)
		var g fiber.Group
		for _, name := range []string{"w1", "w2", "w3", "w4"} {
			g.Go(f, name, func(f *fiber.Fiber) error {
				if err := sem.Acquire(f, 1); err != nil {
					return err
				}
				defer sem.Release(1)
				fmt.Println(f.Name(), "starts; held:", sem.Held())
				if err := f.Yield(); err != nil { // some work that suspends
					return err
				}
				fmt.Println(f.Name(), "ends")
				return nil
			})
		}
		return g.Wait(f)
	})
	fmt.Println("Run:", err)
	// Output:
	// w1 starts; held: 1
	// w2 starts; held: 2
	// w1 ends
	// w2 ends
	// w3 starts; held: 2
	// w4 starts; held: 2
	// w3 ends
	// w4 ends
	// Run: <nil>
}

// The first member of a Group to fail cancels the others, with its error as
// the cause, and Wait returns it.
func ExampleGroup() {
	errNotFound := errors.New("not found")
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		var g fiber.Group
		g.Go(f, "fetch-a", func(f *fiber.Fiber) error {
			if err := f.Yield(); err != nil {
				return err
			}
			return fmt.Errorf("fetch-a: %w", errNotFound)
		})
		g.Go(f, "fetch-b", func(f *fiber.Fiber) error {
			err := f.Sleep(time.Hour) // cancelled long before
			fmt.Println("fetch-b: cancelled because of fetch-a:", errors.Is(err, errNotFound))
			return err
		})
		err := g.Wait(f)
		fmt.Println("Wait:", err)
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// fetch-b: cancelled because of fetch-a: true
	// Wait: fetch-a: not found
	// Run: <nil>
}

// Await runs a blocking call on another goroutine and suspends the fiber
// until it returns; the other fibers keep running meanwhile.
func ExampleAwait() {
	unblock := make(chan struct{})
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		f.Spawn("other", func(f *fiber.Fiber) error {
			if err := f.Yield(); err != nil {
				return err
			}
			fmt.Println("other: runs while main awaits")
			close(unblock)
			return nil
		})
		n, err := fiber.Await(f, func(ctx context.Context) (int, error) {
			select { // stands for a blocking call, such as a database query
			case <-unblock:
				return 42, nil
			case <-ctx.Done():
				return 0, context.Cause(ctx)
			}
		})
		fmt.Println("main: Await returned", n, err)
		return err
	})
	fmt.Println("Run:", err)
	// Output:
	// other: runs while main awaits
	// main: Await returned 42 <nil>
	// Run: <nil>
}

// Critical turns "no suspension in here" into a checked rule: the transfer
// below must not let another fiber see the money in flight, so a
// suspension point inside it (here a Yield added by mistake) panics
// instead of opening a race.
func ExampleCritical() {
	accounts := map[string]int{"alice": 100, "bob": 0}
	transfer := func(f *fiber.Fiber, from, to string, n int, mistake bool) {
		fiber.Critical(f, func() {
			accounts[from] -= n
			if mistake {
				_ = f.Yield()
			}
			accounts[to] += n
		})
	}
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		transfer(f, "alice", "bob", 30, false)
		return f.Join(f.Spawn("buggy", func(f *fiber.Fiber) error {
			transfer(f, "alice", "bob", 10, true)
			return nil
		}, fiber.Supervised()))
	})
	var pe *fiber.PanicError
	if errors.As(err, &pe) {
		fmt.Println(pe.Fiber, "panicked:", pe.Value)
	}
	fmt.Println(accounts["alice"], accounts["bob"])
	// Output:
	// buggy panicked: fiber: suspension point (yield) reached inside Critical by fiber "buggy"
	// 60 30
}

// A Monitor lets another goroutine see what a scheduler runs: here the
// fiber itself reads it, as a watchdog on another goroutine would.
func ExampleMonitor() {
	m := fiber.NewMonitor()
	_ = fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		f.Spawn("worker", func(f *fiber.Fiber) error {
			if sl, ok := m.Running(); ok {
				fmt.Printf("running: fiber %d %q\n", sl.FiberID, sl.Fiber)
			}
			return nil
		})
		return nil
	}, fiber.WithMonitor(m))
	_, ok := m.Running()
	fmt.Println("running after Run:", ok)
	// Output:
	// running: fiber 2 "worker"
	// running after Run: false
}
