package server

import (
	"strings"

	"github.com/weft-go/weft/examples/chat/irc"
)

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
