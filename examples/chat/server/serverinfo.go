package server

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// cmdLusers queues 251–255, 265 and 266 (also sent at registration).
func (c *conn) cmdLusers(f *fiber.Fiber) {
	n, err := actor.Ask(f, c.registry, lusers{})
	if err != nil {
		c.internalError(err)
		return
	}
	s := strconv.Itoa
	servers := 1
	if c.net != nil {
		servers = max(1, len(c.net.member().Members()))
	}
	c.numeric(irc.RplLuserClient, "There are "+s(n.users-n.invisible)+" users and "+s(n.invisible)+" invisible on "+s(servers)+" servers")
	c.numeric(irc.RplLuserOp, s(n.opers), "operator(s) online")
	c.numeric(irc.RplLuserUnknown, s(n.unknown), "unknown connection(s)")
	c.numeric(irc.RplLuserChannels, s(n.channels), "channels formed")
	c.numeric(irc.RplLuserMe, "I have "+s(n.users)+" clients and "+s(servers-1)+" servers")
	c.numeric(irc.RplLocalUsers, s(n.users), s(n.maxUsers), "Current local users "+s(n.users)+", max "+s(n.maxUsers))
	c.numeric(irc.RplGlobalUsers, s(n.users), s(n.maxUsers), "Current global users "+s(n.users)+", max "+s(n.maxUsers))
}

// serverTarget reports whether a query's optional server parameter names
// this server (or is absent); if not, it queues 402.
func (c *conn) serverTarget(m irc.Message, i int) bool {
	if s := m.Param(i); s != "" && !irc.Match(s, c.cfg.Name) {
		c.numeric(irc.ErrNoSuchServer, s, "No such server")
		return false
	}
	return true
}

func (c *conn) cmdTime(_ *fiber.Fiber, m irc.Message) {
	if c.serverTarget(m, 0) {
		c.numeric(irc.RplTime, c.cfg.Name, time.Now().Format("Monday January 2 2006 -- 15:04:05 -07:00"))
	}
}

func (c *conn) cmdVersion(_ *fiber.Fiber, m irc.Message) {
	if c.serverTarget(m, 0) {
		c.numeric(irc.RplVersion, version, c.cfg.Name, "Weft chat: an IRC server of actors and fibers")
		c.isupport()
	}
}

func (c *conn) cmdAdmin(_ *fiber.Fiber, m irc.Message) {
	if !c.serverTarget(m, 0) {
		return
	}
	a := c.cfg.Admin
	c.numeric(irc.RplAdminMe, c.cfg.Name, "Administrative info")
	c.numeric(irc.RplAdminLoc1, a.Location)
	c.numeric(irc.RplAdminLoc2, a.Location2)
	c.numeric(irc.RplAdminEmail, a.Email)
}

func (c *conn) cmdInfo(_ *fiber.Fiber, m irc.Message) {
	if !c.serverTarget(m, 0) {
		return
	}
	for _, l := range []string{
		version + ": the Weft chat server.",
		"Every connection is an actor; its reader and writer are fibers.",
		"Channels and the nickname registry are actors too.",
		"Started " + c.created.Format(time.RFC1123) + ".",
	} {
		c.numeric(irc.RplInfo, l)
	}
	c.numeric(irc.RplEndOfInfo, "End of INFO list")
}

// cmdLinks lists the one server (a peer node is not an IRC server link).
func (c *conn) cmdLinks(_ *fiber.Fiber, m irc.Message) {
	mask := m.Param(len(m.Params) - 1)
	if mask == "" || irc.Match(mask, c.cfg.Name) {
		c.numeric(irc.RplLinks, "*", c.cfg.Name, "0 "+c.cfg.Network+" chat server")
	}
	if mask == "" {
		mask = "*"
	}
	c.numeric(irc.RplEndOfLinks, mask, "End of /LINKS list")
}

// helpTopics is the text of HELP, by upper-case topic.
var helpTopics = map[string][]string{
	"AWAY":     {"AWAY [:<message>]", "Marks you away with the message, or back without one."},
	"INVITE":   {"INVITE <nick> <channel>", "Invites a user to a channel; INVITE alone lists your invitations."},
	"ISON":     {"ISON <nick>{ <nick>}", "Tells which of the nicknames are online."},
	"JOIN":     {"JOIN <channel>{,<channel>} [<key>{,<key>}]", "Joins channels; JOIN 0 leaves them all."},
	"KICK":     {"KICK <channel> <nick>[,<nick>] [:<reason>]", "Removes users from a channel (operators)."},
	"KILL":     {"KILL <nick> :<comment>", "Disconnects a user (IRC operators)."},
	"LIST":     {"LIST [<mask>|!<mask>|><n>|<<n>{,…}]", "Lists the channels that match."},
	"MODE":     {"MODE <channel> [<modes> [<params>]]", "Channel modes: b k l i m n s t o v. User modes: i w o."},
	"NAMES":    {"NAMES [<channel>{,<channel>}]", "Lists the members of channels."},
	"OPER":     {"OPER <name> <password>", "Makes you an IRC operator."},
	"PRIVMSG":  {"PRIVMSG <target>{,<target>} :<text>", "Sends a message to users or channels (@#chan: operators only)."},
	"SETNAME":  {"SETNAME :<realname>", "Changes your realname."},
	"TOPIC":    {"TOPIC <channel> [:<topic>]", "Shows or sets a channel's topic."},
	"USERHOST": {"USERHOST <nick>{ <nick>}", "Shows the user@host of up to five users."},
	"WALLOPS":  {"WALLOPS :<text>", "Sends a message to every user with +w (IRC operators)."},
	"WHO":      {"WHO <mask> [o][%<fields>[,<token>]]", "Lists the users that match (WHOX fields: " + whoxFields + ")."},
	"WHOIS":    {"WHOIS <nick>", "Shows information about a user."},
	"WHOWAS":   {"WHOWAS <nick> [<count>]", "Shows who used a nickname that is gone."},
}

// cmdHelp handles "HELP [topic]": 704, 705…, 706, or 524.
func (c *conn) cmdHelp(_ *fiber.Fiber, m irc.Message) {
	topic := strings.ToUpper(m.Param(0))
	var text []string
	if topic == "" {
		topic = "*"
		names := make([]string, 0, len(helpTopics))
		for k := range helpTopics {
			names = append(names, k)
		}
		sort.Strings(names)
		text = []string{"Help topics (HELP <topic>):", strings.Join(names, " ")}
	} else if text = helpTopics[topic]; text == nil {
		c.numeric(irc.ErrHelpNotFound, topic, "No help available on this topic")
		return
	}
	c.numeric(irc.RplHelpStart, topic, text[0])
	for _, l := range text[1:] {
		c.numeric(irc.RplHelpTxt, topic, l)
	}
	c.numeric(irc.RplEndOfHelp, topic, "End of /HELP")
}
