package irc_test

import (
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
)

func TestValidNick(t *testing.T) {
	tests := []struct {
		nick string
		max  int
		want bool
	}{
		{"alice", 0, true},
		{"[Bob]", 0, true},
		{"a-1_^`{|}", 0, true},
		{"\\o/", 0, false},
		{"123abc", 0, false},
		{"-dash", 0, false},
		{"", 0, false},
		{"ninechars", 0, true},
		{"tencharsxx", 0, false},
		{"tencharsxx", 30, true},
		{strings.Repeat("a", 31), 30, false},
		{"with space", 30, false},
		{"nick!user", 30, false},
		{"caf\xc3\xa9", 30, false},
		{"#chan", 30, false},
		{"a:b", 30, false},
	}
	for _, tt := range tests {
		if got := irc.ValidNick(tt.nick, tt.max); got != tt.want {
			t.Errorf("ValidNick(%q, %d) = %v; want %v", tt.nick, tt.max, got, tt.want)
		}
	}
}

func TestValidChannel(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"#go", true},
		{"#caf\xc3\xa9", true},
		{"#", false},
		{"go", false},
		{"&local", false},
		{"#a,b", false},
		{"#a b", false},
		{"#a:b", false},
		{"#a\x07", false},
		{"#" + strings.Repeat("x", 49), true},
		{"#" + strings.Repeat("x", 50), false},
	}
	for _, tt := range tests {
		if got := irc.ValidChannel(tt.name, 0); got != tt.want {
			t.Errorf("ValidChannel(%q, 0) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"ALICE", "alice"},
		{"[Foo]\\~", "{foo}|^"},
		{"#Chan", "#chan"},
	}
	for _, tt := range tests {
		if got := irc.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if !irc.EqualFold(tt.in, tt.want) {
			t.Errorf("EqualFold(%q, %q) = false; want true", tt.in, tt.want)
		}
	}
	if irc.EqualFold("a", "b") || irc.EqualFold("a", "ab") {
		t.Error("EqualFold of different names = true; want false")
	}
	if n := testing.AllocsPerRun(10, func() { _ = irc.Fold("already-folded") }); n != 0 {
		t.Errorf("Fold of a folded name allocates %v times; want 0", n)
	}
}
