// Command chat runs the Weft chat server, an IRC server built with actors
// and fibers:
//
//	go run ./examples/chat                       # listens on 127.0.0.1:6667
//	go run ./examples/chat -addr :6697 -name irc.example -motd motd.txt
//
// Several servers form one IRC network (channels and nicknames shared, see
// the server package's "A network of nodes"): each lists every node's
// health endpoint with -nodes and names its own with -health,
//
//	nodes=127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103
//	go run ./examples/chat -name a.chat -addr 127.0.0.1:6667 -node-addr 127.0.0.1:7001 -health 7101 -nodes $nodes
//	go run ./examples/chat -name b.chat -addr 127.0.0.1:6668 -node-addr 127.0.0.1:7002 -health 7102 -nodes $nodes
//	go run ./examples/chat -name c.chat -addr 127.0.0.1:6669 -node-addr 127.0.0.1:7003 -health 7103 -nodes $nodes
//
// or, with an etcd server, -etcd http://127.0.0.1:2379 instead of -health
// and -nodes.
//
// With -debug-addr 127.0.0.1:6060, http://127.0.0.1:6060/debug/weft/top
// lists every actor (connections, channels, the registry) and its fibers,
// and /debug/pprof/ serves profiles whose samples name the fibers.
//
// Connect with any IRC client (/connect 127.0.0.1 6667). SIGINT or SIGTERM
// shuts the server down gracefully: every client gets a closing message.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/server"
)

// defaultMOTD is the message of the day unless -motd says otherwise.
const defaultMOTD = `Welcome to the Weft chat server.
Every connection here is an actor; its reader and writer are fibers.
Try: /join #weft`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	var (
		addr        = fs.String("addr", server.DefaultAddr, "TCP address to listen on")
		name        = fs.String("name", server.DefaultName, "server name")
		password    = fs.String("password", "", "connection password (PASS); empty: none")
		motd        = fs.String("motd", defaultMOTD, "message of the day: a file name, or the text itself; empty: none")
		maxSendQ    = fs.Int("max-sendq", server.DefaultMaxSendQ, "bytes queued for a client before it is disconnected as a slow consumer")
		floodLines  = fs.Int("flood-lines", server.DefaultFloodLines, "lines a client may send per -flood-window (negative: no limit)")
		floodWindow = fs.Duration("flood-window", server.DefaultFloodWindow, "flood control window")
		floodBurst  = fs.Int("flood-burst", server.DefaultFloodBurst, "lines a client may send at once")
		floodDelay  = fs.Int("flood-max-delayed", server.DefaultFloodDelayed, "lines in a row flood control may delay (fake lag) before it disconnects (negative: disconnect at once)")
		regTimeout  = fs.Duration("registration-timeout", server.DefaultRegTimeout, "how long a connection may take to register")
		operFile    = fs.String("oper-file", "", "file of operator credentials, one \"name password\" a line (# comments)")
		adminEmail  = fs.String("admin-email", "", "the contact ADMIN shows; default admin@<name>")
		opers       []server.Oper
		grace       = fs.Duration("shutdown-timeout", 10*time.Second, "how long a graceful shutdown may take")
		nodes       = fs.String("nodes", "", "network: every node's health endpoint host:port, comma-separated (this one's included); with -health")
		health      = fs.Int("health", 0, "network: the port of this node's health endpoint (on all interfaces), one of -nodes")
		etcd        = fs.String("etcd", "", "network: etcd endpoints, comma-separated, instead of -nodes and -health")
		nodeAddr    = fs.String("node-addr", "127.0.0.1:0", "network: host:port this node listens on for the other nodes")
		debugAddr   = fs.String("debug-addr", "", "host:port to serve /debug/weft/top (actors and fibers) and /debug/pprof/ on; empty: none")
		sliceWarn   = fs.Duration("slice-warn", server.DefaultSliceWarn, "log actor code that runs this long without suspending (negative: off)")
	)
	fs.Func("oper", "operator credentials name:password for OPER (repeatable; visible to ps: prefer -oper-file)", func(s string) error {
		name, pass, ok := strings.Cut(s, ":")
		if !ok || name == "" || pass == "" {
			return errors.New("want name:password")
		}
		opers = append(opers, server.Oper{Name: name, Password: pass})
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *operFile != "" {
		more, err := readOpers(*operFile)
		if err != nil {
			return err
		}
		opers = append(opers, more...)
	}
	clusterConfig := server.Cluster{Addr: *nodeAddr}
	switch {
	case *etcd != "" && *nodes != "":
		return errors.New("-etcd and -nodes: choose one provider")
	case *etcd != "":
		clusterConfig.Provider = cluster.Etcd(cluster.EtcdConfig{Endpoints: strings.Split(*etcd, ",")})
	case *nodes != "":
		if *health == 0 {
			return errors.New("-nodes needs -health, this node's health port")
		}
		clusterConfig.Provider = cluster.Automanaged(cluster.AutomanagedConfig{Port: *health, Peers: strings.Split(*nodes, ",")})
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	lines, err := motdLines(*motd)
	if err != nil {
		return err
	}
	srv := server.New(server.Config{
		Addr:     *addr,
		Name:     *name,
		Password: *password,
		MOTD:     lines,
		Opers:    opers,
		Admin:    server.Admin{Email: *adminEmail},
		Logger:   log,
		Limits: server.Limits{MaxSendQ: *maxSendQ, ShutdownTimeout: *grace, SliceWarn: *sliceWarn,
			RegistrationTimeout: *regTimeout},
		Flood:   server.Flood{Lines: *floodLines, Window: *floodWindow, Burst: *floodBurst, MaxDelayed: *floodDelay},
		Cluster: clusterConfig,
	})

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *debugAddr != "" {
		stopDebug, err := serveDebug(*debugAddr, srv, log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	err = srv.ListenAndServe(ctx) // on a signal, it shuts down gracefully within -shutdown-timeout
	if errors.Is(err, context.Canceled) {
		log.Info("shut down", "signal", true)
		return nil
	}
	return err
}

// serveDebug serves the actor table and pprof on addr until the returned
// function is called; that function shuts the HTTP server down and waits
// for its goroutine.
func serveDebug(addr string, srv *server.Server, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/weft/top", srv.TopHandler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug server", "error", err)
		}
	}()
	log.Info("debug server", "top", "http://"+ln.Addr().String()+"/debug/weft/top")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}, nil
}

// readOpers reads operator credentials from a file: one "name password"
// a line; blank lines and lines starting with '#' are skipped. Errors name
// the line, never the password.
func readOpers(path string) ([]server.Oper, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var opers []server.Oper
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"name password\"", path, i+1)
		}
		opers = append(opers, server.Oper{Name: f[0], Password: f[1]})
	}
	return opers, nil
}

// motdLines reads the MOTD from the file named s if there is one, and
// otherwise takes s as the text.
func motdLines(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	text := s
	if !strings.Contains(s, "\n") {
		if b, err := os.ReadFile(s); err == nil {
			text = string(b)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), "\n"), nil
}
