package server

import (
	"bufio"
	"bytes"
	"io"
	"time"
)

// lineReader splits a client's byte stream into lines of at most max bytes
// (terminator included), discarding longer ones without losing the rest of
// the stream. It belongs to one reader at a time: the connection's reader
// fiber, or the Await call the fiber waits for.
type lineReader struct {
	br  *bufio.Reader
	max int
}

// rawLine is one line read from a client.
type rawLine struct {
	text    string // the line, terminator included; empty if tooLong
	tooLong bool   // the line was longer than the limit and was discarded
}

func newLineReader(r io.Reader, limit int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, max(4096, 2*limit)), max: limit}
}

// ready reports whether read would return without reading from the
// socket: a whole line (or a full buffer) is buffered.
func (r *lineReader) ready() bool {
	n := r.br.Buffered()
	if n == 0 {
		return false
	}
	b, _ := r.br.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0 || n == r.br.Size()
}

// read returns the next line. A line longer than the limit is discarded up
// to and including its LF and reported as tooLong. At the end of the
// stream an unterminated last line is dropped and the error (io.EOF or the
// read error) is returned.
func (r *lineReader) read() (rawLine, error) {
	b, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = r.br.ReadSlice('\n')
		}
		if err != nil {
			return rawLine{}, err
		}
		return rawLine{tooLong: true}, nil
	}
	if err != nil {
		return rawLine{}, err
	}
	if len(b) > r.max {
		return rawLine{tooLong: true}, nil
	}
	return rawLine{text: string(b)}, nil
}

// bucket is a token bucket for flood control. Owned by the connection's
// reader fiber.
type bucket struct {
	off    bool
	tokens float64
	burst  float64
	perSec float64
	last   time.Time
}

func newBucket(f Flood) bucket {
	if f.Lines < 0 {
		return bucket{off: true}
	}
	return bucket{tokens: float64(f.Burst), burst: float64(f.Burst), perSec: float64(f.Lines) / f.Window.Seconds()}
}

// take takes a token at time now and returns how long to wait before
// using it: 0 if the bucket had one, else the time until the bucket will
// have refilled the token it now owes. It does not depend on how the
// lines are read: only on when they are handled.
func (b *bucket) take(now time.Time) time.Duration {
	if b.off {
		return 0
	}
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSec)
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.perSec * float64(time.Second))
}
