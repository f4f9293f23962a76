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
			if len(m.Params) < 4 {
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

// dispatch handles one command of a registered client.
func (c *conn) dispatch(f *fiber.Fiber, m irc.Message) {
	c.checkPanic(m)
	switch m.Command {
	case "PRIVMSG", "NOTICE":
		c.cmdMessage(f, m)
	case "PING":
		c.cmdPing(m)
	case "PONG":
	case "JOIN":
		c.cmdJoin(f, m)
	case "PART":
		c.cmdPart(f, m)
	case "TOPIC":
		c.cmdTopic(f, m)
	case "NAMES":
		c.cmdNames(f, m)
	case "WHO":
		c.cmdWho(f, m)
	case "WHOIS":
		c.cmdWhois(f, m)
	case "MODE":
		c.cmdMode(f, m)
	case "LIST":
		c.cmdList(f)
	case "NICK":
		c.cmdNick(f, m)
	case "CAP":
		c.cmdCap(m)
	case "MOTD":
		c.motd()
	case "QUIT":
		c.cmdQuit(m)
	case "PASS", "USER":
		c.numeric(irc.ErrAlreadyRegistred, "You may not reregister")
	default:
		c.numeric(irc.ErrUnknownCommand, m.Command, "Unknown command")
	}
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

// cmdCap negotiates IRCv3 capabilities; the server offers none, so every
// request is refused, and registration waits for CAP END once CAP LS or
// CAP REQ was sent.
func (c *conn) cmdCap(m irc.Message) {
	target := c.nick
	if target == "" {
		target = "*"
	}
	switch strings.ToUpper(m.Param(0)) {
	case "LS":
		c.capNegotiating = !c.registered
		c.send(c.appendMsg(nil, c.cfg.Name, "CAP", target, "LS", ""))
	case "LIST":
		c.send(c.appendMsg(nil, c.cfg.Name, "CAP", target, "LIST", ""))
	case "REQ":
		c.capNegotiating = !c.registered
		c.send(c.appendMsg(nil, c.cfg.Name, "CAP", target, "NAK", m.Param(1)))
	case "END":
		c.capNegotiating = false
	case "":
		c.numeric(irc.ErrNeedMoreParams, "CAP", "Not enough parameters")
	default:
		c.numeric(irc.ErrInvalidCapCmd, m.Param(0), "Invalid CAP command")
	}
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

// lookupChannel returns the channel named name: from the client's own
// channels, or else from the registry. It reports false if there is none.
func (c *conn) lookupChannel(f *fiber.Fiber, name string) (actor.Ref[chanMsg], bool) {
	if ref, ok := c.channels[irc.Fold(name)]; ok {
		return ref, true
	}
	r, err := actor.Ask(f, c.registry, channelFor{name: name})
	if err != nil {
		c.internalError(err)
		return actor.Ref[chanMsg]{}, false
	}
	return r.ref, r.ok
}

// askChannel sends a request to a channel, forgetting the channel if it
// is gone; it reports whether the channel answered.
func askChannel[Q actor.RequestOf[chanMsg, R], R any](c *conn, f *fiber.Fiber, name string, ref actor.Ref[chanMsg], req Q) (R, bool) {
	r, err := actor.Ask(f, ref, req)
	if err != nil {
		if errors.Is(err, actor.ErrDeadTarget) {
			delete(c.channels, irc.Fold(name))
		} else {
			c.internalError(err)
		}
		var zero R
		return zero, false
	}
	return r, true
}

// cmdMessage handles PRIVMSG and NOTICE (NOTICE never gets error replies).
// The line is built once per target, in a buffer of its own that nobody
// modifies afterwards: the target's actor pushes that very line into every
// recipient's inbox and answers, and only then is the next target (and the
// next line) handled.
func (c *conn) cmdMessage(f *fiber.Fiber, m irc.Message) {
	notice := m.Command == "NOTICE"
	fail := func(n irc.Numeric, params ...string) {
		if !notice {
			c.numeric(n, params...)
		}
	}
	if len(m.Params) == 0 || m.Params[0] == "" {
		fail(irc.ErrNoRecipient, "No recipient given ("+m.Command+")")
		return
	}
	if len(m.Params) < 2 || m.Params[1] == "" {
		fail(irc.ErrNoTextToSend, "No text to send")
		return
	}
	text := m.Params[1]
	for target := range strings.SplitSeq(m.Params[0], ",") {
		if target == "" {
			continue
		}
		line := c.appendMsg(nil, c.prefix, m.Command, target, text)
		if !irc.IsChannel(target) {
			r, err := actor.Ask(f, c.registry, sendTo{nick: target, line: line})
			if err != nil {
				c.internalError(err)
				return
			}
			if !r.found {
				fail(irc.ErrNoSuchNick, target, "No such nick/channel")
			}
			continue
		}
		ref, ok := c.channels[irc.Fold(target)]
		if !ok {
			if _, exists := c.lookupChannel(f, target); !exists {
				fail(irc.ErrNoSuchChannel, target, "No such channel")
			} else {
				fail(irc.ErrCannotSendToChan, target, "Cannot send to channel")
			}
			continue
		}
		if _, ok := askChannel(c, f, target, ref, chanSay{who: c.member(), notice: notice, line: line, text: text}); !ok {
			fail(irc.ErrCannotSendToChan, target, "Cannot send to channel")
		}
	}
}

// cmdJoin joins channels ("JOIN #a,#b key1,key2"); "JOIN 0" parts them all.
func (c *conn) cmdJoin(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 || m.Params[0] == "" {
		c.numeric(irc.ErrNeedMoreParams, "JOIN", "Not enough parameters")
		return
	}
	if m.Params[0] == "0" {
		for _, ref := range c.channels {
			_, _ = actor.Ask(f, ref, chanPart{who: c.member(), reason: "Left all channels"})
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
			r, err := actor.Ask(f, c.registry, channelFor{name: name, create: true})
			if err != nil {
				c.internalError(err)
				return
			}
			if !r.ok {
				c.numeric(irc.ErrNoSuchChannel, name, "No such channel")
				return
			}
			ref = r.ref
			c.channels[folded] = ref
		}
		jr, err := actor.Ask(f, ref, chanJoin{who: c.member(), key: key})
		switch {
		case errors.Is(err, actor.ErrDeadTarget) || err == nil && jr.retry:
			delete(c.channels, folded)
			continue
		case err != nil:
			c.internalError(err)
		case !jr.joined:
			delete(c.channels, folded)
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

func (c *conn) cmdNames(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		for key, ref := range c.channels {
			askChannel(c, f, key, ref, chanNames{who: c.member()})
		}
		return
	}
	for name := range strings.SplitSeq(m.Params[0], ",") {
		ref, ok := c.lookupChannel(f, name)
		if !ok || func() bool { _, ok := askChannel(c, f, name, ref, chanNames{who: c.member()}); return !ok }() {
			c.numeric(irc.RplEndOfNames, name, "End of /NAMES list")
		}
	}
}

func (c *conn) cmdWho(f *fiber.Fiber, m irc.Message) {
	mask := m.Param(0)
	if irc.IsChannel(mask) {
		if ref, ok := c.lookupChannel(f, mask); ok {
			if _, ok := askChannel(c, f, mask, ref, chanWho{who: c.member()}); ok {
				return
			}
		}
	} else if mask != "" {
		r, err := actor.Ask(f, c.registry, whois{nick: mask})
		if err != nil {
			c.internalError(err)
			return
		}
		if r.found {
			w := r.who
			c.numeric(irc.RplWhoReply, "*", w.user, w.host, c.cfg.Name, w.nick, "H", "0 "+w.realname)
		}
	}
	if mask == "" {
		mask = "*"
	}
	c.numeric(irc.RplEndOfWho, mask, "End of WHO list")
}

func (c *conn) cmdWhois(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNoNicknameGiven, "No nickname given")
		return
	}
	nick := m.Params[len(m.Params)-1] // WHOIS [server] nick
	r, err := actor.Ask(f, c.registry, whois{nick: nick})
	if err != nil {
		c.internalError(err)
		return
	}
	if !r.found {
		c.numeric(irc.ErrNoSuchNick, nick, "No such nick/channel")
	} else {
		w := r.who
		c.numeric(irc.RplWhoisUser, w.nick, w.user, w.host, "*", w.realname)
		c.numeric(irc.RplWhoisServer, w.nick, c.cfg.Name, c.cfg.Network+" chat server")
		nick = w.nick
	}
	c.numeric(irc.RplEndOfWhois, nick, "End of /WHOIS list")
}

func (c *conn) cmdMode(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNeedMoreParams, "MODE", "Not enough parameters")
		return
	}
	target := m.Params[0]
	if irc.IsChannel(target) {
		ref, ok := c.lookupChannel(f, target)
		if !ok {
			c.numeric(irc.ErrNoSuchChannel, target, "No such channel")
			return
		}
		askChannel(c, f, target, ref, chanMode{who: c.member(), args: m.Params[1:]})
		return
	}
	if !irc.EqualFold(target, c.nick) {
		c.numeric(irc.ErrUsersDontMatch, "Cannot change mode for other users")
		return
	}
	if len(m.Params) == 1 {
		modes := "+"
		if c.invisible {
			modes += "i"
		}
		c.numeric(irc.RplUModeIs, modes)
		return
	}
	sign, changed := byte('+'), ""
	for i := 0; i < len(m.Params[1]); i++ {
		switch ch := m.Params[1][i]; ch {
		case '+', '-':
			sign = ch
		case 'i':
			if c.invisible != (sign == '+') {
				c.invisible = sign == '+'
				changed += string(sign) + "i"
			}
		default:
			c.numeric(irc.ErrUModeUnknownFlag, "Unknown MODE flag")
		}
	}
	if changed != "" {
		c.send(c.appendMsg(nil, c.prefix, "MODE", c.nick, changed))
	}
}

// cmdList lists the channels (321, 322 for each visible one, 323), asking
// each channel in turn.
func (c *conn) cmdList(f *fiber.Fiber) {
	refs, err := actor.Ask(f, c.registry, listChannels{})
	if err != nil {
		c.internalError(err)
		return
	}
	c.numeric(irc.RplListStart, "Channel", "Users  Name")
	for _, ref := range refs {
		in, err := actor.Ask(f, ref, chanInfo{who: c.member()})
		if err == nil && in.visible {
			c.numeric(irc.RplList, in.name, strconv.Itoa(in.users), in.topic)
		}
	}
	c.numeric(irc.RplListEnd, "End of /LIST")
}
