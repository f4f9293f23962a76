package server

import (
	"time"

	"github.com/weft-go/weft/actor"
	chatpb "github.com/weft-go/weft/proto"
)

// The actor protocols of the server. Connections talk to the registry and
// to channels with actor.Ask and typed replies; channels and the registry
// write replies and fan-out straight into members' outboxes, so that what a
// client receives is queued in order before the request is acknowledged.
//
// The messages are plain values (IDs, strings, byte lines) apart from the
// outbox of a member; when channels span nodes (-peer), they map onto
// protobuf messages and a remote member's outbox becomes a relay to its
// node.

// member is a client as the channels and the registry see it.
type member struct {
	id                         uint64
	nick, user, host, realname string
	out                        outbox
}

// prefix returns the member's source, nick!user@host.
func (m member) prefix() string { return m.nick + "!" + m.user + "@" + m.host }

// --- registry protocol ---

type registryMsg interface{ registryMsg() }

// claimNick claims a nickname for a connection, releasing its previous
// one; the reply is a claimReply.
type claimNick struct {
	who  member
	conn actor.Ref[connMsg]
}

type claimReply struct{ ok bool }

// userRegistered completes a connection's registration (one-way).
type userRegistered struct{ who member }

// sendTo delivers a PRIVMSG or NOTICE line to a registered nickname; the
// reply is a deliverReply. The line is read before the reply is sent.
type sendTo struct {
	nick string
	line []byte
}

type deliverReply struct{ found bool }

// whois asks about a registered nickname; the reply is a whoisReply.
type whois struct{ nick string }

type whoisReply struct {
	found bool
	who   member
}

// channelFor returns a channel's actor, creating it if create is set; the
// reply is a channelReply.
type channelFor struct {
	name   string
	create bool
}

type channelReply struct {
	ref actor.Ref[chanMsg]
	ok  bool
}

// listChannels returns every channel's actor; the reply is a
// []actor.Ref[chanMsg].
type listChannels struct{}

// departed tells the registry a connection is gone (one-way): its nickname
// is released and its QUIT relayed to the channels it may be on, each peer
// getting it once.
type departed struct {
	id       uint64
	reason   string
	channels []actor.Ref[chanMsg]
}

// channelEmpty tells the registry that a channel lost its last member and
// closed (one-way); the registry forgets and stops it.
type channelEmpty struct {
	key string
	ref actor.Ref[chanMsg]
}

// statsQuery asks for counts; the reply is a Stats.
type statsQuery struct{}

func (claimNick) registryMsg()      {}
func (userRegistered) registryMsg() {}
func (sendTo) registryMsg()         {}
func (whois) registryMsg()          {}
func (channelFor) registryMsg()     {}
func (listChannels) registryMsg()   {}
func (departed) registryMsg()       {}
func (channelEmpty) registryMsg()   {}
func (statsQuery) registryMsg()     {}
func (remoteEvent) registryMsg()    {}

// remoteEvent is a channel event from the peer node (one-way): the
// registry passes it to the channel of that name, if there is one here.
type remoteEvent struct{ ev *chatpb.ChannelEvent }

// --- channel protocol ---

// chanMsg is the protocol of a channel actor. Every request carries the
// requesting member, so that the channel can queue its replies (numerics
// included) for it, in order with the channel's fan-out.
type chanMsg interface{ chanMsg() }

// chanJoin joins a member; the reply is a *joinReply.
type chanJoin struct {
	who member
	key string
}

type joinReply struct {
	joined bool // the member is on the channel (now or already)
	retry  bool // the channel is closing: ask the registry again
}

// chanPart parts a member; the reply is a *chanAck.
type chanPart struct {
	who    member
	reason string
}

// chanSay fans a PRIVMSG or NOTICE line out to every member but the
// sender; the reply, a *chanAck, is sent once the line is queued for
// everyone. The line is read before the reply is sent.
type chanSay struct {
	who    member
	notice bool
	line   []byte
	text   string // for the peer node
}

// chanTopic queries (set false) or sets the topic; the reply is a *chanAck.
type chanTopic struct {
	who  member
	set  bool
	text string
}

// chanNames lists the members (353, 366); the reply is a *chanAck.
type chanNames struct{ who member }

// chanWho describes the members (352, 315); the reply is a *chanAck.
type chanWho struct{ who member }

// chanMode queries or changes modes; the reply is a *chanAck.
type chanMode struct {
	who  member
	args []string
}

// chanInfo asks for a LIST entry; the reply is a chanInfoReply.
type chanInfo struct{ who member }

type chanInfoReply struct {
	visible bool
	name    string
	users   int
	topic   string
}

// chanRename changes a member's nickname and relays the NICK line to the
// members not in skip; the reply is a *notified.
type chanRename struct {
	id   uint64
	nick string
	line []byte
	skip map[uint64]bool // read-only; read before the reply
}

// chanQuit removes a member and relays the QUIT line to the members not in
// skip; the reply is a *notified.
type chanQuit struct {
	id     uint64
	line   []byte
	reason string          // for the peer node
	skip   map[uint64]bool // read-only; read before the reply
}

// chanRemote queues a line from the peer node for every local member
// (one-way).
type chanRemote struct{ line []byte }

// notified lists the members a line was queued for.
type notified struct{ ids []uint64 }

// chanAck acknowledges a request; ok is false if it failed (and the
// channel queued the error numeric for the requester).
type chanAck struct{ ok bool }

var (
	ackOK   = &chanAck{ok: true}
	ackFail = &chanAck{ok: false}
)

func (chanJoin) chanMsg()   {}
func (chanPart) chanMsg()   {}
func (chanSay) chanMsg()    {}
func (chanTopic) chanMsg()  {}
func (chanNames) chanMsg()  {}
func (chanWho) chanMsg()    {}
func (chanMode) chanMsg()   {}
func (chanInfo) chanMsg()   {}
func (chanRename) chanMsg() {}
func (chanQuit) chanMsg()   {}
func (chanRemote) chanMsg() {}

// --- connection protocol ---

// connMsg is the protocol of a connection actor.
type connMsg interface{ connMsg() }

// shutdownConn tells a connection that the server shuts down.
type shutdownConn struct{}

func (shutdownConn) connMsg() {}

// Stats counts what a server holds (see [Server.Stats]). It is a plain
// value.
type Stats struct {
	// Clients is the number of open connections.
	Clients int
	// Users is the number of registered users.
	Users int
	// Channels is the number of channels.
	Channels int
}

// info is the server-wide data every actor reads (immutable).
type info struct {
	cfg     Config
	created time.Time
	peer    *peerLink // nil unless linked to a peer node; set before any actor starts
}
