package server_test

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weft-go/weft/examples/chat/server"
)

// TestSilentClientHoldsNoReader checks that the command loop's reader
// fiber of a client silent for PingInterval ends when the server pings it
// (the actor table shows no reader fiber), and that the client's next
// lines start a new one that handles them.
func TestSilentClientHoldsNoReader(t *testing.T) {
	s := startServer(t, server.Config{Limits: server.Limits{PingInterval: 100 * time.Millisecond}})
	a := s.registered(t, "alice")
	a.send("JOIN #c") // the command loop starts
	a.expectCmd("JOIN", "#c")
	a.expectNumeric(366)
	a.expectCmd("PING", "test.server")
	// The reader ends in the turn that queued the PING, which the client
	// may read before that turn is over: look until it has ended.
	for deadline := time.Now().Add(timeout); ; runtime.Gosched() {
		w := httptest.NewRecorder()
		s.TopHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/weft/top", nil))
		body := w.Body.String()
		if !strings.Contains(body, `"reader"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("top after the PING =\n%s\nwant no reader fiber", body)
		}
	}
	a.send("PONG :test.server")
	a.send("TOPIC #c :back")
	a.expectCmd("TOPIC", "#c", "back")
}
