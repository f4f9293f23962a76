package irc

import "unicode/utf8"

// Match reports whether s matches the wildcard mask under the rfc1459
// case mapping (see [Fold]): '*' matches any run of bytes (none
// included), '?' any one byte, every other byte itself. It is the
// matching of ban masks and WHO masks; it does not allocate.
func Match(mask, s string) bool {
	// Iterative matching with backtracking to the last '*': linear in
	// len(mask)*len(s) at worst, no recursion.
	mi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case mi < len(mask) && (mask[mi] == '?' || mask[mi] != '*' && foldByte(mask[mi]) == foldByte(s[si])):
			mi++
			si++
		case mi < len(mask) && mask[mi] == '*':
			star, mark = mi, si
			mi++
		case star >= 0:
			mi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for mi < len(mask) && mask[mi] == '*' {
		mi++
	}
	return mi == len(mask)
}

// NormalizeMask completes a ban-style mask to the form nick!user@host:
// "nick" becomes "nick!*@*", "nick!user" becomes "nick!user@*",
// "user@host" becomes "*!user@host", and empty parts become "*".
func NormalizeMask(mask string) string {
	nick, rest, hasBang := cut(mask, '!')
	var user, host string
	if hasBang {
		user, host, _ = cut(rest, '@')
	} else if n, h, hasAt := cut(nick, '@'); hasAt {
		nick, user, host = "*", n, h
	}
	if nick == "" {
		nick = "*"
	}
	if user == "" {
		user = "*"
	}
	if host == "" {
		host = "*"
	}
	return nick + "!" + user + "@" + host
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// TruncateUTF8 returns s cut to at most n bytes, without splitting a
// UTF-8 sequence (a string that is not valid UTF-8 there is cut at n).
func TruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut := n
	for cut > 0 && cut > n-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if !utf8.RuneStart(s[cut]) {
		cut = n
	}
	return s[:cut]
}
