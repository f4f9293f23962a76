package server

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// cmdWho handles "WHO <mask> [o][%fields[,token]]": the members of a
// channel, or the users whose nickname, user name, host, realname or
// server matches the mask; 352 lines (354 with WHOX fields), then 315.
func (c *conn) cmdWho(f *fiber.Fiber, m irc.Message) {
	req := parseWho(m)
	mask := req.mask
	if irc.IsChannel(mask) {
		if ref, ok := c.lookupChannel(f, mask); ok {
			askChannel(c, f, mask, ref, chanWho{who: c.member(), req: req})
		}
	} else {
		if _, err := actor.Ask(f, c.registry, whoUsers{who: c.member(), req: req}); err != nil {
			c.internalError(err)
			return
		}
		if c.net != nil {
			c.whoNet(f, req)
		}
	}
	if mask == "" {
		mask = "*"
	}
	c.numeric(irc.RplEndOfWho, mask, "End of WHO list")
}

func (c *conn) cmdWhois(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 || m.Params[len(m.Params)-1] == "" {
		c.numeric(irc.ErrNoNicknameGiven, "No nickname given")
		return
	}
	nick := m.Params[len(m.Params)-1] // WHOIS [server] nick
	r, err := c.whoisAny(f, nick)
	if err != nil {
		c.internalError(err)
		return
	}
	if !r.found {
		c.numeric(irc.ErrNoSuchNick, nick, "No such nick/channel")
	} else {
		w := r.who
		c.numeric(irc.RplWhoisUser, w.nick, w.user, w.host, "*", w.st.realName())
		c.whoisChannels(f, w, r.chans)
		c.numeric(irc.RplWhoisServer, w.nick, c.serverOf(w), c.cfg.Network+" chat server")
		if w.st.mode(umodeOper) {
			c.numeric(irc.RplWhoisOperator, w.nick, "is an IRC operator")
		}
		if away, isAway := w.st.awayMessage(); isAway {
			c.numeric(irc.RplAway, w.nick, away)
		}
		idle := max(0, time.Now().Unix()-w.st.idle.Load())
		c.numeric(irc.RplWhoisIdle, w.nick, strconv.FormatInt(idle, 10), strconv.FormatInt(w.st.signon.Load(), 10), "seconds idle, signon time")
		nick = w.nick
	}
	c.numeric(irc.RplEndOfWhois, nick, "End of /WHOIS list")
}

// whoisChannels queues 319 for the channels of w that the client may
// see, asking each channel; long lists take several lines.
func (c *conn) whoisChannels(f *fiber.Fiber, w member, chans []chanRef) {
	var entries []string
	for _, ref := range chans {
		info, err := askChan(f, ref, chanWhoisInfo{who: c.member(), id: w.id})
		if err == nil && info.visible {
			entries = append(entries, info.entry)
		}
	}
	slices.Sort(entries)
	room := c.cfg.Limits.MaxLine - len(c.cfg.Name) - len(c.nick) - len(w.nick) - 16
	var line []string
	n := 0
	for _, e := range entries {
		if n > 0 && n+len(e)+1 > room {
			c.numeric(irc.RplWhoisChannels, w.nick, strings.Join(line, " "))
			line, n = nil, 0
		}
		line = append(line, e)
		n += len(e) + 1
	}
	if len(line) > 0 {
		c.numeric(irc.RplWhoisChannels, w.nick, strings.Join(line, " "))
	}
}

// cmdWhowas handles "WHOWAS nick [count]": 314 and 312 for each
// remembered use of the nickname, newest first, or 406; then 369.
func (c *conn) cmdWhowas(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 || m.Params[0] == "" {
		c.numeric(irc.ErrNoNicknameGiven, "No nickname given")
		return
	}
	nick := m.Params[0]
	count, _ := strconv.Atoi(m.Param(1))
	found, err := actor.Ask(f, c.registry, whowasQuery{nick: nick, count: count})
	if err != nil {
		c.internalError(err)
		return
	}
	if len(found) == 0 {
		c.numeric(irc.ErrWasNoSuchNick, nick, "There was no such nickname")
	}
	for _, e := range found {
		c.numeric(irc.RplWhoWasUser, e.nick, e.user, e.host, "*", e.realname)
		c.numeric(irc.RplWhoisServer, e.nick, c.cfg.Name, e.at.UTC().Format(time.RFC1123))
	}
	c.numeric(irc.RplEndOfWhoWas, nick, "End of WHOWAS")
}

// lookup asks the registry for registered users by nickname.
func (c *conn) lookup(f *fiber.Fiber, nicks []string) ([]member, bool) {
	found, err := actor.Ask(f, c.registry, lookupNicks{nicks: nicks})
	if err != nil {
		c.internalError(err)
		return nil, false
	}
	if c.net != nil {
		for i, m := range found {
			if m.id != 0 {
				continue
			}
			if found[i], _, err = c.findNetUser(f, nicks[i]); err != nil {
				c.internalError(err)
				return nil, false
			}
		}
	}
	return found, true
}

// cmdUserhost handles "USERHOST nick{ nick}" (at most 5): 302 with
// nick[*]=(+|-)user@host for each user found ('*': operator, '-': away).
func (c *conn) cmdUserhost(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNeedMoreParams, "USERHOST", "Not enough parameters")
		return
	}
	nicks := m.Params[:min(5, len(m.Params))]
	found, ok := c.lookup(f, nicks)
	if !ok {
		return
	}
	var replies []string
	for _, w := range found {
		if w.id == 0 {
			continue
		}
		r := w.nick
		if w.st.mode(umodeOper) {
			r += "*"
		}
		if _, away := w.st.awayMessage(); away {
			r += "=-"
		} else {
			r += "=+"
		}
		replies = append(replies, r+w.user+"@"+w.host)
	}
	c.numeric(irc.RplUserHost, strings.Join(replies, " "))
}

// cmdIson handles "ISON nick{ nick}": 303 with the nicknames online.
func (c *conn) cmdIson(f *fiber.Fiber, m irc.Message) {
	if len(m.Params) == 0 {
		c.numeric(irc.ErrNeedMoreParams, "ISON", "Not enough parameters")
		return
	}
	var nicks []string
	for _, p := range m.Params {
		nicks = append(nicks, strings.Fields(p)...)
	}
	found, ok := c.lookup(f, nicks)
	if !ok {
		return
	}
	var on []string
	for _, w := range found {
		if w.id != 0 {
			on = append(on, w.nick)
		}
	}
	c.numeric(irc.RplIsOn, strings.Join(on, " "))
}
