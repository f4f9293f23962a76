package irc

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxLine is the longest line RFC 1459 allows, CR LF included.
const MaxLine = 512

// maxParams is the most parameters a message may have (14 middle ones and a
// trailing one).
const maxParams = 15

// Message is one IRC message: optional IRCv3 tags, an optional source (the
// prefix, without its colon), a command (letters, upper-cased by [Parse], or
// a three-digit numeric) and up to 15 parameters.
//
// The zero value is an empty message; it serializes to "*". A Message is a
// plain value and may be copied, but copies share Params and Tags.
type Message struct {
	// Tags are the IRCv3 message tags, unescaped; a tag without a value
	// has the empty string. Nil when the message has none.
	Tags map[string]string
	// Source is the prefix without its leading colon, such as
	// "nick!user@host" or a server name; empty if absent.
	Source string
	// Command is the command or the three-digit numeric.
	Command string
	// Params are the parameters; the last one may contain spaces and may be
	// empty, the others may not.
	Params []string
	// ForceTrailing makes [Message.AppendTo] write the last parameter with
	// its ':' even when it does not need one ("PRIVMSG #c :hi"), as most
	// servers do for text parameters. [Parse] never sets it.
	ForceTrailing bool
}

// Param returns the i-th parameter, or "" if there are not that many.
func (m Message) Param(i int) string {
	if i < 0 || i >= len(m.Params) {
		return ""
	}
	return m.Params[i]
}

// Parse parses one line into a message. A final LF, CR LF or CR is
// ignored; any other NUL, CR or LF fails with [ErrForbiddenByte]. Runs of
// spaces separate fields, and spaces before the first field or after the
// last middle parameter are ignored (those in the last parameter are kept); after 14
// middle parameters the rest of the line is the last one. The command is
// upper-cased. On [ErrBadCommand] the returned message still holds the
// tags, the source and the command as sent (ASCII letters upper-cased, cut
// to 32 bytes), so that a server can answer 421 (ERR_UNKNOWNCOMMAND).
// Errors wrap [ErrEmpty], [ErrForbiddenByte], [ErrBadTags],
// [ErrBadSource], [ErrNoCommand] or [ErrBadCommand].
func Parse(line string) (Message, error) {
	var m Message
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if i := strings.IndexAny(line, "\x00\r\n"); i >= 0 {
		return m, fmt.Errorf("%w: byte %q at offset %d", ErrForbiddenByte, line[i], i)
	}
	s := strings.TrimLeft(line, " ")
	if s == "" {
		return m, ErrEmpty
	}
	if s[0] == '@' {
		raw, rest, _ := strings.Cut(s[1:], " ")
		tags, err := parseTags(raw)
		if err != nil {
			return m, err
		}
		m.Tags = tags
		s = strings.TrimLeft(rest, " ")
	}
	if s != "" && s[0] == ':' {
		src, rest, _ := strings.Cut(s[1:], " ")
		if src == "" {
			return m, fmt.Errorf("%w: empty source", ErrBadSource)
		}
		m.Source = src
		s = strings.TrimLeft(rest, " ")
	}
	if s == "" {
		return m, ErrNoCommand
	}
	cmd, rest, _ := strings.Cut(s, " ")
	if !validCommand(cmd) {
		m.Command = asciiUpper(cmd[:min(len(cmd), 32)])
		return m, fmt.Errorf("%w: %q", ErrBadCommand, truncate(cmd, 32))
	}
	m.Command = strings.ToUpper(cmd)
	s = rest
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		if s[0] == ':' {
			m.Params = append(m.Params, s[1:])
			break
		}
		if len(m.Params) == maxParams-1 {
			m.Params = append(m.Params, s)
			break
		}
		var p string
		p, s, _ = strings.Cut(s, " ")
		m.Params = append(m.Params, p)
	}
	return m, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// validCommand reports whether cmd is letters only or three digits.
func validCommand(cmd string) bool {
	if len(cmd) == 3 && isDigit(cmd[0]) && isDigit(cmd[1]) && isDigit(cmd[2]) {
		return true
	}
	if cmd == "" {
		return false
	}
	for i := 0; i < len(cmd); i++ {
		if c := cmd[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// asciiUpper upper-cases the ASCII letters of s, leaving other bytes alone.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseTags parses an IRCv3 tag section (without the '@').
func parseTags(raw string) (map[string]string, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: empty tag section", ErrBadTags)
	}
	tags := make(map[string]string)
	for t := range strings.SplitSeq(raw, ";") {
		if t == "" {
			continue // tolerate "a=b;" and ";;"
		}
		k, v, _ := strings.Cut(t, "=")
		if !validTagKey(k) {
			return nil, fmt.Errorf("%w: bad key %q", ErrBadTags, truncate(k, 32))
		}
		tags[k] = unescapeTag(v)
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("%w: no tags", ErrBadTags)
	}
	return tags, nil
}

// validTagKey reports whether k is ['+'] [vendor '/'] name, where vendor
// is a host name and name is letters, digits and '-'.
func validTagKey(k string) bool {
	k = strings.TrimPrefix(k, "+")
	if vendor, name, ok := strings.Cut(k, "/"); ok {
		if vendor == "" {
			return false
		}
		for i := 0; i < len(vendor); i++ {
			if c := vendor[i]; !isAlnum(c) && c != '-' && c != '.' {
				return false
			}
		}
		k = name
	}
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !isAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'z')
}

// unescapeTag undoes the IRCv3 tag value escaping: \: \s \\ \r \n; any
// other escaped character stands for itself and a final lone backslash is
// dropped.
func unescapeTag(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(v) {
			break
		}
		switch v[i] {
		case ':':
			b.WriteByte(';')
		case 's':
			b.WriteByte(' ')
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// appendEscapedTag appends v escaped as an IRCv3 tag value; a NUL becomes
// a space (it has no escape).
func appendEscapedTag(dst []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ';':
			dst = append(dst, '\\', ':')
		case ' ':
			dst = append(dst, '\\', 's')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\n':
			dst = append(dst, '\\', 'n')
		case 0:
			dst = append(dst, '\\', 's')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendTo appends the serialized message, without CR LF, to dst and
// returns the extended buffer.
//
// AppendTo never writes NUL, CR or LF, and always writes a line that splits
// back into the same fields, whatever m holds: tags with an invalid key are
// left out and tag values are escaped; in the source, the command and the
// middle parameters, NUL, CR, LF and space become '_' (an empty command or
// middle parameter becomes "*", and a middle parameter's leading ':'
// becomes '_'); in the last parameter, NUL, CR and LF become spaces.
// Parameters beyond the 15th are joined into the 15th with spaces. A
// message that passes [Message.Validate] is written unchanged, and
// [Parse] gives it back.
//
// AppendTo does not allocate beyond growing dst.
func (m Message) AppendTo(dst []byte) []byte {
	dst = AppendTags(dst, m.Tags)
	if m.Source != "" {
		dst = append(dst, ':')
		dst = appendToken(dst, m.Source)
		dst = append(dst, ' ')
	}
	if m.Command == "" {
		dst = append(dst, '*')
	} else {
		dst = appendToken(dst, m.Command)
	}
	params := m.Params
	var joined string
	if len(params) > maxParams {
		joined = strings.Join(params[maxParams-1:], " ")
		params = params[:maxParams]
	}
	for i, p := range params {
		dst = append(dst, ' ')
		if i == len(params)-1 {
			if i == maxParams-1 && joined != "" {
				p = joined
			}
			if m.ForceTrailing || p == "" || p[0] == ':' || strings.IndexByte(p, ' ') >= 0 {
				dst = append(dst, ':')
			}
			dst = appendTrailing(dst, p)
			continue
		}
		switch {
		case p == "":
			dst = append(dst, '*')
		case p[0] == ':':
			dst = append(dst, '_')
			dst = appendToken(dst, p[1:])
		default:
			dst = appendToken(dst, p)
		}
	}
	return dst
}

// AppendTags appends the tag section "@k=v;k2 " (keys sorted, values
// escaped, its trailing space included) for tags to dst; nothing if tags
// is empty. Tags with an invalid key are left out.
func AppendTags(dst []byte, tags map[string]string) []byte {
	if len(tags) == 0 {
		return dst
	}
	start := len(dst)
	dst = append(dst, '@')
	keys := make([]string, 0, len(tags))
	for k := range tags {
		if validTagKey(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, k...)
		if v := tags[k]; v != "" {
			dst = append(dst, '=')
			dst = appendEscapedTag(dst, v)
		}
	}
	if len(keys) == 0 {
		return dst[:start]
	}
	return append(dst, ' ')
}

// appendToken appends s with NUL, CR, LF and space replaced by '_'.
func appendToken(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0, '\r', '\n', ' ':
			dst = append(dst, '_')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendTrailing appends s with NUL, CR and LF replaced by spaces.
func appendTrailing(dst []byte, s string) []byte {
	if strings.IndexAny(s, "\x00\r\n") < 0 {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0, '\r', '\n':
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendLine appends the serialized message and CR LF to dst, as
// [Message.AppendTo] does, cutting the message if needed so that the line,
// CR LF included, is at most max bytes (the cut does not split a UTF-8
// sequence). max <= 0 means [MaxLine].
func (m Message) AppendLine(dst []byte, max int) []byte {
	if max <= 0 {
		max = MaxLine
	}
	start := len(dst)
	dst = m.AppendTo(dst)
	if limit := start + max - 2; len(dst) > limit && limit > start {
		cut := limit
		for cut > start && cut > limit-utf8.UTFMax && !utf8.RuneStart(dst[cut]) {
			cut--
		}
		if !utf8.RuneStart(dst[cut]) {
			cut = limit // not UTF-8 anyway
		}
		dst = dst[:cut]
	}
	return append(dst, '\r', '\n')
}

// String returns the serialized message without CR LF (see
// [Message.AppendTo]).
func (m Message) String() string {
	return string(m.AppendTo(make([]byte, 0, 64)))
}

// Validate reports whether m can be written exactly as it is: tag keys
// valid and tag values without NUL, a source and middle parameters that
// are non-empty tokens (no space, no leading ':' for parameters), a command
// of letters or three digits, at most 15 parameters, and no NUL, CR or LF
// anywhere. [Message.AppendTo] writes a valid message unchanged.
func (m Message) Validate() error {
	for k, v := range m.Tags {
		if !validTagKey(k) {
			return fmt.Errorf("%w: bad key %q", ErrBadTags, truncate(k, 32))
		}
		if strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("%w: NUL in the value of %q", ErrForbiddenByte, k)
		}
	}
	if strings.ContainsAny(m.Source, "\x00\r\n ") {
		return fmt.Errorf("%w: %q", ErrBadSource, truncate(m.Source, 32))
	}
	if m.Command == "" {
		return ErrNoCommand
	}
	if !validCommand(m.Command) {
		return fmt.Errorf("%w: %q", ErrBadCommand, truncate(m.Command, 32))
	}
	if len(m.Params) > maxParams {
		return fmt.Errorf("irc: %d parameters; at most %d", len(m.Params), maxParams)
	}
	for i, p := range m.Params {
		if strings.ContainsAny(p, "\x00\r\n") {
			return fmt.Errorf("%w: in parameter %d", ErrForbiddenByte, i)
		}
		if i < len(m.Params)-1 && (p == "" || p[0] == ':' || strings.IndexByte(p, ' ') >= 0) {
			return fmt.Errorf("irc: parameter %d (%q) is not the last one and is empty, has a space or starts with ':'", i, truncate(p, 32))
		}
	}
	return nil
}

// SplitSource splits a source of the form nick!user@host; parts that are
// missing are empty (a server name comes back as nick).
func SplitSource(src string) (nick, user, host string) {
	nick, host, _ = strings.Cut(src, "@")
	nick, user, _ = strings.Cut(nick, "!")
	return nick, user, host
}
