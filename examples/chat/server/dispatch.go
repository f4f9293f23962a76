package server

import (
	"strconv"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/fiber"
)

// commands are the handlers of a registered client's commands, by name.
var commands = map[string]func(c *conn, f *fiber.Fiber, m irc.Message){
	// messaging.go
	"PRIVMSG": (*conn).cmdMessage,
	"NOTICE":  (*conn).cmdMessage,
	"TAGMSG":  (*conn).cmdMessage,
	"AWAY":    (*conn).cmdAway,
	"SETNAME": (*conn).cmdSetname,
	// chanops.go
	"JOIN":   (*conn).cmdJoin,
	"PART":   (*conn).cmdPart,
	"TOPIC":  (*conn).cmdTopic,
	"NAMES":  (*conn).cmdNames,
	"MODE":   (*conn).cmdMode,
	"KICK":   (*conn).cmdKick,
	"INVITE": (*conn).cmdInvite,
	"LIST":   (*conn).cmdList,
	// queries.go
	"WHO":      (*conn).cmdWho,
	"WHOIS":    (*conn).cmdWhois,
	"WHOWAS":   (*conn).cmdWhowas,
	"USERHOST": (*conn).cmdUserhost,
	"ISON":     (*conn).cmdIson,
	// serverinfo.go
	"LUSERS":  func(c *conn, f *fiber.Fiber, _ irc.Message) { c.cmdLusers(f) },
	"MOTD":    func(c *conn, _ *fiber.Fiber, _ irc.Message) { c.motd() },
	"TIME":    (*conn).cmdTime,
	"VERSION": (*conn).cmdVersion,
	"ADMIN":   (*conn).cmdAdmin,
	"INFO":    (*conn).cmdInfo,
	"LINKS":   (*conn).cmdLinks,
	"HELP":    (*conn).cmdHelp,
	// oper.go
	"OPER":    (*conn).cmdOper,
	"KILL":    (*conn).cmdKill,
	"WALLOPS": (*conn).cmdWallops,
	// register.go, cap.go
	"NICK": (*conn).cmdNick,
	"CAP":  func(c *conn, _ *fiber.Fiber, m irc.Message) { c.cmdCap(m) },
	"PING": func(c *conn, _ *fiber.Fiber, m irc.Message) { c.cmdPing(m) },
	"PONG": func(*conn, *fiber.Fiber, irc.Message) {},
	"QUIT": func(c *conn, _ *fiber.Fiber, m irc.Message) { c.cmdQuit(m) },
	"PASS": reregister,
	"USER": reregister,
}

func reregister(c *conn, _ *fiber.Fiber, _ irc.Message) {
	c.numeric(irc.ErrAlreadyRegistred, "You may not reregister")
}

// dispatch handles one command of a registered client.
func (c *conn) dispatch(f *fiber.Fiber, m irc.Message) {
	if h, ok := commands[m.Command]; ok {
		h(c, f, m)
		return
	}
	c.numeric(irc.ErrUnknownCommand, m.Command, "Unknown command")
}

// handle runs one command with h. A command with a label tag, from a
// client with labeled-response and batch (labeled responses need batches,
// so a client without batch gets plain ones, as InspIRCd does), has its
// replies collected (from this connection and from the actors it asks)
// and sent labeled: one reply carries the label, several go in a
// labeled-response batch, none gets an ACK.
func (c *conn) handle(f *fiber.Fiber, m irc.Message, h func(*fiber.Fiber, irc.Message)) {
	c.checkPanic(m)
	c.command = m.Command
	label := m.Tags["label"]
	if caps := c.st.capSet(); label == "" || !caps.has(capLabeledResponse) || !caps.has(capBatch) || m.Command == "QUIT" {
		h(f, m)
		return
	}
	c.sink = &replySink{}
	h(f, m)
	lines := c.sink.lines
	c.sink = nil
	tag := irc.AppendTags(nil, map[string]string{"label": label})
	tag = tag[1 : len(tag)-1] // "label=…"
	switch {
	case len(lines) == 0:
		c.send(withTag(tag, c.appendMsg(nil, c.cfg.Name, "ACK")))
	case len(lines) == 1:
		c.send(withTag(tag, lines[0]))
	default:
		c.batchID++
		id := "L" + strconv.FormatUint(c.batchID, 10)
		c.send(withTag(tag, c.appendMsg(nil, c.cfg.Name, "BATCH", "+"+id, "labeled-response")))
		bt := []byte("batch=" + id)
		for _, l := range lines {
			c.send(withTag(bt, l))
		}
		c.send(c.appendMsg(nil, c.cfg.Name, "BATCH", "-"+id))
	}
}

// withTag returns line with the tag ("key=value", escaped) added.
func withTag(tag, line []byte) []byte {
	out := make([]byte, 0, len(tag)+len(line)+2)
	if len(line) > 0 && line[0] == '@' {
		out = append(append(append(out, '@'), tag...), ';')
		return append(out, line[1:]...)
	}
	out = append(append(append(out, '@'), tag...), ' ')
	return append(out, line...)
}
