package server

import (
	"slices"
	"strconv"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// channel is the behavior of a channel actor: it owns the channel's
// members, topic, modes, bans and invitations, and fans lines out to the
// members' inboxes. Everything it does happens in its actor's turns, one
// message at a time, so a line is queued for every member before the next
// message (and before the sender's answer).
type channel struct {
	*info
	ref      chanRef                                // the channel's own reference, set when it starts
	stop     func()                                 // stops the channel's actor
	spawn    func(string, func(*fiber.Fiber) error) // starts a fiber in the channel's actor
	name     string                                 // as spelled by the first member
	key      string                                 // folded name, the registry's key
	registry actor.Ref[registryMsg]
	// net is the network the channel is a virtual actor of; nil on a
	// single server. Its members are then clients of any node, reached
	// through out (see network.go).
	net *network
	out *outbound

	members []*chanMember // in join order
	topic   string
	topicBy string
	topicAt time.Time
	created time.Time
	modes   chanModes
	bans    []ban
	invited map[uint64]bool // connection IDs invited (INVITE), until they join
	closed  bool            // empty: the registry is told and stops the channel
}

// chanModes are a channel's flag and parameter modes.
type chanModes struct {
	t, s, n, m, i bool   // +t +s +n +m +i
	key           string // +k, "" if none
	limit         int    // +l, 0 if none
}

type chanMember struct {
	member
	op, voice bool
}

// ban is one entry of the ban list (+b).
type ban struct {
	mask, by string
	at       time.Time
}

func newChannel(in *info, name string, registry actor.Ref[registryMsg]) *channel {
	return &channel{info: in, name: name, key: irc.Fold(name), registry: registry, created: time.Now(),
		modes: chanModes{t: true, n: true}}
}

// Started implements [actor.Starter].
func (ch *channel) Started(self *actor.Self[chanMsg]) {
	ch.ref, ch.stop = chanRef{local: self.Ref()}, self.Stop
	ch.spawn = func(name string, fn func(*fiber.Fiber) error) { self.Go(name, fn) }
}

// tell sends a connection message to a member's connection: directly on
// a single server, through the member's node in a network.
func (ch *channel) tell(m member, msg connMsg) {
	if ch.net == nil {
		m.conn.Send(msg)
		return
	}
	ch.out.tell(m, ch.name, msg)
}

// joined tells the member's registry that it joined (on) or left the
// channel.
func (ch *channel) joined(m member, on bool) {
	if ch.net == nil {
		ch.registry.Send(membership{id: m.id, key: ch.key, ref: ch.ref, on: on})
		return
	}
	ch.out.membership(m, ch.name, on)
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

// broadcast queues line for every member: the same line, shared read-only
// by every member's inbox; the requester's copy goes with its replies.
func (ch *channel) broadcast(who member, line []byte) {
	for _, m := range ch.members {
		if m.id == who.id {
			who.reply(line)
		} else {
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
	case chanSync:
		for _, w := range m.members {
			ch.restore(w)
		}
		actor.ReplyTo(self, m).Send(ackOK)
	case chanPart:
		actor.ReplyTo(self, m).Send(ch.part(m))
	case chanTopic:
		actor.ReplyTo(self, m).Send(ch.setTopic(m))
	case chanNames:
		ch.names(m.who)
		actor.ReplyTo(self, m).Send(ackOK)
	case chanWho:
		ch.whoReplies(m.who, m.req)
		actor.ReplyTo(self, m).Send(ackOK)
	case chanMode:
		actor.ReplyTo(self, m).Send(ch.mode(m))
	case chanKick:
		actor.ReplyTo(self, m).Send(ch.kick(m))
	case chanInvite:
		actor.ReplyTo(self, m).Send(ch.invite(m))
	case chanWhoisInfo:
		actor.ReplyTo(self, m).Send(ch.whoisInfo(m))
	case chanInfo:
		actor.ReplyTo(self, m).Send(ch.listEntry(m))
	case chanRename:
		actor.ReplyTo(self, m).Send(ch.rename(m))
	case chanRelay:
		actor.ReplyTo(self, m).Send(ch.relayAbout(m))
	case chanQuit:
		actor.ReplyTo(self, m).Send(ch.quit(m))
	case chanClose:
		ch.stop()
	}
}

// listEntry returns the channel's LIST entry for the asker.
func (ch *channel) listEntry(m chanInfo) chanInfoReply {
	_, me := ch.find(m.who.id)
	return chanInfoReply{visible: !ch.modes.s || me != nil, name: ch.name, users: len(ch.members), topic: ch.topic}
}

// rename changes a member's nickname and relays its NICK line.
func (ch *channel) rename(m chanRename) notified {
	_, me := ch.find(m.id)
	if me == nil {
		return notified{}
	}
	me.nick = m.nick
	return notified{ids: ch.relay(m.line, m.skip, 0)}
}

// relayAbout relays an AWAY or SETNAME line of a member.
func (ch *channel) relayAbout(m chanRelay) notified {
	if _, me := ch.find(m.id); me == nil {
		return notified{}
	}
	return notified{ids: ch.relay(m.line, m.skip, m.need)}
}

// quit removes a member that quit and relays its QUIT line.
func (ch *channel) quit(m chanQuit) notified {
	i, me := ch.find(m.id)
	if me == nil {
		return notified{}
	}
	ch.members = slices.Delete(ch.members, i, i+1)
	ids := ch.relay(m.line, m.skip, 0)
	ch.closeIfEmpty()
	return notified{ids: ids}
}

// relay queues line for the members not in skip that have the
// capabilities need, and returns their IDs.
func (ch *channel) relay(line []byte, skip map[uint64]bool, need capSet) []uint64 {
	var ids []uint64
	for _, o := range ch.members {
		if !skip[o.id] && o.st.capSet()&need == need && o.out.TryPush(line) {
			ids = append(ids, o.id)
		}
	}
	return ids
}

// banned reports whether the member matches a ban.
func (ch *channel) banned(m member) bool {
	if len(ch.bans) == 0 {
		return false
	}
	p := m.prefix()
	for _, b := range ch.bans {
		if irc.Match(b.mask, p) {
			return true
		}
	}
	return false
}

// say fans a PRIVMSG, NOTICE or TAGMSG out to the members but the sender,
// each getting the line's variant for its capabilities. The sender must
// be on the channel if it is +n, voiced or an operator if it is +m, and
// not banned (unless voiced or an operator).
func (ch *channel) say(m chanSay) chanAck {
	_, me := ch.find(m.who.id)
	privileged := me != nil && (me.op || me.voice)
	if (me == nil && ch.modes.n) || (ch.modes.m && !privileged) || (!privileged && ch.banned(m.who)) {
		if !m.notice && !m.tagmsg {
			ch.numeric(m.who, irc.ErrCannotSendToChan, ch.name, "Cannot send to channel")
		}
		return ackFail
	}
	for _, o := range ch.members {
		if o.id == m.who.id {
			continue
		}
		switch m.status {
		case '@':
			if !o.op {
				continue
			}
		case '+':
			if !o.op && !o.voice {
				continue
			}
		}
		caps := o.st.capSet()
		if m.tagmsg && !caps.has(capMessageTags) {
			continue
		}
		o.out.TryPush(m.line.forCaps(caps))
	}
	return ackOK
}

func (ch *channel) join(m chanJoin) joinReply {
	if !ch.reopen() {
		return joinReply{retry: true}
	}
	if _, me := ch.find(m.who.id); me != nil {
		return joinReply{joined: true}
	}
	fail := func(n irc.Numeric, text string) joinReply {
		ch.numeric(m.who, n, ch.name, text)
		return joinReply{}
	}
	invited := ch.invited[m.who.id]
	switch {
	case ch.banned(m.who) && !invited:
		return fail(irc.ErrBannedFromChan, "Cannot join channel (+b)")
	case ch.modes.i && !invited:
		return fail(irc.ErrInviteOnlyChan, "Cannot join channel (+i)")
	case ch.modes.key != "" && m.key != ch.modes.key:
		return fail(irc.ErrBadChannelKey, "Cannot join channel (+k)")
	case ch.modes.limit > 0 && len(ch.members) >= ch.modes.limit:
		return fail(irc.ErrChannelIsFull, "Cannot join channel (+l)")
	}
	delete(ch.invited, m.who.id)
	ch.members = append(ch.members, &chanMember{member: m.who.kept(), op: len(ch.members) == 0})
	ch.joined(m.who, true)
	ch.broadcast(m.who, ch.appendMsg(nil, m.who.prefix(), "JOIN", ch.name))
	if msg, away := m.who.st.awayMessage(); away {
		line := ch.appendMsg(nil, m.who.prefix(), "AWAY", msg)
		ch.relay(line, map[uint64]bool{m.who.id: true}, capAwayNotify)
	}
	if ch.topic != "" {
		ch.topicReplies(m.who)
	}
	ch.names(m.who)
	return joinReply{joined: true}
}

// restore puts a member back on the channel without a word to anyone
// (they never saw it leave): a network's channel that starts (after its
// node died, or its identity moved) gathers its members from their nodes.
// The first member back is the channel's operator, as the first to join
// is.
func (ch *channel) restore(m member) {
	if _, me := ch.find(m.id); me == nil {
		ch.members = append(ch.members, &chanMember{member: m.kept(), op: len(ch.members) == 0})
		ch.joined(m, true)
	}
}

// split removes the members whose node is not among nodes (it died or
// left the network) and tells the others with a QUIT, as IRC networks do
// for a netsplit.
func (ch *channel) split(nodes []string) {
	var gone []*chanMember
	kept := ch.members[:0]
	for _, m := range ch.members {
		if slices.Contains(nodes, m.node) {
			kept = append(kept, m)
		} else {
			gone = append(gone, m)
		}
	}
	clear(ch.members[len(kept):])
	ch.members = kept
	for _, m := range gone {
		line := ch.appendMsg(nil, m.prefix(), "QUIT", splitReason)
		for _, o := range ch.members {
			o.out.TryPush(line)
		}
	}
	if len(gone) > 0 {
		ch.closeIfEmpty()
	}
}

// reopen reports whether a member may join: the channel is open, or it
// is a network's, which a join opens again while it closes (its actor
// stops only if it is still empty once the directory has forgotten it).
// A single server's closing channel is told to retry: the registry has
// a new one made.
func (ch *channel) reopen() bool {
	if ch.closed && ch.net != nil {
		ch.closed = false
	}
	return !ch.closed
}

// splitReason is the QUIT reason of a member whose node was lost.
const splitReason = "*.net *.split"

func (ch *channel) part(m chanPart) chanAck {
	i, me := ch.find(m.who.id)
	if me == nil {
		ch.numeric(m.who, irc.ErrNotOnChannel, ch.name, "You're not on that channel")
		return ackFail
	}
	params := []string{ch.name}
	if m.reason != "" {
		params = append(params, m.reason)
	}
	line := ch.appendMsg(nil, m.who.prefix(), "PART", params...)
	// The registry hears of the part (and of the channel's end) before
	// anyone sees the PART line: a client that then asks (WHOIS, LUSERS,
	// Stats) gets the state after it.
	ch.remove(i)
	ch.closeIfEmpty()
	m.who.reply(line)
	ch.broadcast(m.who, line)
	return ackOK
}

// kick removes a member on an operator's order and tells its connection.
func (ch *channel) kick(m chanKick) chanAck {
	_, me := ch.find(m.who.id)
	switch {
	case me == nil:
		ch.numeric(m.who, irc.ErrNotOnChannel, ch.name, "You're not on that channel")
		return ackFail
	case !me.op:
		ch.numeric(m.who, irc.ErrChanOPrivsNeeded, ch.name, "You're not channel operator")
		return ackFail
	}
	t := ch.findNick(m.nick)
	if t == nil {
		ch.numeric(m.who, irc.ErrUserNotInChannel, m.nick, ch.name, "They aren't on that channel")
		return ackFail
	}
	reason := m.reason
	if reason == "" {
		reason = t.nick
	}
	line := ch.appendMsg(nil, m.who.prefix(), "KICK", ch.name, t.nick, irc.TruncateUTF8(reason, kickLen))
	// As for PART, the registry hears of it before anyone sees the line;
	// and the kicked connection forgets the channel before its client
	// sees its KICK (it queues the line itself), so that a client that
	// rejoins at once joins afresh.
	i, _ := ch.find(t.id)
	ch.remove(i)
	if t.id == m.who.id {
		ch.tell(t.member, kicked{key: ch.key, ref: ch.ref})
		m.who.reply(line)
	} else {
		ch.tell(t.member, kicked{key: ch.key, ref: ch.ref, line: line})
	}
	ch.closeIfEmpty()
	ch.broadcast(m.who, line)
	return ackOK
}

// invite records an invitation: the inviter gets 341, the target the
// INVITE line, and operators with invite-notify see it too.
func (ch *channel) invite(m chanInvite) chanAck {
	_, me := ch.find(m.who.id)
	switch {
	case me == nil:
		ch.numeric(m.who, irc.ErrNotOnChannel, ch.name, "You're not on that channel")
		return ackFail
	case ch.modes.i && !me.op:
		ch.numeric(m.who, irc.ErrChanOPrivsNeeded, ch.name, "You're not channel operator")
		return ackFail
	}
	if _, on := ch.find(m.target.id); on != nil {
		ch.numeric(m.who, irc.ErrUserOnChannel, m.target.nick, ch.name, "is already on channel")
		return ackFail
	}
	if ch.invited == nil {
		ch.invited = make(map[uint64]bool)
	}
	ch.invited[m.target.id] = true
	ch.numeric(m.who, irc.RplInviting, m.target.nick, ch.name)
	// The target's actor records the invitation, then queues the INVITE
	// line itself: a client that lists its invitations (INVITE alone) on
	// seeing the line finds this one there.
	line := ch.appendMsg(nil, m.who.prefix(), "INVITE", m.target.nick, ch.name)
	ch.tell(m.target, invited{name: ch.name, ref: ch.ref, line: line})
	for _, o := range ch.members {
		if o.op && o.id != m.who.id && o.st.capSet().has(capInviteNotify) {
			o.out.TryPush(line)
		}
	}
	return ackOK
}

// remove removes the i-th member and tells the registry.
func (ch *channel) remove(i int) {
	ch.joined(ch.members[i].member, false)
	ch.members = slices.Delete(ch.members, i, i+1)
}

// whoisInfo returns how a member appears in the asker's WHOIS: hidden on
// a secret channel, or for an invisible user, from those not on it
// (operators see everything).
func (ch *channel) whoisInfo(m chanWhoisInfo) whoisChan {
	_, t := ch.find(m.id)
	if t == nil {
		return whoisChan{}
	}
	_, asker := ch.find(m.who.id)
	if asker == nil && !m.who.st.mode(umodeOper) && (ch.modes.s || t.st.mode(umodeInvisible)) {
		return whoisChan{}
	}
	return whoisChan{entry: memberPrefix(t, m.who.st.capSet().has(capMultiPrefix)) + ch.name, visible: true}
}

// closeIfEmpty closes an empty channel and tells the registry, which
// forgets it and tells it to stop (chanClose). A join that arrives
// meanwhile is told to retry.
func (ch *channel) closeIfEmpty() {
	if len(ch.members) == 0 && !ch.closed {
		ch.closed = true
		if ch.net != nil {
			ch.net.closed(ch)
			return
		}
		ch.registry.Send(channelEmpty{key: ch.key, ref: ch.ref})
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
		if me == nil && ch.modes.s {
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
	case ch.modes.t && !me.op:
		ch.numeric(m.who, irc.ErrChanOPrivsNeeded, ch.name, "You're not channel operator")
		return ackFail
	}
	text := irc.TruncateUTF8(m.text, topicLen)
	ch.topic, ch.topicBy, ch.topicAt = text, m.who.prefix(), time.Now()
	ch.broadcast(m.who, ch.appendMsg(nil, m.who.prefix(), "TOPIC", ch.name, text))
	return ackOK
}
