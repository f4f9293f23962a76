package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/weft-go/weft/examples/chat/irc"
)

// whoReq is a parsed WHO request: "WHO <mask> [o]" for 352 replies, or
// "WHO <mask> [o]%<fields>[,<token>]" for WHOX (354) replies with the
// fields given by letter.
type whoReq struct {
	mask      string
	opersOnly bool   // the 'o' flag: operators only
	fields    string // WHOX field letters; "" for plain 352 replies
	token     string // WHOX query token (the 't' field)
}

// whoxFields are the WHOX field letters in the order of their 354 params.
const whoxFields = "tcuihsnfdlaor"

func parseWho(m irc.Message) whoReq {
	req := whoReq{mask: m.Param(0)}
	opts := m.Param(1)
	flags, spec, isX := strings.Cut(opts, "%")
	req.opersOnly = strings.Contains(flags, "o")
	if isX {
		fields, token, _ := strings.Cut(spec, ",")
		var b strings.Builder
		for _, f := range whoxFields { // keep the known letters, once, in order
			if strings.ContainsRune(fields, f) {
				b.WriteRune(f)
			}
		}
		req.fields = b.String()
		if req.fields == "" {
			req.fields = "n" // "%" alone: the nickname
		}
		req.token = token[:min(3, len(token))] // a token is at most 3 digits

	}
	return req
}

// whoFlags returns the WHO flags of m: H (here) or G (gone, away), '*' for
// an operator, then its channel prefix.
func whoFlags(m member, chanPrefix string) string {
	flags := "H"
	if _, away := m.st.awayMessage(); away {
		flags = "G"
	}
	if m.st.mode(umodeOper) {
		flags += "*"
	}
	return flags + chanPrefix
}

// whoLine returns the 352 or 354 line describing m to the requester to.
func (in *info) whoLine(to member, req whoReq, channel string, m member, chanPrefix string) []byte {
	if channel == "" {
		channel = "*"
	}
	if req.fields == "" {
		return in.appendNumeric(nil, irc.RplWhoReply, to.nick, channel, m.user, m.host, in.serverOf(m), m.nick,
			whoFlags(m, chanPrefix), "0 "+m.st.realName())
	}
	params := make([]string, 0, len(req.fields))
	for _, f := range req.fields {
		var v string
		switch f {
		case 't':
			v = req.token
			if v == "" {
				v = "0"
			}
		case 'c':
			v = channel
		case 'u':
			v = m.user
		case 'i', 'h':
			v = m.host // the host is the client's IP address
		case 's':
			v = in.serverOf(m)
		case 'n':
			v = m.nick
		case 'f':
			v = whoFlags(m, chanPrefix)
		case 'd':
			v = "0"
		case 'l':
			v = strconv.FormatInt(max(0, time.Now().Unix()-m.st.idle.Load()), 10)
		case 'a':
			v = "0" // no accounts on this server
		case 'o':
			v = "n/a"
		case 'r':
			v = m.st.realName()
		}
		params = append(params, v)
	}
	ps := append([]string{to.nick}, params...)
	force := strings.HasSuffix(req.fields, "r")
	return irc.Message{Source: in.cfg.Name, Command: irc.RplWhoSpcRpl.Code(), Params: ps, ForceTrailing: force}.AppendLine(nil, in.cfg.Limits.MaxLine)
}

// serverOf returns the name of m's server: this one, or, in a network,
// the node's it is connected to.
func (in *info) serverOf(m member) string {
	if m.server != "" {
		return m.server
	}
	return in.cfg.Name
}

// whoMatches reports whether a user matches a non-channel WHO mask: its
// nickname, user name, host, realname or server matches the wildcard
// mask ("*", "0" or none match everyone).
func (in *info) whoMatches(req whoReq, m member) bool {
	if req.opersOnly && !m.st.mode(umodeOper) {
		return false
	}
	switch req.mask {
	case "", "*", "0":
		return true
	}
	return irc.Match(req.mask, m.nick) || irc.Match(req.mask, m.user) || irc.Match(req.mask, m.host) ||
		irc.Match(req.mask, m.st.realName()) || irc.Match(req.mask, in.serverOf(m)) ||
		irc.Match(req.mask, m.prefix())
}

// memberPrefix returns a member's NAMES/WHO prefix: its highest status,
// or all of them ("@+") for a requester with multi-prefix.
func memberPrefix(m *chanMember, multi bool) string {
	switch {
	case m.op && m.voice && multi:
		return "@+"
	case m.op:
		return "@"
	case m.voice:
		return "+"
	}
	return ""
}
