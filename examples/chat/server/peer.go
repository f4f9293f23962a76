package server

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	chatpb "github.com/weft-go/weft/proto"
	"github.com/weft-go/weft/remote"
)

// relayName is the name of the relay actor on every node: the peer sends
// its chatpb messages to the actor of that name at this node's address.
const relayName = "chat-relay"

// protocolVersion is the chatpb protocol this server speaks.
const protocolVersion = 1

// peerLink links this node to one peer node (see Config.NodeAddr and
// Config.Peer) through package node, the chat's one use of protoactor
// remote. Channel actors forward the events of their local members to the
// peer's relay actor as chatpb.ChannelEvent messages; the relay actor of
// the receiving node hands them to its registry, which passes them to the
// local channel of the same name, which queues them for its local members
// only. Events that came from the peer are never forwarded again, so
// nothing loops.
type peerLink struct {
	node string // this node's name
	sys  *actor.System
	nd   *remote.Node
	addr string // this node's address

	byeAck chan struct{} // gets the peer's GoodbyeAck

	mu       sync.Mutex               // guards the fields below; held while sending, to order sends
	peer     actor.Ref[proto.Message] // the peer's relay actor; zero until known
	peerAddr string                   // the peer's address; "" until known
}

// goodbyeTimeout bounds how long a node that shuts down waits for its
// peer's GoodbyeAck.
const goodbyeTimeout = 2 * time.Second

// startPeer listens for the peer on cfg.NodeAddr, starts the relay actor,
// and greets cfg.Peer if set. A node started without Peer learns its peer
// from the first Hello it receives.
func startPeer(sys *actor.System, in *info, reg actor.Ref[registryMsg]) (*peerLink, error) {
	nd, err := remote.Listen(sys, in.cfg.NodeAddr)
	if err != nil {
		return nil, fmt.Errorf("server: starting the node listener: %w", err)
	}
	l := &peerLink{node: in.cfg.Name, sys: sys, nd: nd, addr: nd.Addr(), byeAck: make(chan struct{}, 1)}
	if _, err := actor.Spawn(sys, relayName, func() actor.Behavior[proto.Message] { return &relay{link: l, registry: reg, info: in} }); err != nil {
		nd.Close()
		return nil, fmt.Errorf("server: starting the relay: %w", err)
	}
	if in.cfg.Peer != "" {
		l.setPeer(in.cfg.Peer)
		l.send(&chatpb.Hello{Node: l.node, Address: l.addr, Protocol: protocolVersion})
	}
	return l, nil
}

// setPeer links with the node at addr.
func (l *peerLink) setPeer(addr string) {
	l.mu.Lock()
	l.peer, l.peerAddr = remote.Ref[proto.Message](l.sys, addr, relayName), addr
	l.mu.Unlock()
}

// linkedTo returns the peer's address, or "" if unknown.
func (l *peerLink) linkedTo() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peerAddr
}

// send sends m to the peer's relay, if the peer is known, and reports
// whether it did. Safe for concurrent use; messages to one actor keep
// their order, and the lock orders sends against unlinking.
func (l *peerLink) send(m proto.Message) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.peer.IsZero() {
		return false
	}
	l.peer.Send(m) // queues for the node's connection; does not wait for the network
	return true
}

// unlink sends m (if not nil) to the peer at addr and forgets the peer:
// m is the last message sent there.
func (l *peerLink) unlink(addr string, m proto.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if m != nil && addr != "" {
		remote.Ref[proto.Message](l.sys, addr, relayName).Send(m)
	}
	l.peer, l.peerAddr = actor.Ref[proto.Message]{}, ""
}

// forward sends an event of a local member of channel to the peer.
func (l *peerLink) forward(channel string, kind chatpb.ChannelEvent_Kind, who member, text string) {
	if l == nil {
		return
	}
	l.send(&chatpb.ChannelEvent{
		Channel: channel, Origin: l.node, Kind: kind,
		Nick: who.nick, User: who.user, Host: who.host, Text: text,
	})
}

// shutdown says Goodbye to the peer, so that it stops sending here, and
// stops the node listener and its connections. (Without the Goodbye, a
// peer that sends to this node after it stopped makes protoactor's
// endpoint writer redial for seconds, leaking a gRPC connection per try.)
func (l *peerLink) shutdown() {
	if l == nil {
		return
	}
	if l.send(&chatpb.Goodbye{Node: l.node, Address: l.addr}) {
		l.unlink("", nil)
		t := time.NewTimer(goodbyeTimeout)
		select {
		case <-l.byeAck:
		case <-t.C:
		}
		t.Stop()
	}
	l.nd.Close()
}

// relay is the behavior of the relay actor, which receives the peer's
// messages.
type relay struct {
	link     *peerLink
	registry actor.Ref[registryMsg]
	*info
}

// Receive implements [actor.Behavior].
func (r *relay) Receive(self *actor.Self[proto.Message], msg proto.Message) {
	switch m := msg.(type) {
	case *chatpb.ChannelEvent:
		r.registry.Send(remoteEvent{ev: m})
	case *chatpb.Hello:
		if r.link.linkedTo() == "" && m.GetAddress() != "" {
			r.link.setPeer(m.GetAddress())
		}
		r.cfg.Logger.Info("peer linked", "node", m.GetNode(), "addr", m.GetAddress())
		r.link.send(&chatpb.HelloAck{Node: r.link.node, Address: r.link.addr, Protocol: protocolVersion})
	case *chatpb.HelloAck:
		r.cfg.Logger.Info("peer linked", "node", m.GetNode(), "addr", m.GetAddress())
	case *chatpb.Goodbye:
		r.link.unlink(m.GetAddress(), &chatpb.GoodbyeAck{Node: r.link.node})
		r.cfg.Logger.Info("peer left", "node", m.GetNode())
	case *chatpb.GoodbyeAck:
		select {
		case r.link.byeAck <- struct{}{}:
		default:
		}
	}
}

// remoteLine returns the IRC line of an event from the peer, or nil if
// the event is not one a channel relays.
func (in *info) remoteLine(ev *chatpb.ChannelEvent) []byte {
	prefix := ev.GetNick() + "!" + ev.GetUser() + "@" + ev.GetHost()
	ch := ev.GetChannel()
	switch ev.GetKind() {
	case chatpb.ChannelEvent_KIND_PRIVMSG:
		return in.appendMsg(nil, prefix, "PRIVMSG", ch, ev.GetText())
	case chatpb.ChannelEvent_KIND_NOTICE:
		return in.appendMsg(nil, prefix, "NOTICE", ch, ev.GetText())
	case chatpb.ChannelEvent_KIND_JOIN:
		return in.appendMsg(nil, prefix, "JOIN", ch)
	case chatpb.ChannelEvent_KIND_PART:
		if ev.GetText() == "" {
			return in.appendMsg(nil, prefix, "PART", ch)
		}
		return in.appendMsg(nil, prefix, "PART", ch, ev.GetText())
	case chatpb.ChannelEvent_KIND_QUIT:
		return in.appendMsg(nil, prefix, "QUIT", ev.GetText())
	case chatpb.ChannelEvent_KIND_TOPIC:
		return in.appendMsg(nil, prefix, "TOPIC", ch, ev.GetText())
	}
	return nil
}

// validRemote reports whether an event from the peer names a channel and
// a nickname this server would accept, so that no malformed line reaches a
// client.
func validRemote(ev *chatpb.ChannelEvent) bool {
	return irc.ValidChannel(ev.GetChannel(), 0) && irc.ValidNick(ev.GetNick(), 0) &&
		strings.IndexAny(ev.GetUser()+ev.GetHost(), "\x00\r\n !@") < 0
}
