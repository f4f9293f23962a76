package server

import (
	"crypto/subtle"
	"log/slog"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
	chatpb "github.com/weft-go/weft/proto"
)

// cmdOper handles "OPER name password" against Config.Opers: 381 and
// +o, or 464 (a wrong name or password alike), or 491 if the server has
// no operators. The password is compared in constant time and never
// logged.
func (c *conn) cmdOper(_ *fiber.Fiber, m irc.Message) {
	if len(m.Params) < 2 {
		c.numeric(irc.ErrNeedMoreParams, "OPER", "Not enough parameters")
		return
	}
	if len(c.cfg.Opers) == 0 {
		c.numeric(irc.ErrNoOperHost, "No O-lines for your host")
		return
	}
	name, pass := m.Params[0], m.Params[1]
	ok := false
	for _, o := range c.cfg.Opers {
		// Every entry is compared, so that the time taken does not tell
		// which names exist.
		nameOK := subtle.ConstantTimeCompare([]byte(o.Name), []byte(name)) == 1
		passOK := subtle.ConstantTimeCompare([]byte(o.Password), []byte(pass)) == 1
		ok = ok || nameOK && passOK
	}
	if !ok {
		c.log(slog.LevelWarn, "failed OPER attempt", "nick", c.nick, "name", name)
		c.numeric(irc.ErrPasswdMismatch, "Password incorrect")
		return
	}
	c.log(slog.LevelInfo, "client became an IRC operator", "nick", c.nick, "name", name)
	changed := c.st.setMode(umodeOper, true)
	c.numeric(irc.RplYoureOper, "You are now an IRC operator")
	if changed {
		c.registry.Send(modesChanged{id: c.id})
		c.reply(c.appendMsg(nil, c.prefix, "MODE", c.nick, "+o"))
	}
}

// operOnly reports whether the client is an IRC operator, queueing 481 if
// not.
func (c *conn) operOnly() bool {
	if !c.st.mode(umodeOper) {
		c.numeric(irc.ErrNoPrivileges, "Permission Denied- You're not an IRC operator")
		return false
	}
	return true
}

// cmdKill handles "KILL nick :comment" (operators): the user is
// disconnected with "Killed (oper (comment))".
func (c *conn) cmdKill(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) < 2 || m.Params[0] == "" {
		c.numeric(irc.ErrNeedMoreParams, "KILL", "Not enough parameters")
		return
	}
	if !c.operOnly() {
		return
	}
	reason := "Killed (" + c.nick + " (" + m.Params[1] + "))"
	r, err := actor.Ask(f, c.registry, killUser{nick: m.Params[0], source: c.prefix, comment: m.Params[1], reason: reason})
	if err == nil && !r.found && c.net != nil {
		r, err = c.killNet(f, m.Params[0], m.Params[1], reason)
	}
	if err != nil {
		c.internalError(err)
		return
	}
	if !r.found {
		c.numeric(irc.ErrNoSuchNick, m.Params[0], "No such nick/channel")
		return
	}
	c.log(slog.LevelInfo, "KILL", "by", c.nick, "nick", r.nick)
}

// cmdWallops handles "WALLOPS :text" (operators): every user with +w gets
// it.
func (c *conn) cmdWallops(_ *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 || m.Params[0] == "" {
		c.numeric(irc.ErrNeedMoreParams, "WALLOPS", "Not enough parameters")
		return
	}
	if !c.operOnly() {
		return
	}
	line := c.appendMsg(nil, c.prefix, "WALLOPS", m.Params[0])
	c.registry.Send(wallops{line: line})
	if c.net != nil {
		for _, node := range c.net.member().Members() {
			if node != c.net.here() {
				c.net.deliver(node, &chatpb.Deliver_Item{Kind: chatpb.Deliver_Item_KIND_WALLOPS, Line: line})
			}
		}
	}
}

// userMode handles MODE on a nickname: the client's own modes only (502
// for another user's, 401 for a nickname nobody has); +i and +w may be
// set and cleared, +o only cleared (OPER sets it).
func (c *conn) userMode(f *fiber.Fiber, m irc.Message) {
	if !irc.EqualFold(m.Params[0], c.nick) {
		found, err := actor.Ask(f, c.registry, lookupNicks{nicks: []string{m.Params[0]}})
		switch {
		case err != nil:
			c.internalError(err)
		case found[0].id == 0:
			c.numeric(irc.ErrNoSuchNick, m.Params[0], "No such nick/channel")
		case len(m.Params) == 1:
			c.numeric(irc.ErrUsersDontMatch, "Can't view modes for other users")
		default:
			c.numeric(irc.ErrUsersDontMatch, "Cannot change mode for other users")
		}
		return
	}
	if len(m.Params) == 1 {
		modes := "+"
		for _, u := range []struct {
			bit uint32
			c   byte
		}{{umodeInvisible, 'i'}, {umodeOper, 'o'}, {umodeWallops, 'w'}} {
			if c.st.mode(u.bit) {
				modes += string(u.c)
			}
		}
		c.numeric(irc.RplUModeIs, modes)
		return
	}
	var mc modeChange
	sign := byte('+')
	unknown := false
	for i := 0; i < len(m.Params[1]); i++ {
		ch := m.Params[1][i]
		on := sign == '+'
		switch ch {
		case '+', '-':
			sign = ch
		case 'i', 'w':
			bit := umodeInvisible
			if ch == 'w' {
				bit = umodeWallops
			}
			if c.st.setMode(bit, on) {
				mc.add(sign, ch, "")
				c.registry.Send(modesChanged{id: c.id})
			}
		case 'o':
			if !on && c.st.setMode(umodeOper, false) {
				mc.add(sign, ch, "")
				c.registry.Send(modesChanged{id: c.id})
			}
		default:
			unknown = true
		}
	}
	if unknown {
		c.numeric(irc.ErrUModeUnknownFlag, "Unknown MODE flag")
	}
	if mc.modes.Len() > 0 {
		c.reply(c.appendMsg(nil, c.prefix, "MODE", c.nick, mc.modes.String()))
	}
}
