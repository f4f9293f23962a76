package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fnet"
	"github.com/weft-go/weft/supervision"
	"github.com/weft-go/weft/top"
)

// Server is an IRC server. Create one with [New], run it with
// [Server.Serve] or [Server.ListenAndServe], stop it with
// [Server.Shutdown].
//
// The zero value is not usable and a Server must not be copied. Its methods
// are safe for concurrent use.
type Server struct {
	*info

	mu           sync.Mutex // guards the fields below
	serving      bool
	closed       bool // Shutdown was called
	sys          *actor.System
	stopStrategy *supervision.Strategy // one value: protoactor keeps a guardian per strategy
	registry     actor.Ref[registryMsg]
	ln           net.Listener
	acceptDone   chan struct{} // closed when the accept loop has returned
	conns        map[uint64]*connHandle
	lastID       uint64
	connsGone    chan struct{} // closed when closed is set and conns is empty
	shutdownErr  error
	shutdownEnd  chan struct{} // closed when the first Shutdown has finished
	flush        flushers      // write the lines pushed to idle connections (flush.go)
	poller       *fnet.Poller  // waits for the connections' sockets; nil where unsupported (conn.go)
}

// connHandle is the server's view of a live connection.
type connHandle struct {
	nc  net.Conn
	ref actor.Ref[connMsg]
}

// New returns a server configured by cfg (zero fields take their
// defaults). It starts nothing.
func New(cfg Config) *Server {
	return &Server{
		info:        &info{cfg: cfg.withDefaults(), created: time.Now()},
		conns:       make(map[uint64]*connHandle),
		connsGone:   make(chan struct{}),
		shutdownEnd: make(chan struct{}),
	}
}

// stopOnFailure returns the supervision of the registry, the channels
// (the registry's children) and the connection actors: a panic is logged
// (with the fiber's name and stack) and stops the actor. A connection's
// client is disconnected and cleaned up, a failed channel is forgotten by
// the registry, and the rest of the server carries on; a failed registry
// stops with its channels (restarting it would forget every nickname and
// channel while connections still hold them). It is the one place where
// the server names a supervision strategy.
func (s *Server) stopOnFailure() *supervision.Strategy {
	return supervision.OneForOne(supervision.WithDecider(func(reason any) supervision.Directive {
		s.cfg.Logger.Error("actor failed; stopping it", "reason", reason)
		return supervision.Stop
	}))
}

// ListenAndServe listens on the configured address and serves (see
// [Server.Serve]).
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln and serves each with a connection actor,
// until [Server.Shutdown] is called, ctx is done or accepting fails. It
// blocks: it returns [ErrServerClosed] after Shutdown; after ctx is done it
// shuts the server down gracefully itself (bounded by
// Limits.ShutdownTimeout) and returns ctx's cause; if accepting fails, it
// shuts down and returns the error. Serve takes ownership of ln, and may be
// called once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	case s.serving:
		s.mu.Unlock()
		return ErrServing
	}
	s.serving = true
	s.ln = ln
	sysOpts := []actor.Option{actor.WithLogger(slog.New(minLevel{slog.LevelWarn, s.cfg.Logger.Handler()}))}
	if s.cfg.Limits.SliceWarn > 0 {
		sysOpts = append(sysOpts, actor.WithWatchdog(actor.Watchdog{Warn: s.cfg.Limits.SliceWarn}))
	}
	s.sys = actor.NewSystem(sysOpts...)
	s.stopStrategy = s.stopOnFailure()
	reg, err := actor.Spawn(s.sys, "registry", func() actor.Behavior[registryMsg] { return newRegistry(s.info) },
		actor.WithSupervisor(s.stopStrategy))
	if err != nil {
		s.mu.Unlock()
		_ = ln.Close()
		_ = s.sys.Shutdown(context.Background())
		return fmt.Errorf("server: starting the registry: %w", err)
	}
	s.registry = reg
	if s.cfg.Cluster.Provider != nil {
		// The network is set before any connection starts, so every
		// actor sees it (they read info.net without locking).
		n, err := startNetwork(s.sys, s.info, reg) // sets s.net
		if err != nil {
			s.mu.Unlock()
			_ = ln.Close()
			_ = s.sys.Shutdown(context.Background())
			s.net = nil // no member to leave; the actors that read it have stopped
			return err
		}
		s.cfg.Logger.Info("node joined the network", "addr", n.here(), "cluster", s.cfg.Cluster.Name)
	}
	s.poller, _ = fnet.NewPoller() // nil: each connection waits in a goroutine of its own
	s.acceptDone = make(chan struct{})
	s.mu.Unlock()
	s.cfg.Logger.Info("listening", "addr", ln.Addr().String(), "name", s.cfg.Name)

	acceptErr := make(chan error, 1)
	go func() { // owned by Serve, which waits for it; Shutdown waits for acceptDone
		defer close(s.acceptDone)
		acceptErr <- s.accept(ln)
	}()
	select {
	case err := <-acceptErr:
		if errors.Is(err, ErrServerClosed) {
			<-s.shutdownEnd
			return err
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Limits.ShutdownTimeout)
		defer cancel()
		return errors.Join(err, s.Shutdown(sctx))
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Limits.ShutdownTimeout)
		defer cancel()
		err := s.Shutdown(sctx)
		<-acceptErr
		return errors.Join(context.Cause(ctx), err)
	}
}

// accept runs the accept loop; it returns ErrServerClosed once Shutdown
// closed the listener, or the error that stopped it.
func (s *Server) accept(ln net.Listener) error {
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				// Out of file descriptors: wait a little, as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.cfg.Logger.Warn("accept failed; retrying", "error", err, "delay", delay)
				t := time.NewTimer(delay)
				<-t.C
				continue
			}
			return fmt.Errorf("server: accept: %w", err)
		}
		delay = 0
		s.start(nc)
	}
}

// start spawns the connection actor of nc.
func (s *Server) start(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok && s.cfg.Limits.WriteBuffer > 0 {
		_ = tc.SetWriteBuffer(s.cfg.Limits.WriteBuffer)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = nc.Close()
		return
	}
	s.lastID++
	id := s.lastID
	if s.net != nil {
		id |= s.net.tag // unique in the network
	}
	h := &connHandle{nc: nc}
	s.conns[id] = h
	s.mu.Unlock()
	c := newConn(s, id, nc)
	ref, err := actor.Spawn(s.sys, "conn-"+strconv.FormatUint(id, 10), func() actor.Behavior[connMsg] { return c },
		actor.WithSupervisor(s.stopStrategy))
	if err != nil {
		_ = nc.Close()
		s.connGone(id)
		return
	}
	s.mu.Lock()
	h.ref = ref
	s.mu.Unlock()
	if s.cfg.connHook != nil {
		s.cfg.connHook(c, ref)
	}
}

// connGone forgets a connection whose actor stopped.
func (s *Server) connGone(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, id)
	if s.closed && len(s.conns) == 0 {
		select {
		case <-s.connsGone:
		default:
			close(s.connsGone)
		}
	}
}

// Addr returns the address the server listens on, or nil before
// [Server.Serve].
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// NodeAddr returns the address this node listens on for the other nodes
// of its network (see Config.Cluster), or "" if it is a single server or
// not serving yet.
func (s *Server) NodeAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.net == nil {
		return ""
	}
	return s.net.here()
}

// TopHandler returns an HTTP handler that serves the table of the
// server's actors and fibers (see [top.Handler]) while the server serves,
// and 503 Service Unavailable before and after.
func (s *Server) TopHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		sys, closed := s.sys, s.closed
		s.mu.Unlock()
		if sys == nil || closed {
			http.Error(w, "chat: the server is not serving", http.StatusServiceUnavailable)
			return
		}
		top.Handler(sys).ServeHTTP(w, r)
	})
}

// Stats returns the server's counts. It blocks until the registry answers
// or ctx is done.
func (s *Server) Stats(ctx context.Context) (Stats, error) {
	s.mu.Lock()
	clients, reg := len(s.conns), s.registry
	s.mu.Unlock()
	if reg.IsZero() {
		return Stats{}, nil
	}
	st, err := actor.Call(ctx, reg, statsQuery{})
	st.Clients = clients
	return st, err
}

// Shutdown stops the server gracefully: it stops accepting, tells every
// client the server is shutting down (each gets "ERROR :Closing Link:
// <host> (Server shutting down)" after what was queued for it), waits for
// every connection to close, then stops the actors. If ctx is done first,
// the remaining connections are closed at once, without their closing
// line, and Shutdown still waits for everything to stop before it returns
// ctx's cause. No goroutine of the server is left when it returns.
//
// Shutdown waits, and is safe to call more than once and concurrently:
// later calls wait for the first to finish and return its result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		select {
		case <-s.shutdownEnd:
			return s.shutdownErr
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	s.closed = true
	ln, acceptDone, sys := s.ln, s.acceptDone, s.sys
	if len(s.conns) == 0 {
		close(s.connsGone)
	}
	s.mu.Unlock()

	var errs []error
	if ln != nil {
		_ = ln.Close()
		<-acceptDone // no connection starts after this
		s.mu.Lock()
		for _, h := range s.conns {
			if !h.ref.IsZero() {
				h.ref.Send(shutdownConn{})
			}
		}
		s.mu.Unlock()
		select {
		case <-s.connsGone:
		case <-ctx.Done():
			errs = append(errs, context.Cause(ctx))
			s.mu.Lock()
			for _, h := range s.conns {
				_ = h.nc.Close()
			}
			s.mu.Unlock()
			<-s.connsGone
		}
		if err := s.net.shutdown(context.WithoutCancel(ctx)); err != nil {
			errs = append(errs, err)
		}
		if err := sys.Shutdown(context.WithoutCancel(ctx)); err != nil {
			errs = append(errs, err)
		}
		s.flush.close()
		if s.poller != nil {
			_ = s.poller.Close()
		}
		s.cfg.Logger.Info("server stopped")
	}
	s.mu.Lock()
	s.shutdownErr = errors.Join(errs...)
	s.mu.Unlock()
	close(s.shutdownEnd)
	return s.shutdownErr
}

// minLevel is a slog handler that drops records below a level: the actor
// system logs at Info what the server logs at Debug.
type minLevel struct {
	level slog.Level
	slog.Handler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.level, h.Handler.WithAttrs(as)}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.level, h.Handler.WithGroup(name)}
}
