package server

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	chatpb "github.com/weft-go/weft/proto"
)

// topicLen is the longest topic kept (TOPICLEN).
const topicLen = 390

// channel is the behavior of a channel actor: it owns the channel's
// members, topic and modes, and fans lines out to the members' inboxes.
// Everything it does happens in its actor's turns, one message at a time,
// so a line is queued for every member before the next message (and before
// the sender's answer).
type channel struct {
	*info
	name     string // as spelled by the first member
	key      string // folded name, the registry's key
	registry actor.Ref[registryMsg]

	members []*chanMember // in join order
	topic   string
	topicBy string
	topicAt time.Time
	created time.Time
	modeT   bool   // +t: only operators set the topic
	modeS   bool   // +s: secret
	pass    string // +k key, "" if none
	closed  bool   // empty: the registry is told and stops the channel
}

type chanMember struct {
	member
	op, voice bool
}

func newChannel(in *info, name string, registry actor.Ref[registryMsg]) *channel {
	return &channel{info: in, name: name, key: irc.Fold(name), registry: registry, created: time.Now(), modeT: true}
}

func (ch *channel) find(id uint64) (int, *chanMember) {
	for i, m := range ch.members {
		if m.id == id {
			return i, m
		}
	}
	return -1, nil
}

func (ch *channel) findNick(nick string) *chanMember {
	for _, m := range ch.members {
		if irc.EqualFold(m.nick, nick) {
			return m
		}
	}
	return nil
}

// fanout queues line for every member except the one with ID except: the
// same line, shared read-only by every member's inbox.
func (ch *channel) fanout(line []byte, except uint64) {
	for _, m := range ch.members {
		if m.id != except {
			m.out.TryPush(line)
		}
	}
}

// Receive implements [actor.Behavior]. Every request is answered in the
// turn that handles it, after what it queues for the members.
func (ch *channel) Receive(self *actor.Self[chanMsg], msg chanMsg) {
	switch m := msg.(type) {
	case chanSay:
		actor.ReplyTo(self, m).Send(ch.say(m))
	case chanJoin:
		actor.ReplyTo(self, m).Send(ch.join(m))
	case chanPart:
		actor.ReplyTo(self, m).Send(ch.part(self, m))
	case chanTopic:
		actor.ReplyTo(self, m).Send(ch.setTopic(m))
	case chanNames:
		ch.names(m.who)
		actor.ReplyTo(self, m).Send(ackOK)
	case chanWho:
		ch.who(m.who)
		actor.ReplyTo(self, m).Send(ackOK)
	case chanMode:
		actor.ReplyTo(self, m).Send(ch.mode(m))
	case chanInfo:
		_, me := ch.find(m.who.id)
		actor.ReplyTo(self, m).Send(chanInfoReply{visible: !ch.modeS || me != nil, name: ch.name, users: len(ch.members), topic: ch.topic})
	case chanRename:
		var ids []uint64
		if _, me := ch.find(m.id); me != nil {
			me.nick = m.nick
			for _, o := range ch.members {
				if !m.skip[o.id] && o.out.TryPush(m.line) {
					ids = append(ids, o.id)
				}
			}
		}
		actor.ReplyTo(self, m).Send(notified{ids: ids})
	case chanRemote:
		ch.fanout(m.line, 0)
	case chanQuit:
		var ids []uint64
		if i, me := ch.find(m.id); me != nil {
			ch.peer.forward(ch.name, chatpb.ChannelEvent_KIND_QUIT, me.member, m.reason)
			ch.members = slices.Delete(ch.members, i, i+1)
			for _, o := range ch.members {
				if !m.skip[o.id] && o.out.TryPush(m.line) {
					ids = append(ids, o.id)
				}
			}
			ch.closeIfEmpty(self)
		}
		actor.ReplyTo(self, m).Send(notified{ids: ids})
	case chanClose:
		self.Stop()
	}
}

func (ch *channel) say(m chanSay) chanAck {
	_, me := ch.find(m.who.id)
	if me == nil {
		if !m.notice {
			ch.numeric(m.who, irc.ErrCannotSendToChan, ch.name, "Cannot send to channel")
		}
		return ackFail
	}
	ch.fanout(m.line, m.who.id)
	kind := chatpb.ChannelEvent_KIND_PRIVMSG
	if m.notice {
		kind = chatpb.ChannelEvent_KIND_NOTICE
	}
	ch.peer.forward(ch.name, kind, m.who, m.text)
	return ackOK
}

func (ch *channel) join(m chanJoin) joinReply {
	if ch.closed {
		return joinReply{retry: true}
	}
	if _, me := ch.find(m.who.id); me != nil {
		return joinReply{joined: true}
	}
	if ch.pass != "" && m.key != ch.pass {
		ch.numeric(m.who, irc.ErrBadChannelKey, ch.name, "Cannot join channel (+k)")
		return joinReply{}
	}
	ch.members = append(ch.members, &chanMember{member: m.who, op: len(ch.members) == 0})
	ch.fanout(ch.appendMsg(nil, m.who.prefix(), "JOIN", ch.name), 0)
	ch.peer.forward(ch.name, chatpb.ChannelEvent_KIND_JOIN, m.who, "")
	if ch.topic != "" {
		ch.topicReplies(m.who)
	}
	ch.names(m.who)
	return joinReply{joined: true}
}

func (ch *channel) part(self *actor.Self[chanMsg], m chanPart) chanAck {
	i, me := ch.find(m.who.id)
	if me == nil {
		ch.numeric(m.who, irc.ErrNotOnChannel, ch.name, "You're not on that channel")
		return ackFail
	}
	params := []string{ch.name}
	if m.reason != "" {
		params = append(params, m.reason)
	}
	ch.fanout(ch.appendMsg(nil, m.who.prefix(), "PART", params...), 0)
	ch.peer.forward(ch.name, chatpb.ChannelEvent_KIND_PART, m.who, m.reason)
	ch.members = slices.Delete(ch.members, i, i+1)
	ch.closeIfEmpty(self)
	return ackOK
}

// closeIfEmpty closes an empty channel and tells the registry, which
// forgets it and tells it to stop (chanClose). A join that arrives
// meanwhile is told to retry.
func (ch *channel) closeIfEmpty(self *actor.Self[chanMsg]) {
	if len(ch.members) == 0 && !ch.closed {
		ch.closed = true
		ch.registry.Send(channelEmpty{key: ch.key, ref: self.Ref()})
	}
}

func (ch *channel) topicReplies(who member) {
	if ch.topic == "" {
		ch.numeric(who, irc.RplNoTopic, ch.name, "No topic is set")
		return
	}
	ch.numeric(who, irc.RplTopic, ch.name, ch.topic)
	ch.numeric(who, irc.RplTopicWhoTime, ch.name, ch.topicBy, strconv.FormatInt(ch.topicAt.Unix(), 10))
}

func (ch *channel) setTopic(m chanTopic) chanAck {
	_, me := ch.find(m.who.id)
	if !m.set {
		if me == nil && ch.modeS {
			ch.numeric(m.who, irc.ErrNotOnChannel, ch.name, "You're not on that channel")
			return ackFail
		}
		ch.topicReplies(m.who)
		return ackOK
	}
	switch {
	case me == nil:
		ch.numeric(m.who, irc.ErrNotOnChannel, ch.name, "You're not on that channel")
		return ackFail
	case ch.modeT && !me.op:
		ch.numeric(m.who, irc.ErrChanOPrivsNeeded, ch.name, "You're not channel operator")
		return ackFail
	}
	text := m.text
	if len(text) > topicLen {
		text = text[:topicLen]
	}
	ch.topic, ch.topicBy, ch.topicAt = text, m.who.prefix(), time.Now()
	ch.fanout(ch.appendMsg(nil, m.who.prefix(), "TOPIC", ch.name, text), 0)
	ch.peer.forward(ch.name, chatpb.ChannelEvent_KIND_TOPIC, m.who, text)
	return ackOK
}

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
				ch.numeric(m.who, irc.ErrUserNotInChannel, nick, ch.name, "They aren't on that channel")
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
				if !ok || key == "" || strings.ContainsAny(key, " ,") {
					ch.numeric(m.who, irc.ErrNeedMoreParams, "MODE", "Not enough parameters")
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
