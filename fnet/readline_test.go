package fnet_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
)

// TestReadLineRandomChunks sends random lines, some over the limit, cut
// into random chunks, and checks that ReadLine returns every line within
// the limit, in order, and ErrLineTooLong once for each line over it.
func TestReadLineRandomChunks(t *testing.T) {
	for _, max := range []int{8, 512, 4608, 10000} { // 4608 takes the 8 KiB pool, 10000 is over the pooled sizes
		t.Run(fmt.Sprintf("max=%d", max), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(max)))
			var stream bytes.Buffer
			var want []string
			for range 300 {
				n := rng.IntN(2 * max)
				line := bytes.Repeat([]byte{byte('a' + rng.IntN(26))}, n)
				term := "\n"
				if rng.IntN(2) == 0 {
					term = "\r\n"
				}
				stream.Write(line)
				stream.WriteString(term)
				if n+len(term) > max { // over the limit, terminator included
					want = append(want, "ERR")
				} else {
					want = append(want, string(line))
				}
			}
			data := stream.Bytes()
			run(t, func(f *fiber.Fiber) error {
				srv, cli := wrapPair(t, f)
				defer srv.Close()
				f.Spawn("client", func(f *fiber.Fiber) error {
					defer cli.Close()
					for rest := data; len(rest) > 0; {
						n := min(len(rest), 1+rng.IntN(3*max))
						if _, err := cli.Write(f, rest[:n]); err != nil {
							return err
						}
						rest = rest[n:]
						if rng.IntN(4) == 0 {
							if err := f.Yield(); err != nil {
								return err
							}
						}
					}
					return nil
				})
				for i := 0; ; i++ {
					line, err := srv.ReadLine(f, max)
					if err == io.EOF {
						if i != len(want) {
							t.Errorf("EOF after %d lines; want %d", i, len(want))
						}
						return nil
					}
					got := string(line)
					if errors.Is(err, fnet.ErrLineTooLong) {
						got = "ERR"
					} else if err != nil {
						return err
					}
					if i >= len(want) || got != want[i] {
						t.Fatalf("line %d = %.20q (len %d), %v; want %.20q", i, got, len(got), err, want[min(i, len(want)-1)])
					}
				}
			})
		})
	}
}

// TestReadLineGrowingMax reads with a small max, then with larger ones
// while bytes of the next lines are buffered: nothing buffered is lost
// when the buffer is replaced by a larger one.
func TestReadLineGrowingMax(t *testing.T) {
	long := bytes.Repeat([]byte{'x'}, 6000)
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		data := append([]byte("a\n"), long...)
		data = append(data, "\nb\n"...)
		if _, err := cli.Write(f, data); err != nil {
			return err
		}
		cli.Close()
		want := []struct {
			max  int
			line string
		}{{8, "a"}, {7000, string(long)}, {20000, "b"}}
		for _, w := range want {
			line, err := srv.ReadLine(f, w.max)
			if err != nil {
				return err
			}
			if string(line) != w.line {
				t.Fatalf("ReadLine(%d) = %.20q (len %d); want len %d", w.max, line, len(line), len(w.line))
			}
		}
		return nil
	})
}

// TestReadLineStringReleasesBuffer checks that ReadLineString returns the
// lines ReadLine would, and gives the read buffer back once it returns the
// last line buffered, keeping it while more are buffered.
func TestReadLineStringReleasesBuffer(t *testing.T) {
	run(t, func(f *fiber.Fiber) error {
		srv, cli := wrapPair(t, f)
		defer srv.Close()
		if _, err := cli.Write(f, []byte("one\r\ntwo\n")); err != nil {
			return err
		}
		for _, w := range []struct {
			line string
			held bool
		}{{"one", true}, {"two", false}} {
			line, err := srv.ReadLineString(f, 512)
			if err != nil {
				return err
			}
			if line != w.line || fnet.HoldsBuffer(srv) != w.held {
				t.Fatalf("ReadLineString = %q, holds a buffer: %v; want %q, %v", line, fnet.HoldsBuffer(srv), w.line, w.held)
			}
		}
		cli.Close()
		line, err := srv.ReadLineString(f, 512)
		if line != "" || err != io.EOF {
			t.Fatalf("at the end: ReadLineString = %q, %v; want \"\", EOF", line, err)
		}
		return nil
	})
}

// TestNotifyReadable checks that NotifyReadable runs its function once the
// client sends data, at once when data is buffered, and not after Close.
func TestNotifyReadable(t *testing.T) {
	ranAfterClose := false
	run(t, func(f *fiber.Fiber) error {
		s := f.Scheduler()
		srv, cli := wrapPair(t, f)
		wait := func(send string) error {
			w := s.Waker(f)
			srv.NotifyReadable(func() { w.Wake(nil) })
			if send != "" {
				if _, err := cli.Write(f, []byte(send)); err != nil {
					return err
				}
			}
			return s.Suspend(f, "test notification")
		}
		if err := wait("a\nb\n"); err != nil {
			return err
		}
		if srv.Buffered() != 0 {
			t.Fatalf("Buffered = %d before any read; want 0", srv.Buffered())
		}
		if line, err := srv.ReadLineString(f, 512); err != nil || line != "a" {
			t.Fatalf("ReadLineString = %q, %v; want \"a\"", line, err)
		}
		if srv.Buffered() != 2 {
			t.Fatalf("Buffered = %d; want 2", srv.Buffered())
		}
		if err := wait(""); err != nil { // "b\n" is buffered: at once
			return err
		}
		if line, err := srv.ReadLineString(f, 512); err != nil || line != "b" {
			t.Fatalf("ReadLineString = %q, %v; want \"b\"", line, err)
		}
		srv.NotifyReadable(func() { ranAfterClose = true })
		srv.Close()
		srv.NotifyReadable(func() { ranAfterClose = true }) // closed: nothing
		cli.Close()
		return nil
	})
	if ranAfterClose {
		t.Error("a notification ran after Close")
	}
}
