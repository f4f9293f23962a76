package server

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// lookupChannel returns the channel named name: from the client's own
// channels, or else from the registry. It reports false if there is none.
func (c *conn) lookupChannel(f *fiber.Fiber, name string) (chanRef, bool) {
	if ref, ok := c.channels[irc.Fold(name)]; ok {
		return ref, true
	}
	r, err := c.channelFor(f, name, false)
	if err != nil {
		c.internalError(err)
		return chanRef{}, false
	}
	return r.ref, r.ok
}

// channelFor returns the channel named name: in a network its virtual
// actor, which needs no lookup; on a single server the registry's actor,
// which it creates if create is set.
func (c *conn) channelFor(f *fiber.Fiber, name string, create bool) (channelReply, error) {
	if c.net != nil {
		return channelReply{ref: c.net.channel(name), ok: true}, nil
	}
	return actor.Ask(f, c.registry, channelFor{name: name, create: create})
}

// askChannel sends a request to a channel, forgetting the channel if it
// is gone; it reports whether the channel answered.
func askChannel[Q actor.RequestOf[chanMsg, R], R any](c *conn, f *fiber.Fiber, name string, ref chanRef, req Q) (R, bool) {
	r, err := askChan(f, ref, req)
	if err != nil {
		switch {
		case c.net != nil && c.unreachable(name, err):
		case errors.Is(err, actor.ErrDeadTarget):
			delete(c.channels, irc.Fold(name))
		default:
			c.internalError(err)
		}
		var zero R
		return zero, false
	}
	return r, true
}

// unreachable reports a request of the client that the network failed to
// carry out (no node hosts the channel or nickname, the node that does
// left before answering, or did not answer within Cluster.RequestTimeout):
// the client gets 400 for its command, saying so, and nothing else
// changes. It reports whether
// err is such a failure.
func (c *conn) unreachable(what string, err error) bool {
	if !errors.Is(err, cluster.ErrUnavailable) && !errors.Is(err, actor.ErrTimeout) && !errors.Is(err, actor.ErrDeadTarget) {
		return false
	}
	c.log(slog.LevelWarn, "network request failed", "target", what, "error", err)
	if what == "" {
		what = "The network"
	}
	if errors.Is(err, actor.ErrTimeout) {
		// The request may have reached its actor: say so.
		c.numeric(irc.ErrUnknownError, c.command, what+" did not answer in time; it may not have been done, try again")
		return true
	}
	c.numeric(irc.ErrUnknownError, c.command, what+" is unreachable; not done, try again")
	return true
}

// cmdJoin joins channels ("JOIN #a,#b key1,key2"); "JOIN 0" parts them all.
func (c *conn) cmdJoin(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 || m.Params[0] == "" {
		c.numeric(irc.ErrNeedMoreParams, "JOIN", "Not enough parameters")
		return
	}
	if m.Params[0] == "0" {
		for _, ref := range c.channels {
			_, _ = askChan(f, ref, chanPart{who: c.member(), reason: "Left all channels"})
		}
		clear(c.channels)
		return
	}
	keys := strings.Split(m.Param(1), ",")
	for i, name := range strings.Split(m.Params[0], ",") {
		switch {
		case !irc.ValidChannel(name, 0):
			c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
		case len(c.channels) >= c.cfg.Limits.MaxChannels && !c.onChannel(name):
			c.numeric(irc.ErrTooManyChannels, name, "You have joined too many channels")
		default:
			key := ""
			if i < len(keys) {
				key = keys[i]
			}
			c.joinOne(f, name, key)
		}
		if c.closing {
			return
		}
	}
}

func (c *conn) onChannel(name string) bool {
	_, ok := c.channels[irc.Fold(name)]
	return ok
}

// joinOne joins one channel: the registry finds or creates its actor, the
// channel adds the member and queues JOIN, topic and names. The channel is
// recorded before the join is asked for, so that a departure at any moment
// finds it. A channel that closed meanwhile (its last member left) tells
// the client to retry with a fresh one.
func (c *conn) joinOne(f *fiber.Fiber, name, key string) {
	folded := irc.Fold(name)
	for range 5 {
		ref, ok := c.channels[folded]
		if !ok {
			r, err := c.channelFor(f, name, true)
			if err != nil {
				c.internalError(err)
				return
			}
			if !r.ok {
				c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
				return
			}
			ref = r.ref
			if c.channels == nil {
				c.channels = make(map[string]chanRef) // on the first JOIN
			}
			c.channels[folded] = ref
		}
		jr, err := askChan(f, ref, chanJoin{who: c.member(), key: key})
		switch {
		case errors.Is(err, actor.ErrDeadTarget) || err == nil && jr.retry:
			delete(c.channels, folded)
			continue
		case err != nil:
			c.internalError(err)
		case !jr.joined:
			delete(c.channels, folded)
		default:
			delete(c.invitedTo, folded)
		}
		return
	}
	c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
}

func (c *conn) cmdPart(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 || m.Params[0] == "" {
		c.numeric(irc.ErrNeedMoreParams, "PART", "Not enough parameters")
		return
	}
	for name := range strings.SplitSeq(m.Params[0], ",") {
		ref, ok := c.channels[irc.Fold(name)]
		if !ok {
			if _, exists := c.lookupChannel(f, name); exists {
				c.numeric(irc.ErrNotOnChannel, name, "You're not on that channel")
			} else {
				c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
			}
			continue
		}
		if _, ok := askChannel(c, f, name, ref, chanPart{who: c.member(), reason: m.Param(1)}); ok {
			delete(c.channels, irc.Fold(name))
		}
	}
}

func (c *conn) cmdTopic(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNeedMoreParams, "TOPIC", "Not enough parameters")
		return
	}
	name := m.Params[0]
	ref, ok := c.lookupChannel(f, name)
	if !ok {
		c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
		return
	}
	askChannel(c, f, name, ref, chanTopic{who: c.member(), set: len(m.Params) > 1, text: m.Param(1)})
}

// cmdNames handles "NAMES #a,#b" (353, 366 for each) and "NAMES" alone
// (366 for "*").
func (c *conn) cmdNames(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 || m.Params[0] == "" {
		// As most servers do: nothing but the end (modern IRC, NAMES).
		c.numeric(irc.RplEndOfNames, "*", "End of /NAMES list")
		return
	}
	for name := range strings.SplitSeq(m.Params[0], ",") {
		ref, ok := c.lookupChannel(f, name)
		if !ok || func() bool { _, ok := askChannel(c, f, name, ref, chanNames{who: c.member()}); return !ok }() {
			c.numeric(irc.RplEndOfNames, name, "End of /NAMES list")
		}
	}
}

// knownNicks returns the nicknames among the +o/+v arguments of a channel
// MODE that exist on the server (folded), so that the channel can answer
// 401 for those that do not and 441 for those not on the channel.
func (c *conn) knownNicks(f *fiber.Fiber, args []string) (map[string]bool, bool) {
	if len(args) == 0 {
		return nil, true
	}
	var known map[string]bool
	for _, nick := range modeNickArgs(args[0], args[1:]) {
		r, err := c.whoisAny(f, nick)
		if err != nil {
			c.internalError(err)
			return nil, false
		}
		if r.found {
			if known == nil {
				known = make(map[string]bool)
			}
			known[irc.Fold(nick)] = true
		}
	}
	return known, true
}

func (c *conn) cmdMode(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNeedMoreParams, "MODE", "Not enough parameters")
		return
	}
	target := m.Params[0]
	if !irc.IsChannel(target) {
		c.userMode(f, m)
		return
	}
	ref, ok := c.lookupChannel(f, target)
	if !ok {
		c.numeric(irc.ErrNoSuchChannel, target, "No such channel")
		return
	}
	known, ok := c.knownNicks(f, m.Params[1:])
	if !ok {
		return
	}
	askChannel(c, f, target, ref, chanMode{who: c.member(), args: m.Params[1:], known: known})
}

// cmdKick handles "KICK #chan nick[,nick…] [:reason]".
func (c *conn) cmdKick(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) < 2 || m.Params[0] == "" || m.Params[1] == "" {
		c.numeric(irc.ErrNeedMoreParams, "KICK", "Not enough parameters")
		return
	}
	name := m.Params[0]
	ref, ok := c.lookupChannel(f, name)
	if !ok {
		c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
		return
	}
	for nick := range strings.SplitSeq(m.Params[1], ",") {
		if _, ok := askChannel(c, f, name, ref, chanKick{who: c.member(), nick: nick, reason: m.Param(2)}); !ok {
			return
		}
	}
}

// cmdInvite handles "INVITE nick #chan", and "INVITE" alone, which lists
// the channels the client is invited to (336, 337): those whose channel
// actor is still the one that invited (an invitation closes with its
// channel).
func (c *conn) cmdInvite(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		for key, inv := range c.invitedTo {
			r, err := c.channelFor(f, inv.name, false)
			if err != nil {
				c.internalError(err)
				return
			}
			if !r.ok || !r.ref.same(inv.ref) {
				delete(c.invitedTo, key)
				continue
			}
			c.numeric(irc.RplInviteList, inv.name)
		}
		c.numeric(irc.RplEndOfInviteList, "End of /INVITE list")
		return
	}
	if len(m.Params) < 2 {
		c.numeric(irc.ErrNeedMoreParams, "INVITE", "Not enough parameters")
		return
	}
	nick, name := m.Params[0], m.Params[1]
	r, err := c.whoisAny(f, nick)
	if err != nil {
		c.internalError(err)
		return
	}
	if !r.found {
		c.numeric(irc.ErrNoSuchNick, nick, "No such nick/channel")
		return
	}
	ref, ok := c.lookupChannel(f, name)
	if !ok {
		c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
		return
	}
	if a, ok := askChannel(c, f, name, ref, chanInvite{who: c.member(), target: r.who}); ok && a.ok {
		if away, isAway := r.who.st.awayMessage(); isAway {
			c.numeric(irc.RplAway, r.who.nick, away)
		}
	}
}

// cmdList lists the channels (321, 322 for each visible one that matches,
// 323), asking each channel in turn. The parameter is a comma-separated
// list of filters (ELIST=MNU): channel masks, "!mask" to exclude, ">n"
// and "<n" for the number of users.
func (c *conn) cmdList(f *fiber.Fiber, m irc.Message) {
	var masks, nots []string
	minUsers, maxUsers := -1, -1
	for p := range strings.SplitSeq(m.Param(0), ",") {
		switch {
		case p == "":
		case p[0] == '>':
			minUsers, _ = strconv.Atoi(p[1:])
		case p[0] == '<':
			if n, err := strconv.Atoi(p[1:]); err == nil {
				maxUsers = n
			}
		case p[0] == '!':
			nots = append(nots, p[1:])
		default:
			masks = append(masks, p)
		}
	}
	var refs []chanRef
	var err error
	if c.net != nil {
		refs, err = c.netChannels(f)
	} else {
		refs, err = actor.Ask(f, c.registry, listChannels{})
	}
	if err != nil {
		c.internalError(err)
		return
	}
	c.numeric(irc.RplListStart, "Channel", "Users  Name")
	for _, ref := range refs {
		in, err := askChan(f, ref, chanInfo{who: c.member()})
		if err != nil || !in.visible || in.users <= minUsers || (maxUsers >= 0 && in.users >= maxUsers) ||
			(len(masks) > 0 && !matchAny(masks, in.name)) || matchAny(nots, in.name) {
			continue
		}
		c.numeric(irc.RplList, in.name, strconv.Itoa(in.users), in.topic)
	}
	c.numeric(irc.RplListEnd, "End of /LIST")
}

func matchAny(masks []string, s string) bool {
	for _, m := range masks {
		if irc.Match(m, s) {
			return true
		}
	}
	return false
}
