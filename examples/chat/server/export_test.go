package server

import (
	"context"
	"weak"

	"github.com/weft-go/weft/actor"
)

// WithPanicOn returns cfg with a test-only command that makes the
// connection actor handling it panic.
func WithPanicOn(cfg Config, command string) Config {
	cfg.panicOn = command
	return cfg
}

// WithConnTracking returns cfg with a test-only hook: made is called for
// every connection once its actor is spawned, with a probe that reports
// whether the connection's state is still reachable (through a weak
// pointer) and the actor's Stop, which waits for its end.
func WithConnTracking(cfg Config, made func(alive func() bool, stop func(context.Context) error)) Config {
	cfg.connHook = func(c *conn, ref actor.Ref[connMsg]) {
		w := weak.Make(c)
		made(func() bool { return w.Value() != nil }, ref.Stop)
	}
	return cfg
}
