package server

import (
	"bufio"
	"bytes"
	"io"
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
