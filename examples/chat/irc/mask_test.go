package irc_test

import (
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		mask, s string
		want    bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"nick!*@*", "Nick!user@host", true},
		{"*!*@127.0.0.1", "alice!alice@127.0.0.1", true},
		{"*!*@127.0.0.2", "alice!alice@127.0.0.1", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"coolni*", "COOLNICK", true},
		{"[x]*", "{X}abc", true},
		{"*a*b*c", "xxaxxbxxc", true},
		{"*a*b*c", "xxaxxbxxcx", false},
		{"", "", true},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := irc.Match(tt.mask, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v; want %v", tt.mask, tt.s, got, tt.want)
		}
	}
}

func TestNormalizeMask(t *testing.T) {
	for in, want := range map[string]string{
		"nick":         "nick!*@*",
		"nick!user":    "nick!user@*",
		"user@host":    "*!user@host",
		"n!u@h":        "n!u@h",
		"!@":           "*!*@*",
		"*!*@10.0.0.*": "*!*@10.0.0.*",
	} {
		if got := irc.NormalizeMask(in); got != want {
			t.Errorf("NormalizeMask(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestTruncateUTF8(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"héllo", 2, "h"},
		{"héllo", 3, "hé"},
		{"abc", 5, "abc"},
		{"€€", 4, "€"},
		{"\xff\xff\xff", 2, "\xff\xff"},
	} {
		if got := irc.TruncateUTF8(tt.s, tt.n); got != tt.want {
			t.Errorf("TruncateUTF8(%q, %d) = %q; want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
