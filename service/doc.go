// Package service provides service trees: a supervisor actor that starts
// a service's actors in order, restarts them by a
// [github.com/weft-go/weft/supervision] strategy and the restart kind of
// each (permanent, transient, temporary, as in Erlang/OTP child
// specifications), and stops them in reverse order, gracefully and then
// by force after a deadline.
//
// # Trees
//
// A [Tree] declares a service: ordered [Child] descriptions, each with a
// start function ([StartActor] for a Weft behavior), a restart kind and a
// stop timeout:
//
//	svc, err := service.Tree{
//		Strategy: supervision.RestForOne(supervision.WithIntensity(3, 5*time.Second)),
//		Children: []service.Child{
//			{Name: "db", Start: service.StartActor(newDB)},
//			{Name: "api", Start: service.StartActor(newAPI), StopTimeout: time.Second},
//		},
//	}.Start(ctx, sys, "shop")
//	api, ok := service.Lookup[APIMsg](svc, "api")
//	err = svc.Stop(ctx)
//
// [Tree.Start] starts the children one at a time, in order, each once the
// previous has handled its Started message; if one fails to start, the
// others stop in reverse order and Start returns the error. The running
// [Supervisor]'s Stop stops them in reverse order, gracefully (a poison
// pill) and by force after each child's timeout. A tree restarts the
// children of a group one at a time too, so the order of their hooks is
// exact, and it starts a Permanent child anew when it stops on its own,
// which a strategy alone never sees.
//
// # Dependencies
//
// The package sits above package actor in Weft's layering: the tree's
// supervisor is a Weft actor (actor.Spawn, so that System.Shutdown stops
// it) whose children are spawned with actor.SpawnChild, and it waits for
// them (a child's start handshake, its Terminated message) with package
// bridge inside that actor's fibers. It imports package supervision for
// the strategies, restart kinds and errors, and the module's internal
// strategy engine, whose hooks let the tree carry out its strategy's
// decisions itself, in order.
//
// # Failures and panics
//
// Failures of the children go to the tree's strategy, as values; a tree
// has no supervisor above it, so a failure its strategy escalates ends
// the service with an error ([Supervisor.Err]). A panicking start
// function fails that child's start. A failure of the tree's own actor
// (a panicking decider or observer) ends the service with an error
// wrapping [ErrTreeFailed]. Misuse (a child without a name or start
// function, duplicate names) panics with a message that starts with
// "service: ".
//
// # Concurrency
//
// A [Supervisor]'s methods, and [Lookup], are safe for concurrent use;
// the tree's state belongs to its actor. [Tree] and [Child] are plain
// values. Start functions run in the tree actor's turns.
package service
