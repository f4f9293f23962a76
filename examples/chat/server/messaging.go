package server

import (
	"strings"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

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
