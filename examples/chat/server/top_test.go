package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weft-go/weft/examples/chat/server"
)

// TestTopHandler registers a client that joins a channel and checks that
// the server's actor table lists the registry, the channel and the
// connection with its reader fiber, waiting for the client's next line
// (a connection has no writer fiber while the socket takes its lines: the
// flusher writes them); before the server serves and after it has shut
// down, the handler answers 503.
func TestTopHandler(t *testing.T) {
	idle := server.New(server.Config{})
	w := httptest.NewRecorder()
	idle.TopHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/weft/top", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("before Serve: status %d; want 503", w.Code)
	}

	srv := startServer(t, server.Config{})
	c := dial(t, srv.addr)
	c.register("alice")
	c.send("JOIN #weft")
	c.expectCmd("JOIN", "#weft")
	c.expectNumeric(366) // end of NAMES: the channel actor has answered
	w = httptest.NewRecorder()
	srv.TopHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/weft/top", nil))
	body := w.Body.String()
	for _, want := range []string{"nonhost/registry", "*server.channel", "*server.conn", `"reader"`} {
		if !strings.Contains(body, want) {
			t.Errorf("top =\n%s\nwant it to contain %q", body, want)
		}
	}
}
