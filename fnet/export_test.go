package fnet

// HoldsBuffer reports whether c holds a read buffer, for tests.
func HoldsBuffer(c *Conn) bool { return c.buf != nil }

// WriterStarted reports whether c has started its writer goroutine.
func WriterStarted(c *Conn) bool { return c.warm != nil }
