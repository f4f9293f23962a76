package server_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// TestEveryCommandOddParams sends every command the server knows with
// odd parameter lists (none, empty, masks, commas, huge counts, tags) from
// a registered operator and from an unregistered client: the server
// answers or ignores each, stays up, and every client stays connected.
func TestEveryCommandOddParams(t *testing.T) {
	s := startServer(t, server.Config{Flood: server.Flood{Lines: -1}, Opers: []server.Oper{{Name: "o", Password: "p"}}})
	a := s.capClient(t, "alice", "labeled-response", "batch", "echo-message", "message-tags", "server-time", "multi-prefix", "userhost-in-names")
	b := s.registered(t, "bob")
	a.send("OPER o p")
	a.join("#c")
	b.join("#c")
	commands := []string{"PRIVMSG", "NOTICE", "TAGMSG", "AWAY", "SETNAME", "JOIN", "PART", "TOPIC", "NAMES",
		"MODE", "KICK", "INVITE", "LIST", "WHO", "WHOIS", "WHOWAS", "USERHOST", "ISON", "LUSERS", "MOTD", "TIME",
		"VERSION", "ADMIN", "INFO", "LINKS", "HELP", "OPER", "WALLOPS", "CAP", "PING", "PONG", "PASS", "USER"}
	params := []string{"", " :", " *", " #c", " #c :", " ,,,", " #c,#c,#c,#c,#c,#c", " alice", " bob bob bob bob bob bob bob",
		" #c +ov-ov+b-b+k-k+l-l+imnst-imnst x y z w", " #c +l 99999999999999999999", " % %", " * %tcuihsnfdlaor,123456",
		" -1", " 99999999", " #c bob :" + strings.Repeat("r", 400), " :\xff\xfe"}
	var lines []string
	for _, cmd := range commands {
		for _, p := range params {
			lines = append(lines, cmd+p, "@label=x;+t=1 "+cmd+p)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "KILL") || strings.HasPrefix(l, "QUIT") {
			continue
		}
		a.send(l)
	}
	a.sync()
	b.sync()
	x := dial(t, s.addr)
	for _, l := range lines {
		x.send(l)
	}
	x.register("xavier")
}

// TestOperPasswordNeverLogged: OPER attempts, right and wrong, and a
// logged Config leave no password in the logs.
func TestOperPasswordNeverLogged(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	h := slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug})
	logger := slog.New(h)
	cfg := server.Config{Logger: logger, Opers: []server.Oper{{Name: "root", Password: "hunter2-secret"}}}
	s := startServer(t, cfg)
	logger.Info("config", "opers", cfg.Opers, "oper", cfg.Opers[0])
	a := s.registered(t, "alice")
	a.send("OPER root wrong-guess-secret", "OPER root hunter2-secret")
	a.expectNumeric(irc.ErrPasswdMismatch)
	a.expectNumeric(irc.RplYoureOper)
	mu.Lock()
	defer mu.Unlock()
	if out := logs.String(); strings.Contains(out, "hunter2") || strings.Contains(out, "wrong-guess") {
		t.Errorf("a password is in the logs:\n%s", out)
	} else if !strings.Contains(out, "root") {
		t.Errorf("the logs do not name the operator:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
