package server

import (
	"strconv"

	"github.com/weft-go/weft/examples/chat/irc"
)

// appendNumeric appends ":server NNN target params...\r\n" to dst.
func (in *info) appendNumeric(dst []byte, n irc.Numeric, target string, params ...string) []byte {
	if target == "" {
		target = "*"
	}
	ps := make([]string, 0, len(params)+1)
	ps = append(append(ps, target), params...)
	return irc.Message{Source: in.cfg.Name, Command: n.Code(), Params: ps, ForceTrailing: len(ps) > 1}.AppendLine(dst, in.cfg.Limits.MaxLine)
}

// appendMsg appends ":source command params...\r\n" to dst. The text
// parameter of the commands that carry text is always written with its ':'
// (some clients expect it).
func (in *info) appendMsg(dst []byte, source, command string, params ...string) []byte {
	force := false
	switch command {
	case "PRIVMSG", "NOTICE", "QUIT", "PART", "TOPIC", "PONG", "ERROR", "KICK", "KILL", "WALLOPS", "SETNAME", "FAIL":
		force = len(params) > 1 || command == "QUIT" || command == "ERROR" || command == "WALLOPS" || command == "SETNAME"
	case "AWAY":
		force = len(params) > 0
	}
	return irc.Message{Source: source, Command: command, Params: params, ForceTrailing: force}.AppendLine(dst, in.cfg.Limits.MaxLine)
}

// numeric queues a numeric reply for who (see member.reply).
func (in *info) numeric(who member, n irc.Numeric, params ...string) {
	who.reply(in.appendNumeric(nil, n, who.nick, params...))
}

func itoa(n int) string { return strconv.Itoa(n) }
