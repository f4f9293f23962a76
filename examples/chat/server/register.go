package server

import (
	"crypto/subtle"
	"errors"
	"maps"
	"strconv"
	"strings"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// readLoop is the reader fiber: registration, then the command loop, as
// plain sequential code. Every request to another actor (the registry, a
// channel) suspends the fiber until the reply, so the next line is handled
// only once the previous one is done: a message is in every recipient's
// queue before the sender's next line is read.
func (c *conn) readLoop(f *fiber.Fiber) error {
	if !c.register(f) {
		return nil
	}
	c.welcome()
	for {
		m, ok := c.next(f)
		if !ok {
			return nil
		}
		c.dispatch(f, m)
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
		c.checkPanic(m)
		switch m.Command {
		case "PASS":
			if len(m.Params) == 0 {
				c.numeric(irc.ErrNeedMoreParams, "PASS", "Not enough parameters")
				continue
			}
			c.pass = m.Params[0]
		case "NICK":
			c.cmdNick(f, m)
		case "USER":
			if len(m.Params) < 4 || m.Params[0] == "" || m.Params[3] == "" {
				c.numeric(irc.ErrNeedMoreParams, "USER", "Not enough parameters")
				continue
			}
			c.user, c.realname = cleanUser(m.Params[0]), m.Params[3]
		case "CAP":
			c.cmdCap(m)
		case "PING":
			c.cmdPing(m)
		case "PONG":
		case "QUIT":
			c.cmdQuit(m)
			return false
		default:
			c.numeric(irc.ErrNotRegistered, "You have not registered")
		}
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
		c.prefix = c.member().prefix()
		c.registry.Send(userRegistered{who: c.member()})
		c.log.Info("client registered", "nick", c.nick)
		return true
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

// welcome queues 001–005 and the MOTD.
func (c *conn) welcome() {
	cfg := &c.cfg
	c.numeric(irc.RplWelcome, "Welcome to the "+cfg.Network+" IRC Network "+c.prefix)
	c.numeric(irc.RplYourHost, "Your host is "+cfg.Name+", running version "+version)
	c.numeric(irc.RplCreated, "This server was created "+c.created.Format("Mon Jan 2 2006 at 15:04:05 MST"))
	c.numeric(irc.RplMyInfo, cfg.Name, version, "i", "ostkbv", "bkov")
	c.numeric(irc.RplISupport,
		"CASEMAPPING=rfc1459", "CHANTYPES=#", "CHANMODES=b,k,,st", "PREFIX=(ov)@+",
		"NICKLEN="+strconv.Itoa(cfg.Limits.NickLen), "CHANNELLEN="+strconv.Itoa(irc.MaxChannelLen),
		"TOPICLEN="+strconv.Itoa(topicLen), "CHANLIMIT=#:"+strconv.Itoa(cfg.Limits.MaxChannels),
		"NETWORK="+cfg.Network, "are supported by this server")
	c.motd()
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
	c.send(c.appendMsg(nil, c.cfg.Name, "PONG", c.cfg.Name, m.Params[0]))
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
	who := c.member()
	who.nick = nick
	c.claimed = true
	r, err := actor.Ask(f, c.registry, claimNick{who: who, conn: c.self.Ref()})
	if err != nil {
		c.internalError(err)
		return
	}
	if !r.ok {
		c.numeric(irc.ErrNicknameInUse, nick, "Nickname is already in use")
		return
	}
	old := c.prefix
	c.nick = nick
	if !c.registered {
		return
	}
	c.prefix = c.member().prefix()
	line := c.appendMsg(nil, old, "NICK", nick)
	c.send(line)
	skip := map[uint64]bool{c.id: true}
	for key, ref := range c.channels {
		n, err := actor.Ask(f, ref, chanRename{id: c.id, nick: nick, line: line, skip: maps.Clone(skip)})
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
	if c.closing || errors.Is(err, errClosing) {
		return
	}
	c.log.Error("internal error", "error", err)
	c.close("Internal error")
}
