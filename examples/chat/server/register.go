package server

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"strings"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// readLoop is the first reader fiber: the registration and the welcome,
// as plain sequential code. Then it asks the fnet.Conn to have the actor
// start the command loop's fiber (commandLoop, on startCommands) once the
// client sends more, and ends: the registration's deep calls grew its
// stack, which goes with it. Every request to another actor
// (the registry, a channel) suspends the fiber until the reply, so the
// next line is handled only once the previous one is done: a message is
// in every recipient's queue before the sender's next line is read (the
// lines that arrive meanwhile wait in the fnet.Conn's buffer).
func (c *conn) readLoop(f *fiber.Fiber) error {
	if !c.register(f) {
		return nil
	}
	c.welcome(f)
	if !c.closing {
		c.reader, c.idle = nil, true
		c.fc.NotifyReadable(c.resume)
	}
	return nil
}

// commandLoop is the reader fiber once the client has sent its first
// line after the welcome: the command loop. (Ending it, too, whenever the
// client's lines are all handled cost 15-30% more CPU per delivery in
// BenchmarkFanout: a fiber spawn per burst of a sender's lines.)
func (c *conn) commandLoop(f *fiber.Fiber) error {
	for {
		m, ok := c.next(f)
		if !ok {
			if c.parking { // parkReader: the client is silent
				c.parking = false
				if !c.closing {
					c.reader, c.idle = nil, true
					c.fc.NotifyReadable(c.resume)
				}
			}
			return nil
		}
		c.handle(f, m, c.dispatch)
	}
}

// register runs the registration: PASS, NICK, USER and CAP negotiation,
// until the client has a nickname and a user name and no CAP negotiation
// is in progress. It reports false if the client is disconnected first.
func (c *conn) register(f *fiber.Fiber) bool {
	for {
		m, ok := c.next(f)
		if !ok {
			return false
		}
		c.handle(f, m, c.registering)
		if c.closing {
			return false
		}
		if c.nick == "" || c.user == "" || c.capNegotiating {
			continue
		}
		if pw := c.cfg.Password; pw != "" && subtle.ConstantTimeCompare([]byte(c.pass), []byte(pw)) != 1 {
			c.numeric(irc.ErrPasswdMismatch, "Password incorrect")
			c.close("Bad Password")
			return false
		}
		c.registered = true
		c.regTimer.Cancel(errRegistered)
		c.st.signon.Store(c.lastActive.Unix())
		c.prefix = c.member().prefix()
		c.registry.Send(userRegistered{who: c.member().kept()})
		if c.net != nil {
			// The network's record of the nickname gets the user name
			// and realname.
			if _, err := c.claimNetNick(f, c.member()); err != nil {
				c.internalError(err) // reported: the network's record stays as NICK made it
			}
		}
		c.log(slog.LevelInfo, "client registered", "nick", c.nick)
		return true
	}
}

// registering handles one command before registration.
func (c *conn) registering(f *fiber.Fiber, m irc.Message) {
	switch m.Command {
	case "PASS":
		if len(m.Params) == 0 {
			c.numeric(irc.ErrNeedMoreParams, "PASS", "Not enough parameters")
			return
		}
		c.pass = m.Params[0]
	case "NICK":
		c.cmdNick(f, m)
	case "USER":
		if len(m.Params) < 4 || m.Params[0] == "" || m.Params[3] == "" {
			c.numeric(irc.ErrNeedMoreParams, "USER", "Not enough parameters")
			return
		}
		c.user = cleanUser(m.Params[0])
		real := irc.TruncateUTF8(m.Params[3], realLen)
		c.st.realname.Store(&real)
	case "CAP":
		c.cmdCap(m)
	case "PING":
		c.cmdPing(m)
	case "PONG":
	case "QUIT":
		c.cmdQuit(m)
	default:
		c.numeric(irc.ErrNotRegistered, "You have not registered")
	}
}

// cleanUser keeps the characters of a user name that are safe in a
// prefix, at most 16 of them.
func cleanUser(u string) string {
	var b strings.Builder
	for i := 0; i < len(u) && b.Len() < 16; i++ {
		if c := u[i]; c > ' ' && c < 0x7f && c != '@' && c != '!' && c != ':' {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}

// checkPanic panics on the test-only panic command.
func (c *conn) checkPanic(m irc.Message) {
	if c.cfg.panicOn != "" && m.Command == c.cfg.panicOn {
		panic("server: test panic on " + m.Command)
	}
}

// welcome queues 001–005, the LUSERS replies and the MOTD.
func (c *conn) welcome(f *fiber.Fiber) {
	cfg := &c.cfg
	c.numeric(irc.RplWelcome, "Welcome to the "+cfg.Network+" IRC Network "+c.prefix)
	c.numeric(irc.RplYourHost, "Your host is "+cfg.Name+", running version "+version)
	c.numeric(irc.RplCreated, "This server was created "+c.created.Format("Mon Jan 2 2006 at 15:04:05 MST"))
	c.numeric(irc.RplMyInfo, cfg.Name, version, userModes, chanModeLetters, chanModesWithParam)
	c.isupport()
	c.cmdLusers(f)
	c.motd()
}

// The modes RPL_MYINFO (004) lists.
const (
	userModes          = "iow"
	chanModeLetters    = "biklmnostv"
	chanModesWithParam = "bklov"
)

// isupportTokens returns the 005 tokens, which describe what the server
// enforces.
func (in *info) isupportTokens() []string {
	cfg := &in.cfg
	n := strconv.Itoa
	return []string{
		"AWAYLEN=" + n(awayLen),
		"CASEMAPPING=rfc1459",
		"CHANLIMIT=#:" + n(cfg.Limits.MaxChannels),
		"CHANMODES=b,k,l,imnst",
		"CHANNELLEN=" + n(irc.MaxChannelLen),
		"CHANTYPES=#",
		"ELIST=MNU",
		"KICKLEN=" + n(kickLen),
		"MAXLIST=b:" + n(maxBans),
		"MODES=" + n(maxModes),
		"NETWORK=" + cfg.Network,
		"NICKLEN=" + n(cfg.Limits.NickLen),
		"PREFIX=(ov)@+",
		"STATUSMSG=@+",
		"TARGMAX=JOIN:,KICK:,NAMES:,NOTICE:" + n(maxTargets) + ",PART:,PRIVMSG:" + n(maxTargets) + ",TAGMSG:" + n(maxTargets) + ",WHOIS:1,WHOWAS:1,USERHOST:5,ISON:",
		"TOPICLEN=" + n(topicLen),
		"WHOX",
	}
}

// isupport queues the 005 lines, at most 12 tokens each.
func (c *conn) isupport() {
	tokens := c.isupportTokens()
	for len(tokens) > 0 {
		k := min(12, len(tokens))
		c.numeric(irc.RplISupport, append(tokens[:k:k], "are supported by this server")...)
		tokens = tokens[k:]
	}
}

func (c *conn) motd() {
	if len(c.cfg.MOTD) == 0 {
		c.numeric(irc.ErrNoMotd, "MOTD File is missing")
		return
	}
	c.numeric(irc.RplMotdStart, "- "+c.cfg.Name+" Message of the day - ")
	for _, l := range c.cfg.MOTD {
		c.numeric(irc.RplMotd, "- "+l)
	}
	c.numeric(irc.RplEndOfMotd, "End of /MOTD command.")
}

func (c *conn) cmdPing(m irc.Message) {
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNoOrigin, "No origin specified")
		return
	}
	c.reply(c.appendMsg(nil, c.cfg.Name, "PONG", c.cfg.Name, m.Params[0]))
}

func (c *conn) cmdQuit(m irc.Message) {
	reason := "Client Quit"
	if text := m.Param(0); text != "" {
		reason = "Quit: " + text
	}
	c.close(reason)
}

// cmdNick sets or changes the nickname: the registry grants it (or 433);
// a registered client's change is relayed to itself and, once each, to
// everyone on its channels.
func (c *conn) cmdNick(f *fiber.Fiber, m irc.Message) {
	nick := m.Param(0)
	switch {
	case nick == "":
		c.numeric(irc.ErrNoNicknameGiven, "No nickname given")
		return
	case !irc.ValidNick(nick, c.cfg.Limits.NickLen):
		c.numeric(irc.ErrErroneusNickname, nick, "Erroneous nickname")
		return
	case nick == c.nick:
		return
	}
	who := c.member().kept()
	who.nick = nick
	if c.net != nil {
		ok, err := c.claimNetNick(f, who)
		if err != nil {
			c.internalError(err)
			return
		}
		if !ok {
			c.numeric(irc.ErrNicknameInUse, nick, "Nickname is already in use")
			return
		}
	}
	c.claimed = true
	r, err := actor.Ask(f, c.registry, claimNick{who: who})
	if err != nil {
		c.internalError(err)
		return
	}
	if !r.ok {
		if c.net != nil && !irc.EqualFold(nick, c.nick) {
			c.releaseNetNick(f, nick)
		}
		c.numeric(irc.ErrNicknameInUse, nick, "Nickname is already in use")
		return
	}
	if c.net != nil && c.nick != "" && !irc.EqualFold(nick, c.nick) {
		c.releaseNetNick(f, c.nick)
	}
	old := c.prefix
	c.nick = nick
	if !c.registered {
		return
	}
	c.prefix = c.member().prefix()
	line := c.appendMsg(nil, old, "NICK", nick)
	c.reply(line)
	c.relayToChannels(f, func(skip map[uint64]bool) chanMsg {
		return chanRename{id: c.id, nick: nick, line: line, skip: skip}
	})
}

// relayToChannels asks each of the client's channels in turn to relay a
// line about it (made by req from the members already reached, which it
// must not modify), so that everyone who shares a channel with the client
// gets it once.
func (c *conn) relayToChannels(f *fiber.Fiber, req func(skip map[uint64]bool) chanMsg) {
	skip := map[uint64]bool{c.id: true}
	for key, ref := range c.channels {
		var n notified
		var err error
		switch q := req(maps.Clone(skip)).(type) {
		case chanRename:
			n, err = askChan(f, ref, q)
		case chanRelay:
			n, err = askChan(f, ref, q)
		}
		if err != nil {
			delete(c.channels, key) // the channel is gone
			continue
		}
		for _, id := range n.ids {
			skip[id] = true
		}
	}
}

// internalError disconnects the client after a failure it cannot fix.
func (c *conn) internalError(err error) {
	if c.closing || errors.Is(err, errClosing) || c.net != nil && c.unreachable("", err) {
		return
	}
	c.log(slog.LevelError, "internal error", "error", err)
	c.close("Internal error")
}
