package irc_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ergochat/irc-go/ircmsg"
	"github.com/weft-go/weft/examples/chat/irc"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line string
		want irc.Message
	}{
		{"PING", irc.Message{Command: "PING"}},
		{"ping :x y\r\n", irc.Message{Command: "PING", Params: []string{"x y"}}},
		{"NICK alice\n", irc.Message{Command: "NICK", Params: []string{"alice"}}},
		{"USER a 0 * :Alice Liddell", irc.Message{Command: "USER", Params: []string{"a", "0", "*", "Alice Liddell"}}},
		{":irc.example 001 alice :Welcome home", irc.Message{Source: "irc.example", Command: "001", Params: []string{"alice", "Welcome home"}}},
		{":a!b@c PRIVMSG #chan :", irc.Message{Source: "a!b@c", Command: "PRIVMSG", Params: []string{"#chan", ""}}},
		{"PRIVMSG #chan ::-)", irc.Message{Command: "PRIVMSG", Params: []string{"#chan", ":-)"}}},
		{"  JOIN   #a,#b   k1,k2  ", irc.Message{Command: "JOIN", Params: []string{"#a,#b", "k1,k2"}}},
		{"MODE #c +o-v a:b c", irc.Message{Command: "MODE", Params: []string{"#c", "+o-v", "a:b", "c"}}},
		{"@id=1;+x=a\\sb\\:c\\\\;flag :s CMD p", irc.Message{Tags: map[string]string{"id": "1", "+x": "a b;c\\", "flag": ""}, Source: "s", Command: "CMD", Params: []string{"p"}}},
		{"@vendor.example/k=v\\ CMD", irc.Message{Tags: map[string]string{"vendor.example/k": "v"}, Command: "CMD"}},
		{"CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", irc.Message{Command: "CMD", Params: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 16"}}},
		{"PRIVMSG #c :caf\xc3\xa9 \xff\xfe", irc.Message{Command: "PRIVMSG", Params: []string{"#c", "caf\xc3\xa9 \xff\xfe"}}},
	}
	for _, tt := range tests {
		got, err := irc.Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%q) error = %v; want nil", tt.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %#v; want %#v", tt.line, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		line string
		want error
	}{
		{"", irc.ErrEmpty},
		{"   \r\n", irc.ErrEmpty},
		{"PRIVMSG #a :x\x00y", irc.ErrForbiddenByte},
		{"PRIVMSG #a :x\ry", irc.ErrForbiddenByte},
		{"PRIVMSG #a :x\ny\n", irc.ErrForbiddenByte},
		{": PING", irc.ErrBadSource},
		{":src", irc.ErrNoCommand},
		{"@a=b", irc.ErrNoCommand},
		{"@ PING", irc.ErrBadTags},
		{"@k=v;bad_key=1 PING", irc.ErrBadTags},
		{"@/k PING", irc.ErrBadTags},
		{"PR1VMSG x", irc.ErrBadCommand},
		{"0001 x", irc.ErrBadCommand},
		{"\xff\xfe", irc.ErrBadCommand},
	}
	for _, tt := range tests {
		_, err := irc.Parse(tt.line)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) error = %v; want %v", tt.line, err, tt.want)
		}
	}
}

func TestAppendTo(t *testing.T) {
	tests := []struct {
		m    irc.Message
		want string
	}{
		{irc.Message{Command: "PING", Params: []string{"x"}}, "PING x"},
		{irc.Message{Source: "srv", Command: "001", Params: []string{"nick", "Welcome to IRC"}}, ":srv 001 nick :Welcome to IRC"},
		{irc.Message{Command: "PRIVMSG", Params: []string{"#c", ""}}, "PRIVMSG #c :"},
		{irc.Message{Command: "PRIVMSG", Params: []string{"#c", ":)"}}, "PRIVMSG #c ::)"},
		{irc.Message{Tags: map[string]string{"b": "x y;z", "a": ""}, Command: "TAGMSG"}, "@a;b=x\\sy\\:z TAGMSG"},
		// Sanitizing: nothing can smuggle a line break.
		{irc.Message{Command: "PRIVMSG", Params: []string{"#c", "hi\r\nQUIT :pwned"}}, "PRIVMSG #c :hi  QUIT :pwned"},
		{irc.Message{Source: "a\r\nb", Command: "NO\nTICE", Params: []string{"x y\x00", "", "z"}}, ":a__b NO_TICE x_y_ * z"},
		{irc.Message{Command: "X", Params: []string{":p", "q"}}, "X _p q"},
		{irc.Message{Tags: map[string]string{"bad key": "v", "k": "a\x00\r\n"}, Command: "X"}, "@k=a\\s\\r\\n X"},
		{irc.Message{Tags: map[string]string{"bad key": "v"}, Command: "X"}, "X"},
		{irc.Message{}, "*"},
		{irc.Message{Command: "PRIVMSG", Params: []string{"#c", "hi"}, ForceTrailing: true}, "PRIVMSG #c :hi"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("%#v.String() = %q; want %q", tt.m, got, tt.want)
		}
	}
}

func TestAppendLine(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	m := irc.Message{Source: "n!u@h", Command: "PRIVMSG", Params: []string{"#c", long}}
	b := m.AppendLine(nil, 0)
	if len(b) > irc.MaxLine {
		t.Fatalf("len(AppendLine) = %d; want <= %d", len(b), irc.MaxLine)
	}
	if !strings.HasSuffix(string(b), "é\r\n") {
		t.Errorf("AppendLine cut inside a UTF-8 sequence: ...%q", b[len(b)-6:])
	}
	if got, want := string(irc.Message{Command: "PING"}.AppendLine([]byte("x"), 0)), "xPING\r\n"; got != want {
		t.Errorf("AppendLine = %q; want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	valid := []irc.Message{
		{Command: "PING"},
		{Source: "a!b@c", Command: "PRIVMSG", Params: []string{"#x", "hello there"}},
		{Tags: map[string]string{"+a/b": "x;y z"}, Command: "001", Params: []string{""}},
	}
	for _, m := range valid {
		if err := m.Validate(); err != nil {
			t.Errorf("%#v.Validate() = %v; want nil", m, err)
		}
	}
	invalid := []irc.Message{
		{},
		{Command: "P1NG"},
		{Source: "a b", Command: "X"},
		{Command: "X", Params: []string{"", "y"}},
		{Command: "X", Params: []string{"a b", "y"}},
		{Command: "X", Params: []string{"y\n"}},
		{Tags: map[string]string{"k": "\x00"}, Command: "X"},
		{Command: "X", Params: strings.Fields(strings.Repeat("p ", 16))},
	}
	for _, m := range invalid {
		if err := m.Validate(); err == nil {
			t.Errorf("%#v.Validate() = nil; want an error", m)
		}
	}
}

// TestParseAgreesWithIrcmsg compares Parse with an independent parser,
// github.com/ergochat/irc-go/ircmsg, on well-formed lines.
func TestParseAgreesWithIrcmsg(t *testing.T) {
	lines := []string{
		"PING :irc.example",
		":nick!user@host PRIVMSG #chan :hello, world",
		":srv 353 me = #chan :@alice +bob carol",
		"@time=2024-01-01T00:00:00Z;msgid=abc :n!u@h PRIVMSG #c :tagged",
		"@a=\\s\\:\\\\ CMD x",
		"MODE #c +kl key 10",
		"PRIVMSG #c :",
		"CAP REQ :multi-prefix sasl",
	}
	for _, line := range lines {
		got, err := irc.Parse(line)
		if err != nil {
			t.Errorf("Parse(%q) error = %v", line, err)
			continue
		}
		want, err := ircmsg.ParseLine(line)
		if err != nil {
			t.Errorf("ircmsg.ParseLine(%q) error = %v", line, err)
			continue
		}
		if got.Source != want.Source || got.Command != want.Command || !reflect.DeepEqual(got.Params, want.Params) {
			t.Errorf("Parse(%q) = %q %q %q; ircmsg says %q %q %q", line, got.Source, got.Command, got.Params, want.Source, want.Command, want.Params)
		}
		for k, v := range got.Tags {
			if ok, w := want.GetTag(k); !ok || w != v {
				t.Errorf("Parse(%q) tag %q = %q; ircmsg says %q (present %v)", line, k, v, w, ok)
			}
		}
		// And ircmsg reads back what we write.
		back, err := ircmsg.ParseLine(got.String())
		if err != nil || back.Command != got.Command || !reflect.DeepEqual(back.Params, got.Params) {
			t.Errorf("ircmsg.ParseLine(%q) = %v, %v; want the fields of %q", got.String(), back, err, line)
		}
	}
}

func TestSplitSource(t *testing.T) {
	tests := []struct{ src, nick, user, host string }{
		{"n!u@h", "n", "u", "h"},
		{"irc.example", "irc.example", "", ""},
		{"n@h", "n", "", "h"},
	}
	for _, tt := range tests {
		n, u, h := irc.SplitSource(tt.src)
		if n != tt.nick || u != tt.user || h != tt.host {
			t.Errorf("SplitSource(%q) = %q, %q, %q; want %q, %q, %q", tt.src, n, u, h, tt.nick, tt.user, tt.host)
		}
	}
}

func TestNumeric(t *testing.T) {
	tests := []struct {
		n          irc.Numeric
		code, name string
	}{
		{irc.RplWelcome, "001", "RplWelcome"},
		{irc.RplNamReply, "353", "RplNamReply"},
		{irc.ErrNicknameInUse, "433", "ErrNicknameInUse"},
	}
	for _, tt := range tests {
		if got := tt.n.Code(); got != tt.code {
			t.Errorf("%v.Code() = %q; want %q", tt.n, got, tt.code)
		}
		if got := tt.n.String(); got != tt.name {
			t.Errorf("Numeric(%d).String() = %q; want %q", tt.n, got, tt.name)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m, err := irc.Parse(":nick!user@host PRIVMSG #channel :hello there, how are you?\r\n")
		if err != nil || len(m.Params) != 2 {
			b.Fatal(m, err)
		}
	}
}

func BenchmarkAppendLine(b *testing.B) {
	b.ReportAllocs()
	m := irc.Message{Source: "nick!user@host", Command: "PRIVMSG", Params: []string{"#channel", "hello there, how are you?"}}
	buf := make([]byte, 0, 512)
	for b.Loop() {
		buf = m.AppendLine(buf[:0], 0)
	}
	if len(buf) != 60 {
		b.Fatalf("len = %d", len(buf))
	}
}

func TestParseBadCommandKeepsCommand(t *testing.T) {
	for line, want := range map[string]string{"x1 a": "X1", "foo-bar": "FOO-BAR", ":src 0001 x": "0001"} {
		m, err := irc.Parse(line)
		if !errors.Is(err, irc.ErrBadCommand) || m.Command != want {
			t.Errorf("Parse(%q) = command %q, %v; want %q, ErrBadCommand", line, m.Command, err, want)
		}
	}
}
