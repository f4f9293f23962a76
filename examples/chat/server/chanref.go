package server

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
	chatpb "github.com/weft-go/weft/proto"
)

// chanRef names a channel: the channel actor of a single server (local),
// or the virtual actor of a network's channel kind (net), which may run
// on any node. A chanRef is a small value, compared with same.
type chanRef struct {
	local actor.Ref[chanMsg]
	net   cluster.Ref[proto.Message]
	nw    *network // with net
	name  string   // with net: the channel's name as the client spelled it
}

// String names the channel's actor: its PID on a single server (a new
// actor for a channel of the same name gets another), its kind and
// identity in a network (the same for every activation).
func (r chanRef) String() string {
	if r.nw != nil {
		return chanKindName + "/" + chanIdentity(irc.Fold(r.name))
	}
	return r.local.String()
}

// same reports whether r and o name the same channel actor.
func (r chanRef) same(o chanRef) bool { return r.String() == o.String() }

// askChan sends a channel request and suspends f until the answer: with
// [actor.Ask] on a single server; in a network, as a chatpb.ChanRequest
// to the channel's virtual actor, whose answer carries the requester's
// replies, queued here in order before askChan returns.
func askChan[Q actor.RequestOf[chanMsg, R], R any](f *fiber.Fiber, ref chanRef, req Q) (R, error) {
	if ref.nw == nil {
		return actor.Ask(f, ref.local, req)
	}
	var zero R
	w, who := ref.nw.wireRequest(any(req).(chanMsg))
	w.Channel = []byte(ref.name)
	rep, err := cluster.Ask(f, ref.net, chanCall{ChanRequest: w})
	if err != nil {
		return zero, err
	}
	for _, line := range rep.GetLines() {
		who.reply(line)
	}
	return replyOf[R](rep), nil
}

// chanCall is the one request of a network's channel kind: a chanMsg
// request in its wire form.
type chanCall struct {
	actor.Request[proto.Message, *chatpb.ChanReply]
	*chatpb.ChanRequest
}

// wireMember returns the wire form of a member: a client of this node,
// or one that another node described (m.node set).
func (n *network) wireMember(m member) *chatpb.Member {
	away, isAway := m.st.awayMessage()
	node, server := m.node, m.server
	if node == "" {
		node, server = n.here(), n.cfg.Name
	}
	return &chatpb.Member{
		Node: node, Id: m.id, Nick: m.nick, User: []byte(m.user), Host: []byte(m.host),
		Caps: uint32(m.st.capSet()), Modes: m.st.modes.Load(), Away: isAway, AwayText: []byte(away),
		Realname: []byte(m.st.realName()), Idle: m.st.idle.Load(), Signon: m.st.signon.Load(), Server: server,
	}
}

// wireRequest returns the wire form of a channel request made on this
// node, and the member whose replies its answer carries (zero for the
// requests that queue none).
func (n *network) wireRequest(msg chanMsg) (*chatpb.ChanRequest, member) {
	var who member
	w := &chatpb.ChanRequest{}
	switch m := msg.(type) {
	case chanJoin:
		who = m.who
		w.Op = &chatpb.ChanRequest_Join_{Join: &chatpb.ChanRequest_Join{Key: []byte(m.key)}}
	case chanSync:
		w.Who = &chatpb.Member{Node: n.here()}
		sync := &chatpb.ChanRequest_Sync{}
		for _, m := range m.members {
			sync.Members = append(sync.Members, n.wireMember(m))
		}
		w.Op = &chatpb.ChanRequest_Sync_{Sync: sync}
	case chanPart:
		who = m.who
		w.Op = &chatpb.ChanRequest_Part_{Part: &chatpb.ChanRequest_Part{Reason: []byte(m.reason)}}
	case chanSay:
		who = m.who
		say := &chatpb.ChanRequest_Say{Notice: m.notice, Tagmsg: m.tagmsg, Status: uint32(m.status),
			Line: m.line.plain, At: m.line.at.UnixNano()}
		if len(m.line.tags) > 0 {
			say.Tags = make(map[string][]byte, len(m.line.tags))
			for k, v := range m.line.tags {
				say.Tags[k] = []byte(v)
			}
		}
		w.Op = &chatpb.ChanRequest_Say_{Say: say}
	case chanTopic:
		who = m.who
		w.Op = &chatpb.ChanRequest_Topic_{Topic: &chatpb.ChanRequest_Topic{Set: m.set, Text: []byte(m.text)}}
	case chanNames:
		who = m.who
		w.Op = &chatpb.ChanRequest_Names_{Names: &chatpb.ChanRequest_Names{}}
	case chanWho:
		who = m.who
		w.Op = &chatpb.ChanRequest_WhoQuery{WhoQuery: &chatpb.ChanRequest_Who{
			Mask: []byte(m.req.mask), OpersOnly: m.req.opersOnly, Fields: m.req.fields, Token: []byte(m.req.token)}}
	case chanMode:
		who = m.who
		mode := &chatpb.ChanRequest_Mode{}
		for _, a := range m.args {
			mode.Args = append(mode.Args, []byte(a))
		}
		for k := range m.known {
			mode.Known = append(mode.Known, k)
		}
		w.Op = &chatpb.ChanRequest_Mode_{Mode: mode}
	case chanKick:
		who = m.who
		w.Op = &chatpb.ChanRequest_Kick_{Kick: &chatpb.ChanRequest_Kick{Nick: m.nick, Reason: []byte(m.reason)}}
	case chanInvite:
		who = m.who
		w.Op = &chatpb.ChanRequest_Invite_{Invite: &chatpb.ChanRequest_Invite{Target: n.wireMember(m.target)}}
	case chanWhoisInfo:
		who = m.who
		w.Op = &chatpb.ChanRequest_WhoisInfo_{WhoisInfo: &chatpb.ChanRequest_WhoisInfo{Id: m.id}}
	case chanInfo:
		who = m.who
		w.Op = &chatpb.ChanRequest_Info_{Info: &chatpb.ChanRequest_Info{}}
	case chanRename:
		w.Who = &chatpb.Member{Id: m.id}
		w.Op = &chatpb.ChanRequest_Relay_{Relay: &chatpb.ChanRequest_Relay{Line: m.line, Skip: skipList(m.skip), Nick: m.nick}}
	case chanRelay:
		w.Who = &chatpb.Member{Id: m.id}
		w.Op = &chatpb.ChanRequest_Relay_{Relay: &chatpb.ChanRequest_Relay{Line: m.line, Need: uint32(m.need), Skip: skipList(m.skip)}}
	case chanQuit:
		w.Who = &chatpb.Member{Id: m.id}
		w.Op = &chatpb.ChanRequest_Relay_{Relay: &chatpb.ChanRequest_Relay{Line: m.line, Skip: skipList(m.skip), Quit: true}}
	default:
		panic(fmt.Sprintf("server: no wire form for a channel request of type %T", msg))
	}
	if w.Who == nil {
		w.Who = n.wireMember(who)
	}
	return w, who
}

// skipList returns the IDs of a skip set.
func skipList(skip map[uint64]bool) []uint64 {
	ids := make([]uint64, 0, len(skip))
	for id := range skip {
		ids = append(ids, id)
	}
	return ids
}

// replyOf returns the reply of type R that a chatpb.ChanReply carries.
func replyOf[R any](rep *chatpb.ChanReply) R {
	var r R
	switch p := any(&r).(type) {
	case *joinReply:
		*p = joinReply{joined: rep.GetJoined(), retry: rep.GetRetry()}
	case *chanAck:
		*p = chanAck{ok: rep.GetOk()}
	case *notified:
		*p = notified{ids: rep.GetIds()}
	case *whoisChan:
		*p = whoisChan{entry: string(rep.GetEntry()), visible: rep.GetVisible()}
	case *chanInfoReply:
		*p = chanInfoReply{visible: rep.GetVisible(), name: string(rep.GetName()), users: int(rep.GetUsers()), topic: string(rep.GetTopic())}
	default:
		panic(fmt.Sprintf("server: no wire form for a channel reply of type %T", r))
	}
	return r
}
