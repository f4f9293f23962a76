package fnet

import (
	"io"

	"github.com/weft-go/weft/fiber"
)

// Reader returns an [io.Reader] whose Read is [Conn.Read] by f, for code
// that takes an io.Reader and runs in f (io.ReadFull, a decoder). Each
// Read suspends f as Conn.Read does. The reader must be used by f alone.
func (c *Conn) Reader(f *fiber.Fiber) io.Reader { return fiberReader{c, f} }

// Writer returns an [io.Writer] whose Write is [Conn.Write] by f, for code
// that takes an io.Writer and runs in f (fmt.Fprintf, an encoder). Each
// Write suspends f as Conn.Write does. The writer must be used by f alone.
func (c *Conn) Writer(f *fiber.Fiber) io.Writer { return fiberWriter{c, f} }

type fiberReader struct {
	c *Conn
	f *fiber.Fiber
}

func (r fiberReader) Read(p []byte) (int, error) { return r.c.Read(r.f, p) }

type fiberWriter struct {
	c *Conn
	f *fiber.Fiber
}

func (w fiberWriter) Write(p []byte) (int, error) { return w.c.Write(w.f, p) }
