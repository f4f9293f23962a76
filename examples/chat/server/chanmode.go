package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/weft-go/weft/examples/chat/irc"
)

// modeString returns the channel's modes and their parameters for 324;
// the key is shown to members only.
func (ch *channel) modeString(member bool) []string {
	var b strings.Builder
	b.WriteByte('+')
	var params []string
	md := ch.modes
	for _, f := range []struct {
		on bool
		c  byte
	}{{md.i, 'i'}, {md.m, 'm'}, {md.n, 'n'}, {md.s, 's'}, {md.t, 't'}} {
		if f.on {
			b.WriteByte(f.c)
		}
	}
	if md.key != "" {
		b.WriteByte('k')
		if member {
			params = append(params, md.key)
		} else {
			params = append(params, "*")
		}
	}
	if md.limit > 0 {
		b.WriteByte('l')
		params = append(params, strconv.Itoa(md.limit))
	}
	return append([]string{b.String()}, params...)
}

// flag returns the flag mode c (one of imnst).
func (md *chanModes) flag(c byte) *bool {
	switch c {
	case 'i':
		return &md.i
	case 'm':
		return &md.m
	case 'n':
		return &md.n
	case 's':
		return &md.s
	}
	return &md.t
}

// modeChange accumulates the changes one MODE command applied, for the
// one MODE line that announces them.
type modeChange struct {
	modes    strings.Builder
	args     []string
	lastSign byte
}

func (mc *modeChange) add(sign, c byte, arg string) {
	if sign != mc.lastSign {
		mc.modes.WriteByte(sign)
		mc.lastSign = sign
	}
	mc.modes.WriteByte(c)
	if arg != "" {
		mc.args = append(mc.args, arg)
	}
}

// mode handles MODE on the channel: a query (324, 329), a ban list query
// (367, 368), or changes by an operator of +i +m +n +s +t (flags), +k
// (key), +l (limit), +b (bans), +o and +v (members). At most maxModes
// modes with a parameter are applied per command; the applied changes are
// announced in one MODE line.
func (ch *channel) mode(m chanMode) chanAck {
	_, me := ch.find(m.who.id)
	if len(m.args) == 0 {
		ch.numeric(m.who, irc.RplChannelModeIs, append([]string{ch.name}, ch.modeString(me != nil)...)...)
		ch.numeric(m.who, irc.RplCreationTime, ch.name, strconv.FormatInt(ch.created.Unix(), 10))
		return ackOK
	}
	args := m.args[1:]
	if s := strings.TrimLeft(m.args[0], "+"); s == "b" && len(args) == 0 {
		ch.banList(m.who)
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
	var mc modeChange
	withParam := 0
	next := func() (string, bool) {
		if len(args) == 0 {
			return "", false
		}
		a := args[0]
		args = args[1:]
		withParam++
		return a, true
	}
	needMore := func() { ch.numeric(m.who, irc.ErrNeedMoreParams, "MODE", "Not enough parameters") }
	sign := byte('+')
	for i := 0; i < len(m.args[0]); i++ {
		c := m.args[0][i]
		on := sign == '+'
		if withParam >= maxModes && (c == 'o' || c == 'v' || c == 'k' || (c == 'l' && on) || (c == 'b' && len(args) > 0)) {
			continue // beyond MODES: ignored
		}
		switch c {
		case '+', '-':
			sign = c
		case 'i', 'm', 'n', 's', 't':
			if flag := ch.modes.flag(c); *flag != on {
				*flag = on
				mc.add(sign, c, "")
			}
		case 'o', 'v':
			nick, ok := next()
			if !ok {
				needMore()
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
			flag := &t.voice
			if c == 'o' {
				flag = &t.op
			}
			if *flag != on {
				*flag = on
				mc.add(sign, c, t.nick)
			}
		case 'k':
			key, ok := next()
			switch {
			case !on:
				if ch.modes.key != "" {
					ch.modes.key = ""
					mc.add(sign, c, "*")
				}
			case !ok:
				needMore()
			case !validKey(key):
				ch.numeric(m.who, irc.ErrInvalidKey, ch.name, "Key is not well-formed")
			default:
				ch.modes.key = key
				mc.add(sign, c, key)
			}
		case 'l':
			if !on {
				if ch.modes.limit > 0 {
					ch.modes.limit = 0
					mc.add(sign, c, "")
				}
				continue
			}
			arg, ok := next()
			if !ok {
				needMore()
				continue
			}
			n, err := strconv.Atoi(arg)
			if err != nil || n <= 0 {
				ch.numeric(m.who, irc.ErrInvalidModeParam, ch.name, "l", arg, "Invalid limit (a positive number)")
				continue
			}
			ch.modes.limit = n
			mc.add(sign, c, strconv.Itoa(n))
		case 'b':
			arg, ok := next()
			if !ok {
				if len(args) == 0 {
					ch.banList(m.who)
				}
				continue
			}
			ch.changeBan(m.who, &mc, sign, arg)
		default:
			ch.numeric(m.who, irc.ErrUnknownMode, string(c), "is unknown mode char to me")
		}
	}
	if mc.modes.Len() > 0 {
		params := append([]string{ch.name, mc.modes.String()}, mc.args...)
		ch.broadcast(m.who, ch.appendMsg(nil, m.who.prefix(), "MODE", params...))
	}
	return ackOK
}

// changeBan adds (sign '+') or removes a ban mask, completed to
// nick!user@host.
func (ch *channel) changeBan(who member, mc *modeChange, sign byte, arg string) {
	mask := irc.NormalizeMask(arg)
	idx := -1
	for i, b := range ch.bans {
		if irc.EqualFold(b.mask, mask) {
			idx = i
			break
		}
	}
	switch {
	case sign == '+' && idx >= 0: // already banned
	case sign == '+' && len(ch.bans) >= maxBans:
		ch.numeric(who, irc.ErrBanListFull, ch.name, "b", "Channel ban list is full")
	case sign == '+':
		ch.bans = append(ch.bans, ban{mask: mask, by: who.prefix(), at: time.Now()})
		mc.add(sign, 'b', mask)
	case idx >= 0:
		ch.bans = append(ch.bans[:idx], ch.bans[idx+1:]...)
		mc.add(sign, 'b', mask)
	}
}

// validKey reports whether key can be a channel key: not empty, at most
// 23 bytes, no space, comma, leading colon or control character.
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
