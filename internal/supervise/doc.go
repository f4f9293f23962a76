// Package supervise provides the engine behind package supervision's
// strategies: the failure handling of a [Strategy] (decider, policy,
// restart intensity, backoff timers, pending group restarts) and the
// [Hooks] through which a supervisor that manages its children itself,
// package service's tree, takes parts of that work over.
//
// The package is internal so that the hooks are no part of package
// supervision's API. Package supervision declares its Strategy as a type
// whose underlying type is this package's [Strategy], with methods of its
// own, and sets a [Config] through its options; code of this module
// converts between the two pointer types (*supervision.Strategy and
// *[Strategy]) to reach the engine, which code outside the module cannot
// name. Package supervision re-exports [Directive], [RestartKind] and
// [Policy] as aliases.
//
// # Failures and panics
//
// The engine never re-panics a failure: it hands the reason to the
// decider and, when it escalates, to the supervisor's own supervisor (or
// to [Hooks.Exit]). It does not check its configuration: package
// supervision validates options before they reach a [Config].
//
// # Concurrency
//
// A [Strategy]'s methods are safe for concurrent use: its state is
// guarded by one mutex. Deciders, restart-kind functions, observers and
// hooks are called on the supervisor's goroutine, except [Hooks.Execute],
// which a delayed restart calls from its timer's goroutine. A [History]
// belongs to its owner (a strategy under its lock, or one fiber).
package supervise
