package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/weft-go/weft/bridge"
	"github.com/weft-go/weft/fiber"
)

// An actor whose fiber makes requests as plain sequential code: each
// Request suspends the fiber, not the actor. The responder is an ordinary
// protoactor actor that calls Respond.
func ExampleNewActor() {
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		actor.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	defer sys.Shutdown()

	upper := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if s, ok := c.Message().(string); ok {
			c.Respond(strings.ToUpper(s))
		}
	}))
	done := make(chan struct{})
	client := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); ok {
				h.Spawn("client", func(f *fiber.Fiber) error {
					defer close(done)
					for _, word := range []string{"hello", "fibers"} {
						reply, err := bridge.Request[string](f, upper, word)
						if err != nil {
							fmt.Println("error:", err)
							return err
						}
						fmt.Println(reply)
					}
					return nil
				})
			}
		})
	}))
	<-done

	sys.Root.StopFuture(client).Wait()
	sys.Root.StopFuture(upper).Wait()
	// Output:
	// HELLO
	// FIBERS
}

type login struct{ user string }

// A fiber waits for the next *login message; every other message keeps
// reaching the actor's handler.
func ExampleReceive() {
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		actor.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	defer sys.Shutdown()

	done := make(chan struct{})
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			switch m := c.Message().(type) {
			case *actor.Started:
				h.Spawn("greeter", func(f *fiber.Fiber) error {
					l, err := bridge.Receive[*login](f)
					if err != nil {
						return err
					}
					fmt.Println("fiber: welcome,", l.user)
					return nil
				})
			case string:
				fmt.Println("handler:", m)
				if m == "bye" {
					close(done)
				}
			}
		})
	}))
	sys.Root.Send(pid, "hello")
	sys.Root.Send(pid, &login{user: "ann"})
	sys.Root.Send(pid, "bye")
	<-done

	sys.Root.StopFuture(pid).Wait()
	// Output:
	// handler: hello
	// fiber: welcome, ann
	// handler: bye
}

// Fibers load users by ID; the IDs they ask for while the actor's fibers
// run go out as one batch, each once.
func ExampleLoader() {
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		actor.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	defer sys.Shutdown()

	users := map[int]string{1: "ann", 2: "bob", 3: "cy"}
	done := make(chan struct{})
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return bridge.NewActor(func(h *bridge.Host, c actor.Context) {
			if _, ok := c.Message().(*actor.Started); !ok {
				return
			}
			// The batch function runs on a goroutine of its own: it may block.
			loader := bridge.NewLoader(h, "users", func(ctx context.Context, ids []int) (map[int]string, error) {
				fmt.Println("batch:", ids)
				found := make(map[int]string)
				for _, id := range ids {
					found[id] = users[id]
				}
				return found, nil
			})
			h.Spawn("page", func(f *fiber.Fiber) error {
				defer close(done)
				ids := []int{2, 1, 2}
				names := make([]string, len(ids))
				var loads []*fiber.Fiber
				for i, id := range ids {
					loads = append(loads, f.Spawn("", func(f *fiber.Fiber) error {
						name, err := loader.Load(f, id)
						names[i] = name
						return err
					}))
				}
				for _, l := range loads {
					if err := f.Join(l); err != nil {
						return err
					}
				}
				fmt.Println(names, "in", loader.Batches(), "batch")
				return nil
			})
		})
	}))
	<-done

	sys.Root.StopFuture(pid).Wait()
	// Output:
	// batch: [2 1]
	// [bob ann bob] in 1 batch
}

// Code outside actors asks an actor with Call, which blocks the calling
// goroutine until the reply comes or the context is done.
func ExampleCall() {
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		actor.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	defer sys.Shutdown()

	counter := sys.Root.Spawn(actor.PropsFromFunc(func() actor.ReceiveFunc {
		n := 0
		return func(c actor.Context) {
			if _, ok := c.Message().(string); ok {
				n++
				c.Respond(n)
			}
		}
	}()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 {
		n, err := bridge.Call[int](ctx, sys, counter, "next")
		fmt.Println(n, err)
	}
	_, err := bridge.Call[string](ctx, sys, counter, "next")
	fmt.Println(err)

	sys.Root.StopFuture(counter).Wait()
	// Output:
	// 1 <nil>
	// 2 <nil>
	// bridge: unexpected reply type: got int, want string
}

// Two actors whose hosts share a Directory wait on each other: A's fiber
// holds a mutex while it asks B, B's fiber asks A back before answering,
// and the fiber serving that request in A waits for the mutex. After the
// requests have pended for the directory's detection period, both fail
// with a DeadlockError naming the cycle (and carrying each fiber's stack).
func ExampleNewDirectory() {
	sys := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }),
		actor.WithDeadLetterThrottleInterval(time.Millisecond),
	)
	defer sys.Shutdown()
	dir := bridge.NewDirectory(20 * time.Millisecond)
	props := func(handler bridge.Handler) *actor.Props {
		return actor.PropsFromProducer(func() actor.Actor { return bridge.NewActor(handler, bridge.WithDirectory(dir)) })
	}
	type ask struct{ from *actor.PID }

	b := sys.Root.Spawn(props(func(h *bridge.Host, c actor.Context) {
		if m, ok := c.Message().(ask); ok {
			sender := c.Sender()
			h.Spawn("b-asker", func(f *fiber.Fiber) error {
				_, err := bridge.Request[string](f, m.from, "question")
				h.Turn().Send(sender, err) // the error travels back as the reply
				return nil
			})
		}
	}))
	failed := make(chan error, 1)
	var mu fiber.Mutex
	a := sys.Root.Spawn(props(func(h *bridge.Host, c actor.Context) {
		switch c.Message() {
		case "start":
			h.Spawn("a-asker", func(f *fiber.Fiber) error {
				if err := mu.Lock(f); err != nil {
					return err
				}
				defer mu.Unlock()
				_, err := bridge.Request[string](f, b, ask{from: h.Self()})
				failed <- err
				return nil
			})
		case "question":
			sender := c.Sender()
			h.Spawn("a-answerer", func(f *fiber.Fiber) error {
				if err := mu.Lock(f); err != nil {
					return err
				}
				mu.Unlock()
				h.Turn().Send(sender, "answer")
				return nil
			})
		}
	}))
	sys.Root.Send(a, "start")

	err := <-failed
	var de *bridge.DeadlockError
	if errors.As(err, &de) {
		var waits []string
		for _, l := range de.Cycle {
			waits = append(waits, l.Fiber+" waits on a "+strings.Fields(l.Wait)[0])
		}
		slices.Sort(waits)
		fmt.Println(errors.Is(err, bridge.ErrDeadlock), strings.Join(waits, "; "))
	}
	_ = sys.Root.StopFuture(a).Wait()
	_ = sys.Root.StopFuture(b).Wait()
	// Output:
	// true a-answerer waits on a mutex; a-asker waits on a request; b-asker waits on a request
}
