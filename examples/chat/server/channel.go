package server

import (
	"slices"
	"strconv"
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
	text = irc.TruncateUTF8(text, topicLen)
	ch.topic, ch.topicBy, ch.topicAt = text, m.who.prefix(), time.Now()
	ch.fanout(ch.appendMsg(nil, m.who.prefix(), "TOPIC", ch.name, text), 0)
	ch.peer.forward(ch.name, chatpb.ChannelEvent_KIND_TOPIC, m.who, text)
	return ackOK
}
