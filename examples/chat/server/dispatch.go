package server

import (
	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

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
