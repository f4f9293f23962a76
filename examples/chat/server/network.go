package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
	chatpb "github.com/weft-go/weft/proto"
	"github.com/weft-go/weft/remote"
)

// The actor names and kinds of a network (see Config.Cluster).
const (
	nodeActorName = "chat-node"      // every node's receiver of chatpb.Deliver
	chanKindName  = "chat-channel"   // a channel: identity chanIdentity(folded name)
	nickKindName  = "chat-nick"      // a nickname: identity its folded form
	dirKindName   = "chat-directory" // the list of open channels: identity dirIdentity
	dirIdentity   = "channels"
	usersIdentity = "users" // the user directory, of the directory kind
)

// network is a server's part in a network of nodes: its member of the
// cluster, the kinds it hosts, and this node's address. It is set up
// before any connection starts and read-only afterwards, but for m,
// which is set once Join returns.
type network struct {
	*info
	sys      *actor.System
	registry actor.Ref[registryMsg]
	m        atomic.Pointer[cluster.Member] // set as the member starts joining
	tag      uint64                         // the high bits of this node's connection IDs

	chans, nicks, dir *cluster.Kind[proto.Message]
}

// here returns this node's cluster address.
func (n *network) here() string { return n.member().Addr() }

// startNetwork joins the cluster of cfg.Cluster with sys, hosting the
// network's kinds, and starts this node's actor.
func startNetwork(sys *actor.System, in *info, reg actor.Ref[registryMsg]) (*network, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("server: network: %w", err)
	}
	n := &network{info: in, sys: sys, registry: reg,
		tag: (binary.BigEndian.Uint64(b[:])&(1<<23-1) | 1<<23) << 40} // 24 bits, never 0
	// The registry reads in.net when a message reaches it; the first ones
	// (the membership, other nodes' deliveries) are sent once Join starts,
	// after this write.
	in.net = n
	n.chans = cluster.NewKind(chanKindName, func() actor.Behavior[proto.Message] { return newNetChannel(n) })
	cluster.Accept[chanCall](n.chans)
	n.nicks = cluster.NewKind(nickKindName, func() actor.Behavior[proto.Message] { return &nickActor{net: n} })
	cluster.Accept[nickClaim](n.nicks)
	cluster.Accept[nickLookup](n.nicks)
	n.dir = cluster.NewKind(dirKindName, func() actor.Behavior[proto.Message] {
		return &directory{net: n, open: map[string]string{}, users: map[string]*chatpb.Member{}}
	})
	cluster.Accept[dirList](n.dir)
	cluster.Accept[dirUpdate](n.dir)
	cluster.Accept[userUpdate](n.dir)
	cluster.Accept[userList](n.dir)
	if _, err := actor.Spawn(sys, nodeActorName, func() actor.Behavior[proto.Message] {
		return actor.BehaviorFunc[proto.Message](func(_ *actor.Self[proto.Message], msg proto.Message) {
			if d, ok := msg.(*chatpb.Deliver); ok {
				reg.Send(delivered{d: d})
			}
		})
	}); err != nil {
		return nil, fmt.Errorf("server: network: starting the node actor: %w", err)
	}
	cc := in.cfg.Cluster
	m, err := cluster.Join(sys, cluster.Config{
		Name: cc.Name, Address: cc.Addr, Provider: cc.Provider,
		Kinds:          []cluster.HostedKind{n.chans, n.nicks, n.dir},
		RequestTimeout: cc.RequestTimeout,
		// The kinds' activations may start before Join returns: other
		// nodes send requests here as soon as they see this one.
		Joining: func(m *cluster.Member) { n.m.Store(m) },
	})
	if err != nil {
		return nil, fmt.Errorf("server: network: %w", err)
	}
	cluster.WatchMembers(m, reg, func(nodes []string) registryMsg { return nodesChanged{nodes: nodes} }) // ends with m
	return n, nil
}

// member returns the cluster member.
func (n *network) member() *cluster.Member { return n.m.Load() }

// shutdown leaves the cluster.
func (n *network) shutdown(ctx context.Context) error {
	if n == nil {
		return nil
	}
	return n.member().Shutdown(ctx)
}

// alive reports whether the node at addr is a member of the cluster.
func (n *network) alive(addr string) bool {
	if addr == n.here() {
		return true
	}
	m := n.member()
	return m != nil && slices.Contains(m.Members(), addr)
}

// chanIdentity is the identity of a channel's virtual actor: its folded
// name, hex-encoded (with a prefix no channel name has) if it is not
// UTF-8, which cluster identities must be.
func chanIdentity(key string) string {
	if utf8.ValidString(key) {
		return key
	}
	return "x:" + hex.EncodeToString([]byte(key))
}

// channel returns the reference to the channel called name.
func (n *network) channel(name string) chanRef {
	return chanRef{net: cluster.Get(n.member(), n.chans, chanIdentity(irc.Fold(name))), nw: n, name: name}
}

// nick returns the reference to the nickname's virtual actor.
func (n *network) nick(nick string) cluster.Ref[proto.Message] {
	return cluster.Get(n.member(), n.nicks, chanIdentity(irc.Fold(nick)))
}

// directoryRef returns the reference to the channel directory.
func (n *network) directoryRef() cluster.Ref[proto.Message] {
	return cluster.Get(n.member(), n.dir, dirIdentity)
}

// usersRef returns the reference to the user directory.
func (n *network) usersRef() cluster.Ref[proto.Message] {
	return cluster.Get(n.member(), n.dir, usersIdentity)
}

// deliver sends items to the clients of the node at addr (one way).
func (n *network) deliver(addr string, items ...*chatpb.Deliver_Item) {
	n.send(addr, &chatpb.Deliver{Items: items})
}

// send sends d to the chat-node actor of the node at addr (one way).
func (n *network) send(addr string, d *chatpb.Deliver) {
	remote.Ref[proto.Message](n.sys, addr, nodeActorName).Send(d)
}

// announce tells the channel directory, from f, that the channel name is
// open (or closed). Best effort: a directory that cannot be reached
// misses the channel in LIST, which costs nothing else.
func (n *network) announce(f *fiber.Fiber, name string, open bool) {
	_, _ = cluster.Ask(f, n.directoryRef(), dirUpdate{DirUpdate: &chatpb.DirUpdate{Channel: []byte(name), Open: open}})
}

// fromWire returns the member a wire Member describes, as another node
// sees it: a snapshot of its state, lines for it going to out.
func fromWire(w *chatpb.Member, out outbox) member {
	st := &userState{}
	st.caps.Store(w.GetCaps())
	st.modes.Store(w.GetModes())
	if w.GetAway() {
		away := string(w.GetAwayText())
		st.away.Store(&away)
	}
	real := string(w.GetRealname())
	st.realname.Store(&real)
	st.idle.Store(w.GetIdle())
	st.signon.Store(w.GetSignon())
	return member{id: w.GetId(), nick: w.GetNick(), user: string(w.GetUser()), host: string(w.GetHost()),
		out: out, st: st, node: w.GetNode(), server: w.GetServer()}
}

// --- what a channel queues for other nodes ---

// outbound collects what a channel of a network queues for the clients of
// each node during one of its turns; flush sends it, one chatpb.Deliver
// per node, before the turn answers. Only the channel's actor uses it.
type outbound struct {
	n       *network
	pending map[string]*nodeBatch // by node address
	nodes   []string              // in the order first queued to
}

// nodeBatch is what a turn queued for one node: the items, and each line
// that several items share once.
type nodeBatch struct {
	d     chatpb.Deliver
	index map[*byte]uint32 // 1 + the index in d.Lines of a line, by its first byte
}

func (o *outbound) batch(node string) *nodeBatch {
	if o.pending == nil {
		o.pending = make(map[string]*nodeBatch)
	}
	nb := o.pending[node]
	if nb == nil {
		nb = &nodeBatch{}
		o.pending[node] = nb
		o.nodes = append(o.nodes, node)
	}
	return nb
}

func (o *outbound) add(node string, it *chatpb.Deliver_Item) {
	nb := o.batch(node)
	nb.d.Items = append(nb.d.Items, it)
}

// addLine queues a line for the client id of node: a line the turn queues
// for several clients of a node (the fan-out shares one slice) travels
// once.
func (o *outbound) addLine(node string, id uint64, line []byte) {
	nb := o.batch(node)
	it := &chatpb.Deliver_Item{Id: id}
	if len(line) == 0 {
		nb.d.Items = append(nb.d.Items, it)
		return
	}
	i, ok := nb.index[&line[0]]
	if !ok || len(nb.d.Lines[i-1]) != len(line) {
		if nb.index == nil {
			nb.index = make(map[*byte]uint32)
		}
		nb.d.Lines = append(nb.d.Lines, line)
		i = uint32(len(nb.d.Lines))
		nb.index[&line[0]] = i
	}
	it.Shared = i
	nb.d.Items = append(nb.d.Items, it)
}

// tell queues a connection message for a member: KICK and INVITE, which
// its connection records before it queues the line.
func (o *outbound) tell(m member, channel string, msg connMsg) {
	switch msg := msg.(type) {
	case kicked:
		o.add(m.node, &chatpb.Deliver_Item{Kind: chatpb.Deliver_Item_KIND_KICKED, Id: m.id, Line: msg.line, Channel: []byte(channel)})
	case invited:
		o.add(m.node, &chatpb.Deliver_Item{Kind: chatpb.Deliver_Item_KIND_INVITED, Id: m.id, Line: msg.line, Channel: []byte(channel)})
	}
}

// membership queues the news that a member joined or left the channel,
// for its node's registry.
func (o *outbound) membership(m member, channel string, on bool) {
	kind := chatpb.Deliver_Item_KIND_LEFT
	if on {
		kind = chatpb.Deliver_Item_KIND_JOINED
	}
	o.add(m.node, &chatpb.Deliver_Item{Kind: kind, Id: m.id, Channel: []byte(channel)})
}

// flush sends what was queued.
func (o *outbound) flush() {
	for _, node := range o.nodes {
		nb := o.pending[node]
		o.n.send(node, &nb.d)
		delete(o.pending, node)
	}
	o.nodes = o.nodes[:0]
}

// netOut is the outbox of a member of a network's channel: its lines go
// into the channel's batch for the member's node.
type netOut struct {
	o    *outbound
	node string
	id   uint64
}

func (q *netOut) TryPush(line []byte) bool {
	q.o.addLine(q.node, q.id, line)
	return true
}

// --- the channel kind ---

// netChannel is the behavior of a network's channel: the channel of a
// single server, whose members are clients of any node, reached through
// an outbound batch, and whose requests and answers are chatpb messages.
//
// An activation first gathers its members: with its first request it asks
// every node's registry which of its clients are on the channel (a
// Deliver KIND_SYNC to each node, answered with a ChanRequest.Sync), and
// it handles nothing else until every node has answered (or left, or
// Cluster.RequestTimeout passed): the requests wait in fibers, in order.
// So a channel that starts after its node died, or after its identity
// moved to another node, starts with everyone who is on it, and no
// message reaches only some of them. (For a new channel, every node
// answers with nobody.)
type netChannel struct {
	ch        *channel
	out       *outbound
	opened    bool   // the request being handled opened the channel
	stopWatch func() // ends the watch of the membership

	waiting map[string]bool // the nodes yet to answer
	synced  fiber.Event     // set when the members are gathered
	timer   *fiber.Fiber    // fails the waiting requests at each bound
	parked  []*fiber.Fiber  // the requests waiting for the members

	// inFiber is the fiber handling the request, if one is (a request
	// that waited for the members); what the channel spawns meanwhile is
	// deferred to it.
	inFiber  *fiber.Fiber
	deferred []func(*fiber.Fiber) error
}

func newNetChannel(n *network) *netChannel {
	o := &outbound{n: n}
	ch := newChannel(n.info, "", n.registry)
	ch.net, ch.out = n, o
	return &netChannel{ch: ch, out: o}
}

// Started implements [actor.Starter].
func (nc *netChannel) Started(self *actor.Self[proto.Message]) {
	nc.ch.stop = self.Stop
	nc.ch.spawn = func(name string, fn func(*fiber.Fiber) error) {
		if nc.inFiber != nil {
			nc.deferred = append(nc.deferred, fn)
			return
		}
		self.Go(name, fn)
	}
	nc.stopWatch = cluster.WatchMembers(nc.ch.net.member(), self.Ref(), func(nodes []string) proto.Message {
		return &chatpb.NodesChanged{Nodes: nodes}
	})
}

// Stopping implements [actor.Stopper].
func (nc *netChannel) Stopping(*actor.Self[proto.Message]) { nc.stopWatch() }

// Stopped implements [actor.Stopper].
func (nc *netChannel) Stopped(*actor.Self[proto.Message]) {}

// Receive implements [actor.Behavior]: it handles the request as the
// channel of a single server would, sends what it queued for the clients
// of every node, then answers with the requester's replies.
func (nc *netChannel) Receive(self *actor.Self[proto.Message], msg proto.Message) {
	if nch, ok := msg.(*chatpb.NodesChanged); ok {
		nc.nodesChanged(self, nch.GetNodes())
		return
	}
	c, ok := msg.(chanCall)
	if !ok {
		return
	}
	reply := actor.ReplyTo(self, c)
	if s := c.GetSync(); s != nil {
		reply.Send(&chatpb.ChanReply{Ok: true})
		if nc.ch.name == "" {
			// An answer to an activation that stopped since: this one
			// asked nobody.
			self.Stop()
			return
		}
		nc.sync(self, c.GetWho().GetNode(), s)
		nc.out.flush()
		return
	}
	if nc.ch.name == "" {
		nc.start(self, c.ChanRequest)
	}
	if nc.synced.IsSet() {
		nc.answer(self, nil, c.ChanRequest, reply)
		return
	}
	nc.parked = append(nc.parked, self.Go("wait for members", func(f *fiber.Fiber) error {
		if err := nc.synced.Wait(f); err != nil {
			return reply.Fail(context.Cause(f.Context()))
		}
		nc.answer(self, f, c.ChanRequest, reply)
		return nil
	}))
}

// start names the channel after its first request and asks every node
// for its members.
func (nc *netChannel) start(self *actor.Self[proto.Message], w *chatpb.ChanRequest) {
	ch := nc.ch
	ch.name = string(w.GetChannel())
	ch.key = irc.Fold(ch.name)
	ch.ref = ch.net.channel(ch.name)
	nc.waiting = make(map[string]bool)
	nodes := ch.net.member().Members()
	if slices.Contains(nodes, ch.net.here()) {
		nc.ask(nodes)
	} else {
		// This node has not heard of the membership yet (it is joining):
		// the first NodesChanged that has it says whom to ask.
		nc.waiting[ch.net.here()] = true
	}
	bound := ch.cfg.Cluster.RequestTimeout
	if bound <= 0 {
		bound = 5 * time.Second
	}
	nc.timer = self.Go("members bound", func(f *fiber.Fiber) error {
		// Each bound that passes fails the requests waiting then: the
		// channel does not go on without the members of a node that has
		// not answered (it may be slow, or stopped and not yet dropped
		// from the membership, which ends the wait too).
		for {
			if err := f.Sleep(bound); err != nil {
				return nil // gathered
			}
			ch.cfg.Logger.Warn("channel: nodes did not say who is on it in time", "channel", ch.name, "nodes", len(nc.waiting))
			for _, p := range nc.parked {
				p.Cancel(errGathering)
			}
			nc.parked = nc.parked[:0]
			// Ask them again: an answer may have gone to a former
			// activation, through a node whose view of the membership
			// lagged.
			nc.ask(slices.Collect(maps.Keys(nc.waiting)))
		}
	})
}

// ask asks these nodes' registries which of their clients are on the
// channel, and waits for their answers.
func (nc *netChannel) ask(nodes []string) {
	for _, node := range nodes {
		nc.waiting[node] = true
		nc.ch.net.deliver(node, &chatpb.Deliver_Item{Kind: chatpb.Deliver_Item_KIND_SYNC, Channel: []byte(nc.ch.name)})
	}
}

// errGathering fails the requests to a channel that still waits for the
// members of a node (see netChannel): the asker gets a timeout.
var errGathering = fmt.Errorf("%w: the nodes did not all say in time who is on the channel", actor.ErrTimeout)

// sync adds a node's members and ends the gathering once every node has
// answered.
func (nc *netChannel) sync(self *actor.Self[proto.Message], node string, s *chatpb.ChanRequest_Sync) {
	for _, w := range s.GetMembers() {
		nc.ch.restore(fromWire(w, &netOut{o: nc.out, node: w.GetNode(), id: w.GetId()}))
	}
	if nc.waiting[node] {
		delete(nc.waiting, node)
		if len(nc.waiting) == 0 {
			nc.gathered(self, nil)
		}
	}
}

// gathered ends the gathering: the waiting requests go on, in order, and
// a channel that has members (it moved, or its node died) is listed in
// the directory again, which may have started afresh too.
func (nc *netChannel) gathered(self *actor.Self[proto.Message], f *fiber.Fiber) {
	clear(nc.waiting)
	if nc.timer != nil {
		nc.timer.Cancel(nil)
		nc.timer = nil
	}
	nc.parked = nil
	nc.synced.Set()
	if len(nc.ch.members) > 0 {
		nc.list(self, f)
	}
}

// list tells the directory the channel is open: from f, or from a fiber
// of its own if f is nil (in a turn).
func (nc *netChannel) list(self *actor.Self[proto.Message], f *fiber.Fiber) {
	name := nc.ch.name
	tell := func(f *fiber.Fiber) error {
		nc.ch.net.announce(f, name, true)
		return nil
	}
	if f != nil {
		_ = tell(f)
		return
	}
	self.Go("directory "+name, tell)
}

// answer handles a request (in a turn, or in the fiber f that waited for
// the members), sends what it queued for other nodes, and answers; the
// first JOIN is answered once the directory lists the channel, so that a
// LIST after it shows the channel.
func (nc *netChannel) answer(self *actor.Self[proto.Message], f *fiber.Fiber, w *chatpb.ChanRequest, reply actor.Reply[*chatpb.ChanReply]) {
	nc.inFiber = f
	rep := nc.handle(w)
	nc.inFiber = nil
	nc.out.flush()
	opened, deferred := nc.opened, nc.deferred
	nc.opened, nc.deferred = false, nil
	finish := func(f *fiber.Fiber) error {
		if opened {
			nc.list(self, f)
		}
		reply.Send(rep)
		for _, fn := range deferred {
			_ = fn(f)
		}
		return nil
	}
	switch {
	case f != nil:
		_ = finish(f)
	case opened:
		self.Go("directory "+nc.ch.name, finish)
	default:
		reply.Send(rep)
	}
}

// nodesChanged drops the members of nodes that left (with a QUIT to the
// others), stops waiting for their answer, and lists the channel in the
// directory again, which may have been on a node that left.
func (nc *netChannel) nodesChanged(self *actor.Self[proto.Message], nodes []string) {
	ch := nc.ch
	if ch.name == "" || ch.closed || !slices.Contains(nodes, ch.net.here()) {
		// A view of the membership without this node is one the provider
		// has not settled (this node runs, so it is a member): splitting
		// by it would drop this node's own clients.
		return
	}
	if nc.waiting[ch.net.here()] && !nc.synced.IsSet() && slices.Contains(nodes, ch.net.here()) && len(nc.waiting) == 1 {
		// The membership this node waited for (see start): ask every node,
		// this one included.
		delete(nc.waiting, ch.net.here())
		nc.ask(nodes)
		return
	}
	for node := range nc.waiting {
		if !slices.Contains(nodes, node) {
			delete(nc.waiting, node)
			if len(nc.waiting) == 0 {
				nc.gathered(self, nil)
			}
		}
	}
	ch.split(nodes)
	nc.out.flush()
	if !ch.closed && nc.synced.IsSet() {
		nc.list(self, nil)
	}
}

func (nc *netChannel) handle(w *chatpb.ChanRequest) *chatpb.ChanReply {
	ch := nc.ch
	sink := &replySink{}
	who := fromWire(w.GetWho(), &netOut{o: nc.out, node: w.GetWho().GetNode(), id: w.GetWho().GetId()})
	who.sink = sink
	if w.GetWho().GetNode() != "" {
		if _, me := ch.find(who.id); me != nil {
			me.st = who.st // the member's latest state
		}
	}
	rep := &chatpb.ChanReply{}
	if len(ch.members) == 0 && w.GetJoin() == nil {
		// Nobody is on the channel: it does not exist (the request
		// activated it, or it is closing).
		switch {
		case w.GetNames() != nil:
			ch.numeric(who, irc.RplEndOfNames, string(w.GetChannel()), "End of /NAMES list")
		case w.GetTopic() != nil, w.GetMode() != nil, w.GetKick() != nil, w.GetInvite() != nil, w.GetPart() != nil:
			ch.numeric(who, irc.ErrNoSuchChannel, string(w.GetChannel()), "No such channel")
		case w.GetSay() != nil && !w.GetSay().GetNotice() && !w.GetSay().GetTagmsg():
			ch.numeric(who, irc.ErrNoSuchChannel, string(w.GetChannel()), "No such channel")
		}
		ch.closeIfEmpty()
		rep.Lines = sink.lines
		return rep
	}
	switch op := w.GetOp().(type) {
	case *chatpb.ChanRequest_Join_:
		r := ch.join(chanJoin{who: who, key: string(op.Join.GetKey())})
		rep.Joined, rep.Retry = r.joined, r.retry
		nc.opened = r.joined && len(ch.members) == 1
	case *chatpb.ChanRequest_Part_:
		rep.Ok = ch.part(chanPart{who: who, reason: string(op.Part.GetReason())}).ok
	case *chatpb.ChanRequest_Say_:
		s := op.Say
		var tags map[string]string
		if len(s.GetTags()) > 0 {
			tags = make(map[string]string, len(s.GetTags()))
			for k, v := range s.GetTags() {
				tags[k] = string(v)
			}
		}
		line := &outLine{plain: s.GetLine(), tags: tags, at: time.Unix(0, s.GetAt())}
		rep.Ok = ch.say(chanSay{who: who, notice: s.GetNotice(), tagmsg: s.GetTagmsg(), status: byte(s.GetStatus()), line: line}).ok
	case *chatpb.ChanRequest_Topic_:
		rep.Ok = ch.setTopic(chanTopic{who: who, set: op.Topic.GetSet(), text: string(op.Topic.GetText())}).ok
	case *chatpb.ChanRequest_Names_:
		ch.names(who)
		rep.Ok = true
	case *chatpb.ChanRequest_WhoQuery:
		q := op.WhoQuery
		ch.whoReplies(who, whoReq{mask: string(q.GetMask()), opersOnly: q.GetOpersOnly(), fields: q.GetFields(), token: string(q.GetToken())})
		rep.Ok = true
	case *chatpb.ChanRequest_Mode_:
		args := make([]string, len(op.Mode.GetArgs()))
		for i, a := range op.Mode.GetArgs() {
			args[i] = string(a)
		}
		var known map[string]bool
		for _, k := range op.Mode.GetKnown() {
			if known == nil {
				known = make(map[string]bool)
			}
			known[k] = true
		}
		rep.Ok = ch.mode(chanMode{who: who, args: args, known: known}).ok
	case *chatpb.ChanRequest_Kick_:
		rep.Ok = ch.kick(chanKick{who: who, nick: op.Kick.GetNick(), reason: string(op.Kick.GetReason())}).ok
	case *chatpb.ChanRequest_Invite_:
		t := op.Invite.GetTarget()
		target := fromWire(t, &netOut{o: nc.out, node: t.GetNode(), id: t.GetId()})
		rep.Ok = ch.invite(chanInvite{who: who, target: target}).ok
	case *chatpb.ChanRequest_WhoisInfo_:
		r := ch.whoisInfo(chanWhoisInfo{who: who, id: op.WhoisInfo.GetId()})
		rep.Entry, rep.Visible = []byte(r.entry), r.visible
	case *chatpb.ChanRequest_Info_:
		r := ch.listEntry(chanInfo{who: who})
		rep.Visible, rep.Name, rep.Users, rep.Topic = r.visible, []byte(r.name), int32(r.users), []byte(r.topic)
	case *chatpb.ChanRequest_Relay_:
		r := op.Relay
		skip := make(map[uint64]bool, len(r.GetSkip()))
		for _, id := range r.GetSkip() {
			skip[id] = true
		}
		var n notified
		switch {
		case r.GetQuit():
			n = ch.quit(chanQuit{id: who.id, line: r.GetLine(), skip: skip})
		case r.GetNick() != "":
			n = ch.rename(chanRename{id: who.id, nick: r.GetNick(), line: r.GetLine(), skip: skip})
		default:
			n = ch.relayAbout(chanRelay{id: who.id, line: r.GetLine(), need: capSet(r.GetNeed()), skip: skip})
		}
		rep.Ids = n.ids
	}
	rep.Lines = sink.lines
	return rep
}

// closed is closeIfEmpty's end for a network's channel: the directory
// forgets it, from a fiber of the channel's actor, and then it stops,
// unless a member joined meanwhile (see channel.reopen): the directory
// then lists it again.
func (n *network) closed(ch *channel) {
	name := ch.name
	ch.spawn("directory "+name, func(f *fiber.Fiber) error {
		n.announce(f, name, false)
		if len(ch.members) == 0 {
			ch.stop()
			return nil
		}
		n.announce(f, name, true)
		return nil
	})
}

// --- the nickname kind ---

// nickClaim is NickClaim as a request of the nickname kind.
type nickClaim struct {
	actor.Request[proto.Message, *chatpb.NickOwner]
	*chatpb.NickClaim
}

// nickLookup is NickLookup as a request of the nickname kind.
type nickLookup struct {
	actor.Request[proto.Message, *chatpb.NickOwner]
	*chatpb.NickLookup
}

// nickActor is the behavior of a nickname's virtual actor: it holds who
// has the nickname in the network, and stops once it is released.
type nickActor struct {
	net      *network
	owner    *chatpb.Member // nil: free
	channels [][]byte       // the owner's channels, as its registry last said
	order    fiber.Mutex    // held by the fiber telling the user directory
	pending  int            // fibers telling the user directory
}

func sameOwner(a, b *chatpb.Member) bool { return a.GetNode() == b.GetNode() && a.GetId() == b.GetId() }

// Receive implements [actor.Behavior].
func (na *nickActor) Receive(self *actor.Self[proto.Message], msg proto.Message) {
	switch m := msg.(type) {
	case nickClaim:
		o := m.GetOwner()
		if na.owner == nil || sameOwner(na.owner, o) || !na.net.alive(na.owner.GetNode()) {
			na.owner, na.channels = o, m.GetChannels()
			na.listed(self, o, true)
			actor.ReplyTo(self, m).Send(&chatpb.NickOwner{Ok: true, Owner: o})
			return
		}
		actor.ReplyTo(self, m).Send(&chatpb.NickOwner{Owner: na.owner})
	case nickLookup:
		if na.owner == nil || !na.net.alive(na.owner.GetNode()) {
			actor.ReplyTo(self, m).Send(&chatpb.NickOwner{})
			return
		}
		actor.ReplyTo(self, m).Send(&chatpb.NickOwner{Ok: true, Owner: na.owner, Channels: na.channels})
	case *chatpb.NickRelease:
		if na.owner != nil && na.owner.GetNode() == m.GetNode() && na.owner.GetId() == m.GetId() {
			na.listed(self, na.owner, false)
			na.owner, na.channels = nil, nil
		}
	}
}

// listed tells the user directory that owner holds the nickname now
// (present) or no longer, from a fiber; a released nickname's actor then
// stops, unless it was claimed again meanwhile. Fibers of the actor run
// one at a time in its turns, so the directory hears of its claims and
// releases in order.
func (na *nickActor) listed(self *actor.Self[proto.Message], owner *chatpb.Member, present bool) {
	na.pending++
	self.Go("user directory", func(f *fiber.Fiber) error {
		defer func() {
			if na.pending--; na.pending == 0 && na.owner == nil {
				self.Stop()
			}
		}()
		// The mutex hands itself over in FIFO order: the updates reach the
		// directory in the order of the claims and releases.
		if err := na.order.Lock(f); err != nil {
			return nil // the actor stops
		}
		defer na.order.Unlock()
		_, _ = cluster.Ask(f, na.net.usersRef(), userUpdate{UserUpdate: &chatpb.UserUpdate{User: owner, Present: present}})
		return nil
	})
}

// --- the channel directory ---

// userUpdate is UserUpdate as a request of the directory kind.
type userUpdate struct {
	actor.Request[proto.Message, *chatpb.UserEntries]
	*chatpb.UserUpdate
}

// userList is UserList as a request of the directory kind.
type userList struct {
	actor.Request[proto.Message, *chatpb.UserEntries]
	*chatpb.UserList
}

// dirList is DirList as a request of the directory kind.
type dirList struct {
	actor.Request[proto.Message, *chatpb.DirChannels]
	*chatpb.DirList
}

// dirUpdate is DirUpdate as a request of the directory kind, answered
// once the directory has it (with no channels).
type dirUpdate struct {
	actor.Request[proto.Message, *chatpb.DirChannels]
	*chatpb.DirUpdate
}

// directory is the behavior of the directory kind: as the channel
// directory, the names of the open channels (LIST); as the user directory,
// the users of the network (WHO).
type directory struct {
	net   *network
	open  map[string]string         // by folded name
	users map[string]*chatpb.Member // by folded nickname
}

// Receive implements [actor.Behavior].
func (d *directory) Receive(self *actor.Self[proto.Message], msg proto.Message) {
	switch m := msg.(type) {
	case dirUpdate:
		name := string(m.GetChannel())
		if m.GetOpen() {
			d.open[irc.Fold(name)] = name
		} else {
			delete(d.open, irc.Fold(name))
		}
		actor.ReplyTo(self, m).Send(&chatpb.DirChannels{})
	case userUpdate:
		u := m.GetUser()
		key := irc.Fold(u.GetNick())
		if m.GetPresent() {
			d.users[key] = u
		} else if cur := d.users[key]; cur != nil && sameOwner(cur, u) {
			delete(d.users, key)
		}
		actor.ReplyTo(self, m).Send(&chatpb.UserEntries{})
	case userList:
		users := make([]*chatpb.Member, 0, len(d.users))
		for key, u := range d.users {
			if !d.net.alive(u.GetNode()) {
				delete(d.users, key) // its node is gone
				continue
			}
			users = append(users, u)
		}
		actor.ReplyTo(self, m).Send(&chatpb.UserEntries{Users: users})
	case dirList:
		names := make([][]byte, 0, len(d.open))
		for _, name := range d.open {
			names = append(names, []byte(name))
		}
		slices.SortFunc(names, func(a, b []byte) int { return slices.Compare(a, b) })
		actor.ReplyTo(self, m).Send(&chatpb.DirChannels{Channels: names})
	}
}
