package irc_test

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
)

var seeds = []string{
	"PING :x",
	":n!u@h PRIVMSG #c :hello world",
	"@a=b;c=\\s\\:\\\\;+d :s 001 me :Welcome",
	"CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
	"PRIVMSG #c ::-) ",
	"   NICK   x   ",
	"@a=\\ CMD",
	":s CMD :",
	"PRIVMSG #c :\xff\xfe\x01",
	"CMD a\rb",
	"CMD\x00",
	"@;; CMD",
	": CMD",
	"@k CMD x :y z\r\n",
}

// FuzzParse checks, for any input, that Parse does not panic and that a
// parsed message survives serialization: the output has no NUL, CR or LF,
// passes Validate, and parses back to the same message.
func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		m, err := irc.Parse(line)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %#v, which fails Validate: %v", line, m, err)
		}
		out := m.String()
		if strings.ContainsAny(out, "\x00\r\n") {
			t.Fatalf("Parse(%q).String() = %q contains NUL, CR or LF", line, out)
		}
		back, err := irc.Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) error = %v; the line came from Parse(%q)", out, err, line)
		}
		if !equal(back, m) {
			t.Fatalf("Parse(String(Parse(%q))) = %#v; want %#v (via %q)", line, back, m, out)
		}
		if again := back.String(); again != out {
			t.Fatalf("second serialization = %q; want %q", again, out)
		}
	})
}

// FuzzAppendTo checks that serializing any message, valid or not, writes
// exactly one line (no NUL, CR or LF) that parses, and that a valid message
// round-trips.
func FuzzAppendTo(f *testing.F) {
	f.Add("", "PRIVMSG", "#c", "hi\r\nQUIT", "k", "v")
	f.Add("n!u@h", "001", "", ":x", "", "")
	f.Add("a\nb", "", "x y", "", "bad key", "\x00")
	f.Fuzz(func(t *testing.T, src, cmd, p1, p2, tk, tv string) {
		m := irc.Message{Source: src, Command: cmd, Params: []string{p1, p2}}
		if tk != "" {
			m.Tags = map[string]string{tk: tv}
		}
		out := string(m.AppendLine(nil, 0))
		body, ok := strings.CutSuffix(out, "\r\n")
		if !ok || strings.ContainsAny(body, "\x00\r\n") {
			t.Fatalf("%#v.AppendLine = %q; want one line", m, out)
		}
		if len(out) > irc.MaxLine {
			t.Fatalf("len(AppendLine) = %d; want <= %d", len(out), irc.MaxLine)
		}
		if m.Validate() != nil || len(m.AppendTo(nil))+2 > irc.MaxLine {
			return // sanitized or cut: not expected to round-trip
		}
		back, err := irc.Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) error = %v for valid %#v", out, err, m)
		}
		m.Command = strings.ToUpper(m.Command)
		if !equal(back, m) {
			t.Fatalf("Parse(%q) = %#v; want %#v", out, back, m)
		}
	})
}

func equal(a, b irc.Message) bool {
	return maps.Equal(a.Tags, b.Tags) && a.Source == b.Source && a.Command == b.Command &&
		(len(a.Params) == 0 && len(b.Params) == 0 || reflect.DeepEqual(a.Params, b.Params))
}
