package server

import (
	"strings"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// cmdMessage handles PRIVMSG, NOTICE and TAGMSG (NOTICE and TAGMSG never
// get error replies, but for 461/412-type mistakes of TAGMSG). The line
// is built once per target, in a buffer of its own that nobody modifies
// afterwards, with the sender's client-only tags: the target's actor
// pushes that very line (or its tagged variant, built once) into every
// recipient's inbox and answers, and only then is the next target (and
// the next line) handled. With echo-message the sender gets its own line
// back once it is delivered.
func (c *conn) cmdMessage(f *fiber.Fiber, m irc.Message) {
	notice, tagmsg := m.Command == "NOTICE", m.Command == "TAGMSG"
	fail := func(n irc.Numeric, params ...string) {
		if !notice {
			c.numeric(n, params...)
		}
	}
	if len(m.Params) == 0 || m.Params[0] == "" {
		fail(irc.ErrNoRecipient, "No recipient given ("+m.Command+")")
		return
	}
	if !tagmsg && (len(m.Params) < 2 || m.Params[1] == "") {
		fail(irc.ErrNoTextToSend, "No text to send")
		return
	}
	notice = notice || tagmsg
	text := m.Param(1)
	tags := clientTags(m.Tags)
	c.st.idle.Store(time.Now().Unix())
	i := 0
	for target := range strings.SplitSeq(m.Params[0], ",") {
		if i++; i > maxTargets {
			fail(irc.ErrTooManyTargets, target, "Too many targets. The maximum is "+itoa(maxTargets))
			return
		}
		if target == "" {
			continue
		}
		var line []byte
		if tagmsg {
			line = c.appendMsg(nil, c.prefix, m.Command, target)
		} else {
			line = c.appendMsg(nil, c.prefix, m.Command, target, text)
		}
		ol := newOutLine(line, tags)
		if !c.sendOne(f, m.Command, target, text, ol, fail) {
			continue
		}
		if caps := c.st.capSet(); caps.has(capEchoMessage) && (!tagmsg || caps.has(capMessageTags)) {
			c.reply(ol.forCaps(caps))
		}
		if c.closing {
			return
		}
	}
}

// sendOne delivers a message line to one target (a nickname, a channel,
// or a channel with a STATUSMSG prefix) and reports whether it was
// delivered.
func (c *conn) sendOne(f *fiber.Fiber, cmd, target, text string, ol *outLine, fail func(irc.Numeric, ...string)) bool {
	notice, tagmsg := cmd == "NOTICE", cmd == "TAGMSG"
	var status byte
	name := target
	if len(target) > 1 && (target[0] == '@' || target[0] == '+') && irc.IsChannel(target[1:]) {
		status, name = target[0], target[1:]
	}
	if !irc.IsChannel(name) {
		r, err := actor.Ask(f, c.registry, sendTo{nick: target, line: ol, tagmsg: tagmsg})
		if err == nil && !r.found && c.net != nil {
			r, err = c.sendNet(f, target, ol, tagmsg)
		}
		if err != nil {
			c.internalError(err)
			return false
		}
		if !r.found {
			fail(irc.ErrNoSuchNick, target, "No such nick/channel")
			return false
		}
		if r.isAway && !notice && !tagmsg {
			c.numeric(irc.RplAway, r.nick, r.away)
		}
		return true
	}
	ref, ok := c.lookupChannel(f, name)
	if !ok {
		fail(irc.ErrNoSuchChannel, name, "No such channel")
		return false
	}
	r, ok := askChannel(c, f, name, ref, chanSay{who: c.member(), notice: notice, tagmsg: tagmsg, status: status, line: ol})
	return ok && r.ok
}

// cmdAway sets ("AWAY :text") or clears ("AWAY") the away message (306,
// 305), and tells the members of the client's channels that have
// away-notify.
func (c *conn) cmdAway(f *fiber.Fiber, m irc.Message) {
	text := irc.TruncateUTF8(m.Param(0), awayLen)
	var line []byte
	if text == "" {
		c.st.away.Store(nil)
		c.numeric(irc.RplUnAway, "You are no longer marked as being away")
		line = c.appendMsg(nil, c.prefix, "AWAY")
	} else {
		c.st.away.Store(&text)
		c.numeric(irc.RplNowAway, "You have been marked as being away")
		line = c.appendMsg(nil, c.prefix, "AWAY", text)
	}
	c.relayToChannels(f, func(skip map[uint64]bool) chanMsg {
		return chanRelay{id: c.id, line: line, need: capAwayNotify, skip: skip}
	})
}

// cmdSetname changes the realname (IRCv3 setname): the client and the
// members of its channels that have setname get the SETNAME line.
func (c *conn) cmdSetname(f *fiber.Fiber, m irc.Message) {
	real := m.Param(0)
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNeedMoreParams, "SETNAME", "Not enough parameters")
		return
	}
	if real == "" || len(real) > realLen {
		c.reply(c.appendMsg(nil, c.cfg.Name, "FAIL", "SETNAME", "INVALID_REALNAME", "Realname is not valid"))
		return
	}
	c.st.realname.Store(&real)
	line := c.appendMsg(nil, c.prefix, "SETNAME", real)
	if c.st.capSet().has(capSetname) {
		c.reply(line)
	}
	c.relayToChannels(f, func(skip map[uint64]bool) chanMsg {
		return chanRelay{id: c.id, line: line, need: capSetname, skip: skip}
	})
}
