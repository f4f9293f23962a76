package server

import (
	"strconv"
	"strings"

	"github.com/weft-go/weft/examples/chat/irc"
)

// names queues 353 lines and 366 for who: each member with its prefix
// (all of them with multi-prefix) and as nick!user@host with
// userhost-in-names.
func (ch *channel) names(who member) {
	_, me := ch.find(who.id)
	if me != nil || !ch.modes.s {
		symbol := "="
		if ch.modes.s {
			symbol = "@"
		}
		caps := who.st.capSet()
		// Room for ":server 353 nick = #chan :" and CR LF.
		room := ch.cfg.Limits.MaxLine - len(ch.cfg.Name) - len(who.nick) - len(ch.name) - 20
		var b strings.Builder
		for _, m := range ch.members {
			if me == nil && m.st.mode(umodeInvisible) {
				continue // outsiders do not see invisible members
			}
			entry := memberPrefix(m, caps.has(capMultiPrefix)) + m.nick
			if caps.has(capUserhostInNames) {
				entry += "!" + m.user + "@" + m.host
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

// whoReplies queues 352 (or 354) lines for the members visible to who:
// all of them for a member of the channel (or an operator), the visible
// (not +i) ones of a channel that is not secret for others.
func (ch *channel) whoReplies(who member, req whoReq) {
	_, me := ch.find(who.id)
	oper := who.st.mode(umodeOper)
	if me == nil && ch.modes.s && !oper {
		return
	}
	multi := who.st.capSet().has(capMultiPrefix)
	for _, m := range ch.members {
		if me == nil && !oper && m.st.mode(umodeInvisible) {
			continue
		}
		if req.opersOnly && !m.st.mode(umodeOper) {
			continue
		}
		who.reply(ch.whoLine(who, req, ch.name, m.member, memberPrefix(m, multi)))
	}
}

// banList queues 367 for each ban and 368.
func (ch *channel) banList(who member) {
	for _, b := range ch.bans {
		ch.numeric(who, irc.RplBanList, ch.name, b.mask, b.by, strconv.FormatInt(b.at.Unix(), 10))
	}
	ch.numeric(who, irc.RplEndOfBanList, ch.name, "End of channel ban list")
}
