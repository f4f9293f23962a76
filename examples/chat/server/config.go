package server

import (
	"log/slog"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/examples/chat/irc"
)

// Config configures a [Server]. Every zero field means its documented
// default, so the zero Config is a working server on 127.0.0.1:6667. A
// Config is a plain value: copy it freely (New keeps its own copy).
type Config struct {
	// Addr is the TCP address ListenAndServe listens on; default
	// "127.0.0.1:6667".
	Addr string
	// Name is the server's name, the source of its replies; default
	// "weft.chat".
	Name string
	// Network is the network name in 001 and 005; default "Weft".
	Network string
	// Password, if set, must be given with PASS before registration;
	// clients without it get 464 and are disconnected.
	Password string
	// MOTD are the lines of the message of the day; none means 422.
	MOTD []string
	// Opers are the operator credentials OPER accepts; none: OPER gets
	// 491. Passwords are compared in constant time and never logged.
	Opers []Oper
	// Admin is what ADMIN answers; empty fields get defaults.
	Admin Admin
	// Logger receives the server's logs; default: discard.
	Logger *slog.Logger
	// Limits bound what clients may do.
	Limits Limits
	// Flood is the per-client line rate limit.
	Flood Flood

	// Cluster, if its Provider is set, makes the server a node of an IRC
	// network: the servers of one cluster share their channels and
	// nicknames (see the package documentation, "A network of nodes").
	Cluster Cluster

	// panicOn, when set (by tests), makes a client's command of that name
	// panic inside its connection actor.
	panicOn string
	// connHook, when set (by tests), is called with every connection's
	// state and actor once it is spawned.
	connHook func(*conn, actor.Ref[connMsg])
}

// DefaultClusterName is the name of a network's cluster when
// Cluster.Name is empty.
const DefaultClusterName = "weft-chat"

// Cluster configures a server as a node of a network of servers on
// package cluster. The zero value (no Provider) is a single server.
type Cluster struct {
	// Provider finds the other nodes: [cluster.Automanaged] with every
	// node's health endpoint, or [cluster.Etcd]. Nil: no network.
	Provider cluster.Provider
	// Name is the cluster's name, the same on every node; default
	// DefaultClusterName.
	Name string
	// Addr is the host:port this node listens on for the other nodes
	// (default 127.0.0.1:0, a free port).
	Addr string
	// RequestTimeout bounds a request to a channel or a nickname of the
	// network (default 5 s: see [cluster.Config]).
	RequestTimeout time.Duration
}

// Oper is one operator's credentials: "OPER name password". Its String
// and LogValue hide the password.
type Oper struct {
	Name     string
	Password string
}

// String returns the name and a hidden password.
func (o Oper) String() string { return o.Name + ":********" }

// LogValue implements [slog.LogValuer]: only the name is logged.
func (o Oper) LogValue() slog.Value { return slog.StringValue(o.Name) }

// Admin is the administrative information of ADMIN (256–259).
type Admin struct {
	// Location and Location2 are the 257 and 258 lines; default: the
	// network and server names.
	Location, Location2 string
	// Email is the 259 line; default "admin@" followed by the server name.
	Email string
}

// Limits bounds what one client may do. Every zero field means its
// default. It is a plain value.
type Limits struct {
	// MaxLine is the longest line a client may send, CR LF included;
	// default 512 ([irc.MaxLine]). A longer line gets 417 and is
	// discarded; the stream carries on after it. Lines the server sends are
	// cut to this length too.
	MaxLine int
	// MaxSendQ is the size, in bytes, of a client's outbound queue: what
	// the server has queued for it and not yet written to its socket;
	// default 256 KiB. A client that lets it fill up (a slow consumer) is
	// disconnected with "SendQ exceeded".
	MaxSendQ int
	// NickLen is the longest nickname; default 30.
	NickLen int
	// MaxChannels is how many channels a client may be on; default 20.
	MaxChannels int
	// RegistrationTimeout is how long a connection may take to register
	// (NICK, USER, CAP END); then it is disconnected with "Registration
	// timed out" and its nickname released. Default 60 seconds.
	RegistrationTimeout time.Duration
	// Whowas is how many departed nicknames WHOWAS remembers; default 200.
	Whowas int
	// PingInterval is how long a client may stay silent before the server
	// sends it a PING; silent for another PingInterval, it is disconnected
	// with "Ping timeout". Default 2 minutes; negative disables it.
	PingInterval time.Duration
	// CloseGrace bounds how long the server tries to write the closing
	// ERROR line (and what was queued before it) to a client it
	// disconnects; default 5 seconds.
	CloseGrace time.Duration
	// ShutdownTimeout bounds the graceful shutdown [Server.Serve] does when
	// its context is cancelled; default 10 seconds.
	ShutdownTimeout time.Duration
	// WriteBuffer, if positive, sets the kernel send buffer of every
	// client socket (SO_SNDBUF); 0 keeps the system's default. A small one
	// makes slow consumers show up in the SendQ sooner.
	WriteBuffer int
	// SliceWarn is the slice watchdog's warning limit: an actor's code
	// (a connection's handler, a channel's fan-out) that runs this long
	// without suspending is logged, with its stack (see
	// [actor.Watchdog]). Default 250 milliseconds; negative disables the
	// watchdog.
	SliceWarn time.Duration
}

// Flood limits the lines a client may send: a token bucket of Burst lines
// refilled at Lines per Window. A line that finds the bucket empty is not
// refused but delayed until a token is available ("fake lag"): the
// client's commands are handled at the bucket's rate, and later lines
// wait unread. Only a client that keeps the bucket empty for MaxDelayed
// lines in a row is disconnected with "Excess Flood". Zero fields mean 10
// lines per second with a burst of 20 and 100 delayed lines; Lines < 0
// disables the limit; MaxDelayed < 0 disconnects at the first line that
// would be delayed (the classic policy). It is a plain value.
type Flood struct {
	Lines      int
	Window     time.Duration
	Burst      int
	MaxDelayed int
}

// Defaults of [Config], [Limits] and [Flood] fields left zero.
const (
	DefaultAddr         = "127.0.0.1:6667"
	DefaultName         = "weft.chat"
	DefaultNetwork      = "Weft"
	DefaultMaxSendQ     = 256 << 10
	DefaultNickLen      = 30
	DefaultMaxChannels  = 20
	DefaultPingInterval = 2 * time.Minute
	DefaultCloseGrace   = 5 * time.Second
	DefaultShutdown     = 10 * time.Second
	DefaultSliceWarn    = 250 * time.Millisecond
	DefaultFloodLines   = 10
	DefaultFloodWindow  = time.Second
	DefaultFloodBurst   = 20
	DefaultFloodDelayed = 100
	DefaultRegTimeout   = 60 * time.Second
	DefaultWhowas       = 200
)

// version is the server's version string (002, 004).
const version = "weft-chat-0.2"

// Lengths the server enforces and advertises (005).
const (
	topicLen   = 390 // TOPICLEN
	kickLen    = 390 // KICKLEN
	awayLen    = 390 // AWAYLEN
	maxBans    = 100 // MAXLIST=b:
	maxModes   = 4   // MODES: modes with a parameter per MODE command
	maxTargets = 4   // TARGMAX for PRIVMSG, NOTICE, TAGMSG
	realLen    = 128 // the longest realname (USER, SETNAME)
)

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defD := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	if c.Cluster.Provider != nil && c.Cluster.Name == "" {
		c.Cluster.Name = DefaultClusterName
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Network == "" {
		c.Network = DefaultNetwork
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	l := &c.Limits
	def(&l.MaxLine, irc.MaxLine)
	def(&l.MaxSendQ, DefaultMaxSendQ)
	def(&l.NickLen, DefaultNickLen)
	def(&l.MaxChannels, DefaultMaxChannels)
	defD(&l.PingInterval, DefaultPingInterval)
	defD(&l.CloseGrace, DefaultCloseGrace)
	defD(&l.ShutdownTimeout, DefaultShutdown)
	defD(&l.SliceWarn, DefaultSliceWarn)
	if c.Flood.Lines == 0 {
		c.Flood.Lines = DefaultFloodLines
	}
	defD(&c.Flood.Window, DefaultFloodWindow)
	def(&c.Flood.Burst, DefaultFloodBurst)
	if c.Flood.MaxDelayed == 0 {
		c.Flood.MaxDelayed = DefaultFloodDelayed
	}
	defD(&l.RegistrationTimeout, DefaultRegTimeout)
	def(&l.Whowas, DefaultWhowas)
	if c.Admin.Location == "" {
		c.Admin.Location = c.Network + " IRC network"
	}
	if c.Admin.Location2 == "" {
		c.Admin.Location2 = "Server " + c.Name + ", a Weft chat server"
	}
	if c.Admin.Email == "" {
		c.Admin.Email = "admin@" + c.Name
	}
	return c
}
