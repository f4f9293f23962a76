package server

import (
	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

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
