package irc

import "strings"

// DefaultNickLen is the nickname length limit RFC 2812 sets; servers
// usually allow more (and say so with NICKLEN in 005).
const DefaultNickLen = 9

// MaxChannelLen is the channel name length limit of RFC 2812.
const MaxChannelLen = 50

// ValidNick reports whether nick is a valid nickname of at most maxLen
// bytes (maxLen <= 0 means [DefaultNickLen]), by the grammar of RFC 2812:
//
//	nickname = ( letter / special ) *( letter / digit / special / "-" )
//	special  = "[" / "]" / "\" / "`" / "_" / "^" / "{" / "|" / "}"
func ValidNick(nick string, maxLen int) bool {
	if maxLen <= 0 {
		maxLen = DefaultNickLen
	}
	if nick == "" || len(nick) > maxLen {
		return false
	}
	for i := 0; i < len(nick); i++ {
		c := nick[i]
		switch {
		case 'a' <= c|0x20 && c|0x20 <= 'z', isSpecial(c):
		case i > 0 && (isDigit(c) || c == '-'):
		default:
			return false
		}
	}
	return true
}

// isSpecial reports whether c is one of []\`_^{|}.
func isSpecial(c byte) bool {
	return (0x5B <= c && c <= 0x60) || (0x7B <= c && c <= 0x7D)
}

// ValidChannel reports whether name is a valid channel name of at most
// maxLen bytes (maxLen <= 0 or above [MaxChannelLen] means MaxChannelLen):
// a '#' followed by at least one byte that is not NUL, BEL, CR, LF, space,
// comma or colon. Only '#' channels exist on this server (CHANTYPES=#).
func ValidChannel(name string, maxLen int) bool {
	if maxLen <= 0 || maxLen > MaxChannelLen {
		maxLen = MaxChannelLen
	}
	if len(name) < 2 || len(name) > maxLen || name[0] != '#' {
		return false
	}
	return strings.IndexAny(name, "\x00\x07\r\n ,:") < 0
}

// IsChannel reports whether target names a channel (starts with '#'), as
// opposed to a nickname; it does not check that the name is valid.
func IsChannel(target string) bool { return target != "" && target[0] == '#' }

// Fold returns s in rfc1459 case-folded form: ASCII letters in lower case,
// and "[]\~" as "{}|^" (their lower-case forms in the Scandinavian
// character set the mapping comes from). Two names are equal if their
// folded forms are. Fold does not allocate if s is already folded.
func Fold(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if foldByte(s[i]) != s[i] {
			break
		}
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		b[i] = foldByte(b[i])
	}
	return string(b)
}

// EqualFold reports whether a and b are equal under the rfc1459 case
// mapping (see [Fold]).
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if foldByte(a[i]) != foldByte(b[i]) {
			return false
		}
	}
	return true
}

func foldByte(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case c == '[':
		return '{'
	case c == ']':
		return '}'
	case c == '\\':
		return '|'
	case c == '~':
		return '^'
	}
	return c
}
