package server

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
)

// capSet is a set of IRCv3 capabilities, one bit each.
type capSet uint32

// The capabilities the server offers (see capNames).
const (
	capCapNotify capSet = 1 << iota
	capMultiPrefix
	capUserhostInNames
	capMessageTags
	capServerTime
	capEchoMessage
	capBatch
	capLabeledResponse
	capAwayNotify
	capInviteNotify
	capSetname
	capStandardReplies
)

// capNames are the capabilities in the order CAP LS lists them.
var capNames = [...]struct {
	name string
	bit  capSet
}{
	{"away-notify", capAwayNotify},
	{"batch", capBatch},
	{"cap-notify", capCapNotify},
	{"echo-message", capEchoMessage},
	{"invite-notify", capInviteNotify},
	{"labeled-response", capLabeledResponse},
	{"message-tags", capMessageTags},
	{"multi-prefix", capMultiPrefix},
	{"server-time", capServerTime},
	{"setname", capSetname},
	{"standard-replies", capStandardReplies},
	{"userhost-in-names", capUserhostInNames},
}

func (s capSet) has(c capSet) bool { return s&c != 0 }

// names returns the capabilities of s, space-separated.
func (s capSet) names() string {
	var b strings.Builder
	for _, c := range capNames {
		if s.has(c.bit) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(c.name)
		}
	}
	return b.String()
}

// lookupCap returns the capability called name.
func lookupCap(name string) (capSet, bool) {
	for _, c := range capNames {
		if c.name == name {
			return c.bit, true
		}
	}
	return 0, false
}

// User modes, one bit each.
const (
	umodeInvisible uint32 = 1 << iota // +i
	umodeOper                         // +o
	umodeWallops                      // +w
)

// userState is what a connection shares with the actors that hold its
// member (channels, the registry): its capabilities, user modes, away
// message, realname and last activity. Only the connection's actor writes
// it; any actor reads it, each field atomically, so that a change (AWAY,
// CAP REQ, MODE, SETNAME) needs no message to every channel, and the
// fan-out reads a member's capabilities without a lock.
type userState struct {
	caps     atomic.Uint32
	modes    atomic.Uint32
	away     atomic.Pointer[string] // nil: not away
	realname atomic.Pointer[string]
	idle     atomic.Int64 // unix seconds of the last PRIVMSG, NOTICE or TAGMSG
	signon   atomic.Int64 // unix seconds of the registration
}

func newUserState() *userState {
	st := &userState{}
	empty := ""
	st.realname.Store(&empty)
	now := time.Now().Unix()
	st.idle.Store(now)
	st.signon.Store(now)
	return st
}

func (st *userState) capSet() capSet     { return capSet(st.caps.Load()) }
func (st *userState) mode(m uint32) bool { return st.modes.Load()&m != 0 }
func (st *userState) realName() string   { return *st.realname.Load() }

// awayMessage returns the away message and whether the user is away.
func (st *userState) awayMessage() (string, bool) {
	if p := st.away.Load(); p != nil {
		return *p, true
	}
	return "", false
}

// setMode sets or clears the user modes m and reports whether that changed
// anything.
func (st *userState) setMode(m uint32, on bool) bool {
	old := st.modes.Load()
	nw := old &^ m
	if on {
		nw |= m
	}
	st.modes.Store(nw)
	return nw != old
}

// outbox is where lines for a client go: its connection's outbound
// [actor.Inbox], or, for a channel of a network, the channel's batch for
// the client's node (see netOut).
type outbox interface {
	// TryPush queues a complete line that nobody modifies afterwards and
	// reports whether it did.
	TryPush(line []byte) bool
}

// member is a client as the channels and the registry see it.
type member struct {
	id               uint64
	nick, user, host string
	out              outbox // the client's outbound queue
	st               *userState
	conn             actor.Ref[connMsg] // zero for a client of another node
	// node is the cluster address of the client's node, and server its
	// server name, for a member another node described ("" for a client
	// of this server).
	node, server string
	// sink, if set, collects the replies to the request that carries this
	// member (a labeled command, see labeled-response) instead of out.
	// Members that are kept (channel members, registry entries) never
	// have one.
	sink *replySink
}

// prefix returns the member's source, nick!user@host.
func (m member) prefix() string { return m.nick + "!" + m.user + "@" + m.host }

// reply queues a reply to the member's request: into its sink if the
// request is labeled, else its outbound queue. The line must not be
// modified afterwards.
func (m member) reply(line []byte) {
	if m.sink != nil {
		m.sink.lines = append(m.sink.lines, line)
		return
	}
	m.out.TryPush(line)
}

// kept returns the member as actors keep it: without a sink.
func (m member) kept() member {
	m.sink = nil
	return m
}

// replySink collects the replies to one labeled command. Only the actor
// handling the command's current request appends to it (the requests of
// one command are asked one after the other).
type replySink struct{ lines [][]byte }

// outLine is a PRIVMSG, NOTICE or TAGMSG line in the variants its
// recipients may need: without tags, with the server-time tag, with the
// sender's client-only tags, with both. The variants with tags are built
// on first use, once per message whatever the number of recipients, by
// the one actor at a time that handles the message; each built line is
// then shared read-only by every inbox it is pushed into.
type outLine struct {
	plain  []byte
	tags   map[string]string // the sender's client-only tags ('+' keys); nil if none
	at     time.Time
	tagged [3][]byte // index: 1 server-time, 2 client tags, 3 both
}

func newOutLine(plain []byte, tags map[string]string) *outLine {
	return &outLine{plain: plain, tags: tags, at: time.Now()}
}

// forCaps returns the variant for a recipient with capabilities caps.
func (l *outLine) forCaps(caps capSet) []byte {
	i := 0
	if caps.has(capServerTime) {
		i |= 1
	}
	if caps.has(capMessageTags) && len(l.tags) > 0 {
		i |= 2
	}
	if i == 0 {
		return l.plain
	}
	if l.tagged[i-1] == nil {
		tags := make(map[string]string, len(l.tags)+1)
		if i&2 != 0 {
			for k, v := range l.tags {
				tags[k] = v
			}
		}
		if i&1 != 0 {
			tags["time"] = serverTime(l.at)
		}
		b := irc.AppendTags(make([]byte, 0, len(l.plain)+64), tags)
		l.tagged[i-1] = append(b, l.plain...)
	}
	return l.tagged[i-1]
}

// serverTime formats t for the server-time tag.
func serverTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// clientTags returns the client-only tags ('+' keys) of tags, nil if none.
func clientTags(tags map[string]string) map[string]string {
	var ct map[string]string
	for k, v := range tags {
		if strings.HasPrefix(k, "+") {
			if ct == nil {
				ct = make(map[string]string)
			}
			ct[k] = v
		}
	}
	return ct
}
