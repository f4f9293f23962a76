package server

import (
	"time"

	"github.com/weft-go/weft/actor"
	chatpb "github.com/weft-go/weft/proto"
)

// The actor protocols of the server. Connections talk to the registry and
// to channels with typed requests (each embeds actor.Request, naming its
// reply type) that they send with actor.Ask; channels and the registry
// push replies and fan-out straight into members' outbound inboxes, so
// that what a client receives is queued in order before the request is
// answered.
//
// The messages are plain values: IDs, strings, and lines that are never
// modified once built, so that one line is shared read-only by every
// inbox it is pushed into. The exception is a member's inbox, which any
// actor may push to. In a network of nodes, the requests to channels
// cross nodes in their protobuf form (see network.go).

// --- registry protocol ---

type registryMsg interface{ registryMsg() }

// claimNick claims a nickname for a connection, releasing its previous
// one.
type claimNick struct {
	actor.Request[registryMsg, claimReply]
	who member
}

type claimReply struct{ ok bool }

// userRegistered completes a connection's registration (one-way).
type userRegistered struct{ who member }

// modesChanged tells the registry that a user's modes changed (one-way),
// for its counts (LUSERS).
type modesChanged struct{ id uint64 }

// sendTo delivers a PRIVMSG or NOTICE line to a registered nickname. The
// line is pushed as it is into the recipient's inbox: it must not be
// modified afterwards.
type sendTo struct {
	actor.Request[registryMsg, deliverReply]
	nick   string
	line   *outLine
	tagmsg bool // TAGMSG: only for a recipient with message-tags
}

type deliverReply struct {
	found  bool
	nick   string // the recipient's nickname as it spells it
	away   string // its away message, if away
	isAway bool
}

// lookupNicks returns the registered users of these nicknames, in order;
// a missing one is a zero member (ID 0).
type lookupNicks struct {
	actor.Request[registryMsg, []member]
	nicks []string
}

// whoUsers queues the WHO replies (352 or 354) for the registered users
// that match a mask, for the requester; it answers once they are queued.
type whoUsers struct {
	actor.Request[registryMsg, struct{}]
	who member
	req whoReq
}

// lusers asks for the counts of LUSERS.
type lusers struct {
	actor.Request[registryMsg, luserCounts]
}

type luserCounts struct {
	users, invisible, opers, unknown, channels, maxUsers int
}

// killUser disconnects a user on an operator's order: the user gets
// ":oper KILL nick :comment", then its link closes with reason.
type killUser struct {
	actor.Request[registryMsg, deliverReply]
	nick    string
	source  string // the operator's nick!user@host
	comment string
	reason  string // "Killed (oper (comment))"
}

// wallops queues a WALLOPS line for every user with +w (one-way).
type wallops struct{ line []byte }

// whowasQuery returns the history of a nickname, newest first, at most
// count entries (count <= 0: all kept).
type whowasQuery struct {
	actor.Request[registryMsg, []whowasEntry]
	nick  string
	count int
}

// whowasEntry is one nickname a user left (by changing it or quitting).
type whowasEntry struct {
	nick, user, host, realname string
	at                         time.Time
}

// whois asks about a registered nickname.
type whois struct {
	actor.Request[registryMsg, whoisReply]
	nick string
}

type whoisReply struct {
	found bool
	who   member
	chans []chanRef // the channels the user is on (for 319)
}

// membership tells the registry a member joined (on) or left a channel
// (one-way), so that it knows who shares a channel with whom (WHO) and
// where a user is (WHOIS).
type membership struct {
	id  uint64
	key string
	ref chanRef
	on  bool
}

// channelFor returns a single server's channel actor, creating it if create
// is set (a network's channels need no lookup: see conn.channelFor).
type channelFor struct {
	actor.Request[registryMsg, channelReply]
	name   string
	create bool
}

type channelReply struct {
	ref chanRef
	ok  bool
}

// listChannels returns every channel's actor.
type listChannels struct {
	actor.Request[registryMsg, []chanRef]
}

// departed tells the registry a connection is gone (one-way): its nickname
// is released and its QUIT relayed to the channels it may be on, each peer
// getting it once.
type departed struct {
	id       uint64
	reason   string
	channels []chanRef
}

// channelEmpty tells the registry that a channel lost its last member and
// closed (one-way); the registry forgets it and tells it to stop.
type channelEmpty struct {
	key string
	ref chanRef
}

// channelGone is the notice of the registry's watch on a channel actor: it
// stopped (emptied, or failed).
type channelGone struct {
	key string
	ref chanRef
}

// statsQuery asks for counts.
type statsQuery struct {
	actor.Request[registryMsg, Stats]
}

func (claimNick) registryMsg()      {}
func (userRegistered) registryMsg() {}
func (modesChanged) registryMsg()   {}
func (sendTo) registryMsg()         {}
func (whois) registryMsg()          {}
func (channelFor) registryMsg()     {}
func (listChannels) registryMsg()   {}
func (departed) registryMsg()       {}
func (channelEmpty) registryMsg()   {}
func (channelGone) registryMsg()    {}
func (statsQuery) registryMsg()     {}
func (lookupNicks) registryMsg()    {}
func (membership) registryMsg()     {}
func (whoUsers) registryMsg()       {}
func (lusers) registryMsg()         {}
func (killUser) registryMsg()       {}
func (wallops) registryMsg()        {}
func (whowasQuery) registryMsg()    {}
func (delivered) registryMsg()      {}
func (nodesChanged) registryMsg()   {}

// nodesChanged is the registry's watch of the network's membership: the
// members' addresses after a change.
type nodesChanged struct{ nodes []string }

// delivered is what a network's channels queued for this node's clients
// (one-way, from the node actor): the registry hands each item to its
// client.
type delivered struct{ d *chatpb.Deliver }

// --- channel protocol ---

// chanMsg is the protocol of a channel actor. Every request carries the
// requesting member, so that the channel can queue its replies (numerics
// included) for it, in order with the channel's fan-out.
type chanMsg interface{ chanMsg() }

// chanJoin joins a member.
type chanJoin struct {
	actor.Request[chanMsg, joinReply]
	who member
	key string
}

type joinReply struct {
	joined bool // the member is on the channel (now or already)
	retry  bool // the channel is closing: ask the registry again
}

// chanSync tells a network's channel that starts which of a node's
// clients are on it (see network.go).
type chanSync struct {
	actor.Request[chanMsg, chanAck]
	members []member
}

// chanPart parts a member.
type chanPart struct {
	actor.Request[chanMsg, chanAck]
	who    member
	reason string
}

// chanSay fans a PRIVMSG or NOTICE line out to every member but the
// sender; the answer comes once the line is queued for everyone. The line
// is pushed as it is into every member's inbox: it must not be modified
// afterwards.
type chanSay struct {
	actor.Request[chanMsg, chanAck]
	who    member
	notice bool
	tagmsg bool // TAGMSG: only for members with message-tags
	status byte // STATUSMSG: '@' for operators only, '+' for voiced and operators, 0 for all
	line   *outLine
}

// chanTopic queries (set false) or sets the topic.
type chanTopic struct {
	actor.Request[chanMsg, chanAck]
	who  member
	set  bool
	text string
}

// chanNames lists the members (353, 366).
type chanNames struct {
	actor.Request[chanMsg, chanAck]
	who member
}

// chanWho describes the members (352 or 354; the requester queues 315).
type chanWho struct {
	actor.Request[chanMsg, chanAck]
	who member
	req whoReq
}

// chanKick removes a member on an operator's order.
type chanKick struct {
	actor.Request[chanMsg, chanAck]
	who    member
	nick   string
	reason string
}

// chanInvite invites a user (by an operator if the channel is +i); the
// channel queues 341 for the inviter and INVITE for the target.
type chanInvite struct {
	actor.Request[chanMsg, chanAck]
	who    member
	target member
}

// chanWhoisInfo asks how a member appears in WHOIS (319): the channel's
// name with the member's prefix, unless the asker may not see it there.
type chanWhoisInfo struct {
	actor.Request[chanMsg, whoisChan]
	who member // the asker
	id  uint64
}

type whoisChan struct {
	entry   string // "@#chan"
	visible bool
}

// chanRelay relays a line about a member (AWAY, SETNAME) to the members
// not in skip that have the capability need.
type chanRelay struct {
	actor.Request[chanMsg, notified]
	id   uint64
	line []byte
	need capSet
	skip map[uint64]bool // the asker's snapshot: never modified
}

// chanMode queries or changes modes.
type chanMode struct {
	actor.Request[chanMsg, chanAck]
	who   member
	args  []string
	known map[string]bool // folded nicknames of the mode arguments that exist on the server
}

// chanInfo asks for a LIST entry.
type chanInfo struct {
	actor.Request[chanMsg, chanInfoReply]
	who member
}

type chanInfoReply struct {
	visible bool
	name    string
	users   int
	topic   string
}

// chanRename changes a member's nickname and relays the NICK line to the
// members not in skip.
type chanRename struct {
	actor.Request[chanMsg, notified]
	id   uint64
	nick string
	line []byte
	skip map[uint64]bool // the asker's snapshot: never modified
}

// chanQuit removes a member and relays the QUIT line to the members not in
// skip.
type chanQuit struct {
	actor.Request[chanMsg, notified]
	id   uint64
	line []byte
	skip map[uint64]bool // the asker's snapshot: never modified
}

// chanClose tells an empty channel that the registry has forgotten it: it
// stops (one-way).
type chanClose struct{}

// notified lists the members a line was queued for.
type notified struct{ ids []uint64 }

// chanAck answers a request; ok is false if it failed (and the channel
// queued the error numeric for the requester).
type chanAck struct{ ok bool }

var (
	ackOK   = chanAck{ok: true}
	ackFail = chanAck{ok: false}
)

func (chanJoin) chanMsg()      {}
func (chanSync) chanMsg()      {}
func (chanPart) chanMsg()      {}
func (chanSay) chanMsg()       {}
func (chanTopic) chanMsg()     {}
func (chanNames) chanMsg()     {}
func (chanWho) chanMsg()       {}
func (chanMode) chanMsg()      {}
func (chanInfo) chanMsg()      {}
func (chanRename) chanMsg()    {}
func (chanQuit) chanMsg()      {}
func (chanClose) chanMsg()     {}
func (chanKick) chanMsg()      {}
func (chanInvite) chanMsg()    {}
func (chanRelay) chanMsg()     {}
func (chanWhoisInfo) chanMsg() {}

// --- connection protocol ---

// connMsg is the protocol of a connection actor.
type connMsg interface{ connMsg() }

// shutdownConn tells a connection that the server shuts down.
type shutdownConn struct{}

// sendQExceeded is the overflow notice of a connection's outbound inbox:
// the client is a slow consumer.
type sendQExceeded struct{}

// killed disconnects the client on an operator's order.
type killed struct{ reason string }

// kicked tells a connection it was removed from a channel (by KICK), and
// carries the KICK line the connection queues for its client once it has
// forgotten the channel (nil when the client kicked itself: the line is
// then its reply).
type kicked struct {
	key  string
	ref  chanRef
	line []byte
}

// invited tells a connection it was invited to a channel (the actor
// ref: the invitation dies with that channel), and carries the INVITE
// line the connection queues for its client once it has recorded it.
type invited struct {
	name string
	ref  chanRef
	line []byte
}

func (shutdownConn) connMsg()  {}
func (sendQExceeded) connMsg() {}
func (killed) connMsg()        {}
func (kicked) connMsg()        {}
func (invited) connMsg()       {}

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
	net     *network // nil unless the server is a node of a network; set before any actor reads it
}
