package server

import (
	"strings"

	"github.com/weft-go/weft/examples/chat/irc"
)

// names queues 353 lines and 366 for who.
func (ch *channel) names(who member) {
	_, me := ch.find(who.id)
	if me != nil || !ch.modeS {
		symbol := "="
		if ch.modeS {
			symbol = "@"
		}
		// Room for ":server 353 nick = #chan :" and CR LF.
		room := ch.cfg.Limits.MaxLine - len(ch.cfg.Name) - len(who.nick) - len(ch.name) - 20
		var b strings.Builder
		for _, m := range ch.members {
			entry := m.nick
			if m.op {
				entry = "@" + entry
			} else if m.voice {
				entry = "+" + entry
			}
			if b.Len() > 0 && b.Len()+1+len(entry) > room {
				ch.numeric(who, irc.RplNamReply, symbol, ch.name, b.String())
				b.Reset()
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(entry)
		}
		if b.Len() > 0 {
			ch.numeric(who, irc.RplNamReply, symbol, ch.name, b.String())
		}
	}
	ch.numeric(who, irc.RplEndOfNames, ch.name, "End of /NAMES list")
}

// who queues 352 lines and 315 for the requester.
func (ch *channel) who(who member) {
	_, me := ch.find(who.id)
	if me != nil || !ch.modeS {
		for _, m := range ch.members {
			flags := "H"
			if m.op {
				flags += "@"
			} else if m.voice {
				flags += "+"
			}
			ch.numeric(who, irc.RplWhoReply, ch.name, m.user, m.host, ch.cfg.Name, m.nick, flags, "0 "+m.realname)
		}
	}
	ch.numeric(who, irc.RplEndOfWho, ch.name, "End of WHO list")
}
