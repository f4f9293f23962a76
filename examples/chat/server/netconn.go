package server

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
	chatpb "github.com/weft-go/weft/proto"
)

// What a connection asks the network (Config.Cluster) beyond its own
// node: nicknames and the users of other nodes. Each is a request to a
// virtual actor from the connection's reader fiber, which suspends.

// claimNetNick claims who's nickname in the network and reports whether
// the client has it now.
func (c *conn) claimNetNick(f *fiber.Fiber, who member) (bool, error) {
	r, err := cluster.Ask(f, c.net.nick(who.nick), nickClaim{NickClaim: &chatpb.NickClaim{Owner: c.net.wireMember(who)}})
	return r.GetOk(), err
}

// releaseNetNick releases a nickname the client held in the network.
func (c *conn) releaseNetNick(f *fiber.Fiber, nick string) {
	_ = cluster.Tell(f, c.net.nick(nick), proto.Message(&chatpb.NickRelease{Node: c.net.here(), Id: c.id}))
}

// findNetUser looks a nickname up in the network: the user of another
// node that holds it, as its node described it.
func (c *conn) findNetUser(f *fiber.Fiber, nick string) (member, bool, error) {
	w, _, found, err := c.findNetUserChannels(f, nick)
	return w, found, err
}

// findNetUserChannels is findNetUser with the user's channels, as its
// node last told the network.
func (c *conn) findNetUserChannels(f *fiber.Fiber, nick string) (member, []chanRef, bool, error) {
	r, err := cluster.Ask(f, c.net.nick(nick), nickLookup{NickLookup: &chatpb.NickLookup{}})
	if err != nil || !r.GetOk() || r.GetOwner().GetNode() == c.net.here() {
		// A client of this node that the registry does not know is gone.
		return member{}, nil, false, err
	}
	o := r.GetOwner()
	var chans []chanRef
	for _, name := range r.GetChannels() {
		chans = append(chans, c.net.channel(string(name)))
	}
	return fromWire(o, nodeOut{n: c.net, node: o.GetNode(), id: o.GetId()}), chans, true, nil
}

// nodeOut is the outbox of a client of another node reached directly
// (a private message): each line goes to its node at once.
type nodeOut struct {
	n    *network
	node string
	id   uint64
}

func (q nodeOut) TryPush(line []byte) bool {
	q.n.deliver(q.node, &chatpb.Deliver_Item{Id: q.id, Line: line})
	return true
}

// sendNet delivers a PRIVMSG, NOTICE or TAGMSG line to a user of another
// node, in the variant its capabilities (as its node last described
// them) call for.
func (c *conn) sendNet(f *fiber.Fiber, nick string, ol *outLine, tagmsg bool) (deliverReply, error) {
	w, found, err := c.findNetUser(f, nick)
	if err != nil || !found {
		return deliverReply{}, err
	}
	caps := w.st.capSet()
	if !tagmsg || caps.has(capMessageTags) {
		w.out.TryPush(ol.forCaps(caps))
	}
	away, isAway := w.st.awayMessage()
	return deliverReply{found: true, nick: w.nick, away: away, isAway: isAway}, nil
}

// killNet disconnects a user of another node on an operator's order: its
// node gives it the KILL line, then closes its link with reason.
func (c *conn) killNet(f *fiber.Fiber, nick, comment, reason string) (deliverReply, error) {
	w, found, err := c.findNetUser(f, nick)
	if err != nil || !found {
		return deliverReply{}, err
	}
	line := c.appendMsg(nil, c.prefix, "KILL", w.nick, comment)
	c.net.deliver(w.node, &chatpb.Deliver_Item{Kind: chatpb.Deliver_Item_KIND_KILLED, Id: w.id, Line: line, Channel: []byte(reason)})
	return deliverReply{found: true, nick: w.nick}, nil
}

// whoisAny looks a registered user up: on this node, then in the
// network.
func (c *conn) whoisAny(f *fiber.Fiber, nick string) (whoisReply, error) {
	r, err := actor.Ask(f, c.registry, whois{nick: nick})
	if err != nil || r.found || c.net == nil {
		return r, err
	}
	w, chans, found, err := c.findNetUserChannels(f, nick)
	return whoisReply{found: found, who: w, chans: chans}, err
}

// netChannels returns the network's open channels, from its directory.
func (c *conn) netChannels(f *fiber.Fiber) ([]chanRef, error) {
	d, err := cluster.Ask(f, c.net.directoryRef(), dirList{DirList: &chatpb.DirList{}})
	if err != nil {
		return nil, err
	}
	refs := make([]chanRef, 0, len(d.GetChannels()))
	for _, name := range d.GetChannels() {
		refs = append(refs, c.net.channel(string(name)))
	}
	return refs, nil
}

// whoNet queues the WHO replies for the users of other nodes that match
// a (non-channel) mask, from the user directory. An invisible one is
// shown to operators and to a mask that is its exact nickname only: this
// node cannot tell whether it shares a channel with the client.
func (c *conn) whoNet(f *fiber.Fiber, req whoReq) {
	r, err := cluster.Ask(f, c.net.usersRef(), userList{UserList: &chatpb.UserList{}})
	if err != nil {
		c.internalError(err)
		return
	}
	users := r.GetUsers()
	slices.SortFunc(users, func(a, b *chatpb.Member) int { return strings.Compare(a.GetNick(), b.GetNick()) })
	me, oper := c.member(), c.st.mode(umodeOper)
	for _, u := range users {
		if u.GetNode() == c.net.here() {
			continue // this node's: the registry answered for them
		}
		m := fromWire(u, nil)
		if !c.whoMatches(req, m) || m.st.mode(umodeInvisible) && !oper && !irc.EqualFold(m.nick, req.mask) {
			continue
		}
		c.reply(c.whoLine(me, req, "*", m, ""))
	}
}
