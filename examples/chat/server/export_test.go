package server

// WithPanicOn returns cfg with a test-only command that makes the
// connection actor handling it panic.
func WithPanicOn(cfg Config, command string) Config {
	cfg.panicOn = command
	return cfg
}
