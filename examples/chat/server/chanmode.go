package server

import (
	"strconv"
	"strings"

	"github.com/weft-go/weft/examples/chat/irc"
)

// modeString returns the channel's modes and their parameters for 324.
func (ch *channel) modeString(member bool) []string {
	modes := "+"
	if ch.modeS {
		modes += "s"
	}
	if ch.modeT {
		modes += "t"
	}
	if ch.pass == "" {
		return []string{modes}
	}
	key := "*"
	if member {
		key = ch.pass
	}
	return []string{modes + "k", key}
}

// mode handles MODE on the channel: a query, a ban list query, or changes
// of +o +v +t +s +k by an operator.
func (ch *channel) mode(m chanMode) chanAck {
	_, me := ch.find(m.who.id)
	if len(m.args) == 0 {
		ch.numeric(m.who, irc.RplChannelModeIs, append([]string{ch.name}, ch.modeString(me != nil)...)...)
		ch.numeric(m.who, irc.RplCreationTime, ch.name, strconv.FormatInt(ch.created.Unix(), 10))
		return ackOK
	}
	if s := strings.TrimLeft(m.args[0], "+"); s == "b" || s == "" {
		ch.numeric(m.who, irc.RplEndOfBanList, ch.name, "End of channel ban list")
		return ackOK
	}
	if me == nil {
		ch.numeric(m.who, irc.ErrNotOnChannel, ch.name, "You're not on that channel")
		return ackFail
	}
	if !me.op {
		ch.numeric(m.who, irc.ErrChanOPrivsNeeded, ch.name, "You're not channel operator")
		return ackFail
	}
	var (
		applied    strings.Builder
		appliedArg []string
		lastSign   byte
		args       = m.args[1:]
	)
	emit := func(sign, c byte, arg string) {
		if sign != lastSign {
			applied.WriteByte(sign)
			lastSign = sign
		}
		applied.WriteByte(c)
		if arg != "" {
			appliedArg = append(appliedArg, arg)
		}
	}
	next := func() (string, bool) {
		if len(args) == 0 {
			return "", false
		}
		a := args[0]
		args = args[1:]
		return a, true
	}
	sign := byte('+')
	for i := 0; i < len(m.args[0]); i++ {
		c := m.args[0][i]
		switch c {
		case '+', '-':
			sign = c
		case 'o', 'v':
			nick, ok := next()
			if !ok {
				ch.numeric(m.who, irc.ErrNeedMoreParams, "MODE", "Not enough parameters")
				continue
			}
			t := ch.findNick(nick)
			if t == nil {
				if m.known[irc.Fold(nick)] {
					ch.numeric(m.who, irc.ErrUserNotInChannel, nick, ch.name, "They aren't on that channel")
				} else {
					ch.numeric(m.who, irc.ErrNoSuchNick, nick, "No such nick/channel")
				}
				continue
			}
			if c == 'o' {
				t.op = sign == '+'
			} else {
				t.voice = sign == '+'
			}
			emit(sign, c, t.nick)
		case 't':
			ch.modeT = sign == '+'
			emit(sign, c, "")
		case 's':
			ch.modeS = sign == '+'
			emit(sign, c, "")
		case 'k':
			key, ok := next()
			if sign == '+' {
				if !ok {
					ch.numeric(m.who, irc.ErrNeedMoreParams, "MODE", "Not enough parameters")
					continue
				}
				if !validKey(key) {
					ch.numeric(m.who, irc.ErrInvalidKey, ch.name, "Key is not well-formed")
					continue
				}
				ch.pass = key
				emit(sign, c, key)
			} else {
				ch.pass = ""
				emit(sign, c, "*")
			}
		case 'b':
			if _, ok := next(); !ok {
				ch.numeric(m.who, irc.RplEndOfBanList, ch.name, "End of channel ban list")
			}
		default:
			ch.numeric(m.who, irc.ErrUnknownMode, string(c), "is unknown mode char to me")
		}
	}
	if applied.Len() > 0 {
		params := append([]string{ch.name, applied.String()}, appliedArg...)
		ch.fanout(ch.appendMsg(nil, m.who.prefix(), "MODE", params...), 0)
	}
	return ackOK
}

// validKey reports whether key can be a channel key: not empty, at most
// 23 bytes, no space, comma, colon or control character.
func validKey(key string) bool {
	if key == "" || len(key) > 23 || key[0] == ':' {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == ',' || c == 0x7f {
			return false
		}
	}
	return true
}

// modeNickArgs returns the arguments of the modes that take a nickname
// (o, v) in a channel mode string, as the channel will consume them.
func modeNickArgs(modes string, args []string) []string {
	var nicks []string
	sign := byte('+')
	for i := 0; i < len(modes) && len(args) > 0; i++ {
		switch c := modes[i]; {
		case c == '+' || c == '-':
			sign = c
		case c == 'o' || c == 'v':
			nicks = append(nicks, args[0])
			args = args[1:]
		case c == 'b' || c == 'k' || (c == 'l' && sign == '+'):
			args = args[1:]
		}
	}
	return nicks
}
