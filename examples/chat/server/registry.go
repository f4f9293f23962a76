package server

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
	chatpb "github.com/weft-go/weft/proto"
)

// registry is the behavior of the registry actor: it owns the nicknames
// (unique under rfc1459 case folding) and the channel actors, which are
// its children: created on first JOIN, told to stop when empty. It watches
// each channel, so that one that stops (or crashes) is forgotten, and a
// fiber per departed user relays its QUIT to its channels.
type registry struct {
	*info
	nicks            map[string]*entry  // by folded nickname
	byID             map[uint64]*entry  // by connection ID
	channels         map[string]chanRef // by folded channel name (a single server's)
	lastChan         uint64
	users            int           // registered users
	invisible, opers int           // among them, with +i, with +o (see count)
	maxUsers         int           // the most registered users at once
	history          []whowasEntry // departed nicknames, oldest first, at most Limits.Whowas
	nodes            []string      // a network's members, as last heard
}

// entry is a connection that holds a nickname.
type entry struct {
	member
	registered bool
	counted    uint32             // its modes as the counts have them (see registry.count)
	chans      map[string]chanRef // the channels it is on, by folded name
}

// shares reports whether two entries are on a common channel.
func (e *entry) shares(o *entry) bool {
	for key := range e.chans {
		if _, ok := o.chans[key]; ok {
			return true
		}
	}
	return false
}

func newRegistry(in *info) *registry {
	return &registry{
		info:     in,
		nicks:    make(map[string]*entry),
		byID:     make(map[uint64]*entry),
		channels: make(map[string]chanRef),
	}
}

// Receive implements [actor.Behavior]. Requests are answered in the turn
// that handles them, after what they queue for clients.
func (r *registry) Receive(self *actor.Self[registryMsg], msg registryMsg) {
	switch m := msg.(type) {
	case sendTo:
		e := r.nicks[irc.Fold(m.nick)]
		if e == nil || !e.registered {
			actor.ReplyTo(self, m).Send(deliverReply{})
			return
		}
		caps := e.st.capSet()
		if !m.tagmsg || caps.has(capMessageTags) {
			e.out.TryPush(m.line.forCaps(caps))
		}
		away, isAway := e.st.awayMessage()
		actor.ReplyTo(self, m).Send(deliverReply{found: true, nick: e.nick, away: away, isAway: isAway})
	case lookupNicks:
		found := make([]member, len(m.nicks))
		for i, n := range m.nicks {
			if e := r.nicks[irc.Fold(n)]; e != nil && e.registered {
				found[i] = e.member
			}
		}
		actor.ReplyTo(self, m).Send(found)
	case whoUsers:
		r.who(m)
		actor.ReplyTo(self, m).Send(struct{}{})
	case lusers:
		actor.ReplyTo(self, m).Send(r.lusers())
	case killUser:
		e := r.nicks[irc.Fold(m.nick)]
		if e == nil || !e.registered {
			actor.ReplyTo(self, m).Send(deliverReply{})
			return
		}
		e.out.TryPush(r.appendMsg(nil, m.source, "KILL", e.nick, m.comment))
		e.conn.Send(killed{reason: m.reason})
		actor.ReplyTo(self, m).Send(deliverReply{found: true, nick: e.nick})
	case wallops:
		r.wallops(m.line)
	case whowasQuery:
		var found []whowasEntry
		for i := len(r.history) - 1; i >= 0 && (m.count <= 0 || len(found) < m.count); i-- {
			if irc.EqualFold(r.history[i].nick, m.nick) {
				found = append(found, r.history[i])
			}
		}
		actor.ReplyTo(self, m).Send(found)

	case claimNick:
		key := irc.Fold(m.who.nick)
		if e := r.nicks[key]; e != nil && e.id != m.who.id {
			actor.ReplyTo(self, m).Send(claimReply{})
			return
		}
		e := r.byID[m.who.id]
		if e == nil {
			e = &entry{member: m.who.kept()}
			r.byID[m.who.id] = e
		} else {
			delete(r.nicks, irc.Fold(e.nick))
			if e.registered {
				r.remember(whowasEntry{nick: e.nick, user: e.user, host: e.host, realname: e.st.realName(), at: time.Now()})
			}
			e.nick = m.who.nick
		}
		r.nicks[key] = e
		if r.net != nil {
			r.publish(self, e) // a new nickname's record gets the channels
		}
		actor.ReplyTo(self, m).Send(claimReply{ok: true})
	case userRegistered:
		if e := r.byID[m.who.id]; e != nil && !e.registered {
			e.user, e.registered = m.who.user, true
			r.users++
			r.maxUsers = max(r.maxUsers, r.users)
			r.count(e)
		}
	case modesChanged:
		if e := r.byID[m.id]; e != nil && e.registered {
			r.count(e)
		}
	case whois:
		if e := r.nicks[irc.Fold(m.nick)]; e != nil && e.registered {
			chans := make([]chanRef, 0, len(e.chans))
			for _, ref := range e.chans {
				chans = append(chans, ref)
			}
			actor.ReplyTo(self, m).Send(whoisReply{found: true, who: e.member, chans: chans})
			return
		}
		actor.ReplyTo(self, m).Send(whoisReply{})
	case membership:
		e := r.byID[m.id]
		switch {
		case e == nil:
		case m.on:
			if e.chans == nil {
				e.chans = make(map[string]chanRef)
			}
			e.chans[m.key] = m.ref
		case e.chans[m.key].same(m.ref):
			delete(e.chans, m.key)
		}
	case channelFor:
		actor.ReplyTo(self, m).Send(r.channelFor(self, m))
	case listChannels:
		refs := make([]chanRef, 0, len(r.channels))
		for _, ref := range r.channels {
			refs = append(refs, ref)
		}
		actor.ReplyTo(self, m).Send(refs)
	case departed:
		r.depart(self, m)
	case channelEmpty:
		if r.forget(m.key, m.ref) {
			m.ref.local.Send(chanClose{})
		}
	case channelGone:
		r.forget(m.key, m.ref)
	case delivered:
		r.deliver(self, m.d)
	case nodesChanged:
		if !slices.Contains(m.nodes, r.net.here()) {
			break // not settled: see netChannel.nodesChanged
		}
		lost := slices.ContainsFunc(r.nodes, func(n string) bool { return !slices.Contains(m.nodes, n) })
		r.nodes = m.nodes
		if lost {
			r.reclaim(self)
		}
	case statsQuery:
		users := 0
		for _, e := range r.byID {
			if e.registered {
				users++
			}
		}
		actor.ReplyTo(self, m).Send(Stats{Users: users, Channels: len(r.channels)})
	}
}

// forget drops the channel key if ref is its actor (and not a newer one
// of the same name), and reports whether it did.
func (r *registry) forget(key string, ref chanRef) bool {
	cur, ok := r.channels[key]
	if !ok || !cur.same(ref) {
		return false
	}
	delete(r.channels, key)
	return true
}

func (r *registry) channelFor(self *actor.Self[registryMsg], m channelFor) channelReply {
	key := irc.Fold(m.name)
	if ref, ok := r.channels[key]; ok {
		return channelReply{ref: ref, ok: true}
	}
	if !m.create {
		return channelReply{}
	}
	r.lastChan++
	ref, err := actor.SpawnChild(self, "chan-"+strconv.FormatUint(r.lastChan, 10), func() actor.Behavior[chanMsg] {
		return newChannel(r.info, m.name, self.Ref())
	})
	if err != nil {
		self.Logger().Error("cannot start a channel", "channel", m.name, "error", err)
		return channelReply{}
	}
	cr := chanRef{local: ref}
	r.channels[key] = cr
	self.Watch(ref, func(actor.Terminated) registryMsg { return channelGone{key: key, ref: cr} })
	return channelReply{ref: cr, ok: true}
}

// depart releases a departed connection's nickname at once, then relays
// its QUIT to its channels from a fiber: one channel after the other, each
// told which members already got the line, so that every peer gets it
// once.
func (r *registry) depart(self *actor.Self[registryMsg], m departed) {
	e := r.byID[m.id]
	if e == nil {
		return
	}
	delete(r.byID, m.id)
	if r.nicks[irc.Fold(e.nick)] == e {
		delete(r.nicks, irc.Fold(e.nick))
	}
	if e.registered {
		r.users--
		r.addModes(e.counted, -1)
		r.remember(whowasEntry{nick: e.nick, user: e.user, host: e.host, realname: e.st.realName(), at: time.Now()})
	}
	if len(m.channels) == 0 && r.net == nil {
		return
	}
	line := r.appendMsg(nil, e.prefix(), "QUIT", m.reason)
	self.Go("quit "+e.nick, func(f *fiber.Fiber) error {
		if r.net != nil {
			// The nickname is free in the network too (at most once: a
			// release the nick actor does not get leaves the nickname to
			// the next claim once this node has left).
			_ = cluster.Tell(f, r.net.nick(e.nick), proto.Message(&chatpb.NickRelease{Node: r.net.here(), Id: m.id}))
		}
		skip := map[uint64]bool{m.id: true}
		for _, ch := range m.channels {
			n, err := askChan(f, ch, chanQuit{id: m.id, line: line, skip: maps.Clone(skip)})
			if err != nil {
				continue // the channel is gone
			}
			for _, id := range n.ids {
				skip[id] = true
			}
		}
		return nil
	})
}

// deliver hands what a network's channels queued for this node's clients
// to them: lines into their inboxes, KICK and INVITE to their connection
// actors, which record them before they queue the line, and their
// channels to their entries.
func (r *registry) deliver(self *actor.Self[registryMsg], d *chatpb.Deliver) {
	for _, it := range d.GetItems() {
		switch it.GetKind() {
		case chatpb.Deliver_Item_KIND_WALLOPS:
			r.wallops(it.GetLine())
			continue
		case chatpb.Deliver_Item_KIND_SYNC:
			r.syncChannel(self, string(it.GetChannel()))
			continue
		}
		e := r.byID[it.GetId()]
		if e == nil {
			continue // gone: its QUIT is on its way to the channel
		}
		name := string(it.GetChannel())
		key := irc.Fold(name)
		switch it.GetKind() {
		case chatpb.Deliver_Item_KIND_LINE:
			line := it.GetLine()
			if i := int(it.GetShared()); i > 0 && i <= len(d.GetLines()) {
				line = d.GetLines()[i-1]
			}
			if len(line) > 0 {
				e.out.TryPush(line)
			}
		case chatpb.Deliver_Item_KIND_KICKED:
			e.conn.Send(kicked{key: key, ref: r.net.channel(name), line: it.GetLine()})
		case chatpb.Deliver_Item_KIND_INVITED:
			e.conn.Send(invited{name: name, ref: r.net.channel(name), line: it.GetLine()})
		case chatpb.Deliver_Item_KIND_JOINED:
			if e.chans == nil {
				e.chans = make(map[string]chanRef)
			}
			e.chans[key] = r.net.channel(name)
			r.publish(self, e)
		case chatpb.Deliver_Item_KIND_LEFT:
			delete(e.chans, key)
			r.publish(self, e)
		case chatpb.Deliver_Item_KIND_KILLED:
			e.out.TryPush(it.GetLine())
			e.conn.Send(killed{reason: name})
		}
	}
}

// wallops queues a WALLOPS line for every user with +w.
func (r *registry) wallops(line []byte) {
	for _, e := range r.byID {
		if e.registered && e.st.mode(umodeWallops) {
			e.out.TryPush(line)
		}
	}
}

// claimOf returns the claim of e's nickname in the network, with its
// channels.
func (r *registry) claimOf(e *entry) nickClaim {
	c := nickClaim{NickClaim: &chatpb.NickClaim{Owner: r.net.wireMember(e.member)}}
	for _, ref := range e.chans {
		c.Channels = append(c.Channels, []byte(ref.name))
	}
	return c
}

// publish tells the network's record of e's nickname its channels (for
// WHOIS on other nodes), from a fiber.
func (r *registry) publish(self *actor.Self[registryMsg], e *entry) {
	if !e.registered {
		return
	}
	claim, nick := r.claimOf(e), e.nick
	self.Go("publish "+nick, func(f *fiber.Fiber) error {
		_, _ = cluster.Ask(f, r.net.nick(nick), claim) // best effort: WHOIS elsewhere lists what it last heard
		return nil
	})
}

// syncChannel tells a network's channel that starts which clients of this
// node are on it (maybe none), from a fiber (see netChannel).
func (r *registry) syncChannel(self *actor.Self[registryMsg], name string) {
	key := irc.Fold(name)
	var on []member
	for _, e := range r.byID {
		if _, ok := e.chans[key]; ok && e.registered {
			on = append(on, e.member)
		}
	}
	ref := r.net.channel(name)
	self.Go("sync "+name, func(f *fiber.Fiber) error {
		// Until it is through: this node's view of the membership may lag
		// (the request then goes to a node that is gone, and times out).
		var err error
		for range 3 {
			if _, err = askChan(f, ref, chanSync{members: on}); err == nil || f.Cancelled() {
				return nil
			}
		}
		r.cfg.Logger.Warn("cannot tell a channel who is on it", "channel", name, "error", err)
		return nil
	})
}

// reclaim claims this node's clients' nicknames again after a node left
// (those it held start afresh elsewhere), from a fiber; a claim by the
// holder refreshes the record.
func (r *registry) reclaim(self *actor.Self[registryMsg]) {
	var claims []nickClaim
	var nicks []string
	for _, e := range r.byID {
		if e.registered {
			claims = append(claims, r.claimOf(e))
			nicks = append(nicks, e.nick)
		}
	}
	self.Go("reclaim", func(f *fiber.Fiber) error {
		for i, c := range claims {
			if _, err := cluster.Ask(f, r.net.nick(nicks[i]), c); err != nil {
				r.cfg.Logger.Warn("cannot claim a nickname again", "nick", nicks[i], "error", err)
			}
		}
		return nil
	})
}

// remember adds a departed nickname to the WHOWAS history, forgetting the
// oldest beyond Limits.Whowas.
func (r *registry) remember(e whowasEntry) {
	if n := len(r.history) - r.cfg.Limits.Whowas + 1; n > 0 {
		r.history = append(r.history[:0], r.history[n:]...)
	}
	r.history = append(r.history, e)
}

// who queues the WHO replies for the registered users matching a
// (non-channel) mask. Invisible users (+i) are shown only to operators,
// to themselves, to users who share a channel with them, and to a mask
// that is their exact nickname.
func (r *registry) who(m whoUsers) {
	oper := m.who.st.mode(umodeOper)
	exact := r.nicks[irc.Fold(m.req.mask)]
	asker := r.byID[m.who.id]
	for _, e := range r.byID {
		if !e.registered || !r.whoMatches(m.req, e.member) {
			continue
		}
		if e.st.mode(umodeInvisible) && !oper && e.id != m.who.id && e != exact && (asker == nil || !asker.shares(e)) {
			continue
		}
		m.who.reply(r.whoLine(m.who, m.req, "*", e.member, ""))
	}
}

// lusers counts the users, operators, unregistered connections and
// channels.
//
// The counts are kept as users register, change modes and leave, so that
// the LUSERS of every registration costs the same however many users
// there are (a connect storm would be quadratic otherwise).
func (r *registry) lusers() luserCounts {
	return luserCounts{users: r.users, invisible: r.invisible, opers: r.opers, unknown: len(r.byID) - r.users,
		channels: len(r.channels), maxUsers: r.maxUsers}
}

// count brings the counts of invisible users and operators up to date
// with e's modes (its userState's, which only its connection writes: it
// sends modesChanged after each change).
func (r *registry) count(e *entry) {
	now := e.st.modes.Load() & (umodeInvisible | umodeOper)
	r.addModes(e.counted, -1)
	r.addModes(now, 1)
	e.counted = now
}

// addModes adds d to the counts of the modes in m.
func (r *registry) addModes(m uint32, d int) {
	if m&umodeInvisible != 0 {
		r.invisible += d
	}
	if m&umodeOper != 0 {
		r.opers += d
	}
}
