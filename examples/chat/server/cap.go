package server

import (
	"strconv"
	"strings"

	"github.com/weft-go/weft/examples/chat/irc"
)

// cmdCap negotiates IRCv3 capabilities (CAP LS [302], LIST, REQ, END),
// before registration (which then waits for CAP END) or after it.
func (c *conn) cmdCap(m irc.Message) {
	target := c.nick
	if target == "" {
		target = "*"
	}
	capLine := func(params ...string) {
		c.reply(irc.Message{Source: c.cfg.Name, Command: "CAP", Params: append([]string{target}, params...), ForceTrailing: true}.AppendLine(nil, c.cfg.Limits.MaxLine))
	}
	switch strings.ToUpper(m.Param(0)) {
	case "LS":
		c.capNegotiating = !c.registered
		if v, err := strconv.Atoi(m.Param(1)); err == nil && v >= 302 {
			c.cap302 = true
			c.setCaps(c.st.capSet() | capCapNotify) // implied by 302
		}
		// No capability has a value, and the list fits one line.
		capLine("LS", allCaps().names())
	case "LIST":
		capLine("LIST", c.st.capSet().names())
	case "REQ":
		c.capNegotiating = !c.registered
		req := m.Param(1)
		add, del, ok := parseCapReq(req)
		if !ok || (del.has(capCapNotify) && c.cap302) {
			capLine("NAK", req)
			return
		}
		c.setCaps(c.st.capSet()&^del | add)
		capLine("ACK", req)
	case "END":
		c.capNegotiating = false
	case "":
		c.numeric(irc.ErrNeedMoreParams, "CAP", "Not enough parameters")
	default:
		c.numeric(irc.ErrInvalidCapCmd, m.Param(0), "Invalid CAP command")
	}
}

// allCaps returns every capability the server offers.
func allCaps() capSet {
	var s capSet
	for _, c := range capNames {
		s |= c.bit
	}
	return s
}

// parseCapReq parses the capability list of CAP REQ ("a -b c"): the
// capabilities to enable and to disable; ok is false if any is unknown
// or the list is empty (the request is then refused whole).
func parseCapReq(req string) (add, del capSet, ok bool) {
	fields := strings.Fields(req)
	if len(fields) == 0 {
		return 0, 0, false
	}
	for _, f := range fields {
		name, off := strings.CutPrefix(f, "-")
		bit, known := lookupCap(name)
		if !known {
			return 0, 0, false
		}
		if off {
			del |= bit
		} else {
			add |= bit
		}
	}
	return add, del, true
}

func (c *conn) setCaps(s capSet) { c.st.caps.Store(uint32(s)) }
