// Package server provides the Weft chat server: an IRC server (RFC
// 1459/2812 as the modern IRC documentation describes them, with the
// common IRCv3 capabilities) built from actors and fibers, so that real
// IRC clients can connect to it. The README lists the commands, modes and
// capabilities it supports.
//
//	srv := server.New(server.Config{Name: "irc.example", MOTD: []string{"hello"}})
//	go srv.ListenAndServe(ctx)      // 127.0.0.1:6667 by default
//	...
//	err := srv.Shutdown(ctx)        // every client gets a closing ERROR line
//
// # Architecture
//
// Three kinds of actors, all in one Weft [actor.System]:
//
//   - A connection actor per client. Its reader fiber carries the protocol
//     as plain sequential code: read a line, handle it (asking other actors
//     and waiting for their replies), read the next. Registration
//     (PASS, NICK, USER, CAP LS/REQ/END, then 001–005, LUSERS and the
//     MOTD) is a loop at the top of the fiber, the command loop follows,
//     one handler per command in a file per command family (register.go,
//     cap.go, messaging.go, chanops.go, queries.go, serverinfo.go,
//     oper.go). Its writer fiber, while it has lines the socket would not
//     take at once, drains the connection's outbound queue to the socket
//     (see below). A pinger fiber sends PING to silent clients and
//     disconnects dead ones; a timer fiber drops a connection that has not
//     registered within Limits.RegistrationTimeout, so that it cannot hold
//     a nickname.
//   - The registry actor owns the nicknames (unique under rfc1459 case
//     folding: 433 on collision, 432 for invalid ones) and the channel
//     actors, its children: created on first JOIN, told to stop when
//     empty, and watched ([actor.Self.Watch]), so that one that stops or
//     fails is forgotten.
//   - A channel actor per channel owns its members, topic (331/332/333),
//     modes (+i +m +n +s +t, +k, +l, +b, +o +v: chanmode.go), ban list and
//     invitations.
//
// What a connection's peers need to read about it at any time — its
// capabilities, user modes, away message, realname, idle time — is in a
// userState it shares with the channels and the registry: only the
// connection writes it, each field atomically, so an AWAY or a CAP REQ
// needs no message to every channel, and the fan-out reads a member's
// capabilities without a lock.
//
// Every reply to a request goes through the requesting member's reply
// method (member.reply), whoever queues it: the connection, a channel or
// the registry. For a labeled command (IRCv3 labeled-response), the member
// carries a sink that collects those replies instead, and the connection
// sends them labeled: an ACK for none, the label on a single one, or a
// labeled-response batch.
//
// Connection fibers talk to the registry and the channels with typed
// requests (each embeds [actor.Request], naming its reply type) sent with
// [actor.Ask]: the fiber suspends until the reply, the actor does not; the
// responder answers through [actor.ReplyTo]. No actor ever blocks on
// another. The server uses only Weft's public surface: packages actor,
// fiber, fnet, supervision and top (and remote for the two-node mode).
//
// # Reading: fnet, one line at a time
//
// The reader fiber reads with [fnet.Conn.ReadLine]: a read the socket can
// serve at once is a direct non-blocking system call in the actor's turn;
// otherwise the fiber suspends while the server's one [fnet.Poller]
// (epoll; elsewhere the connection's own reader goroutine) waits for the
// socket to become readable (holding no buffer), and resumes in a later
// turn. Lines already buffered are taken without
// any wait, so a client that sends many lines at once costs one read per
// system call, not per line. Lines are limited to Limits.MaxLine bytes
// (512 with CR LF) plus 4096 bytes of message tags: a longer one gets 417
// (ERR_INPUTTOOLONG) and is skipped up to its LF, the stream carries on.
// A command that is not letters or three digits gets 421 (451 before
// registration), as an unknown command does; another line that does not
// parse (malformed tags or source, a NUL) gets 400 with the reason; NUL,
// CR and LF never reach another client (see package irc).
//
// # Writing and slow consumers
//
// Each connection's outbound queue is an [actor.Inbox] of lines, bounded
// by weight to Limits.MaxSendQ bytes. Any actor (the connection itself, a
// channel, the registry) pushes complete lines into it with
// [actor.Inbox.TryPush], which never blocks. A push into the empty inbox
// of a connection whose writer is idle hands the inbox off
// ([actor.InboxHandOff]) to a flusher, a goroutine shared by many
// connections (one per four cores), and costs the connection's actor no
// turn: the flusher drains the inbox, writes its lines (several copied
// into one buffer) with one non-blocking [fnet.Conn.WriteDirect], and
// gives back what the socket did not take; lines pushed meanwhile are
// batched into its next write. Only then does a writer fiber start
// ([actor.Inbox.Park] ends it when the inbox is empty): its
// [actor.Inbox.Take] takes everything queued at once; it copies the lines
// into a pooled buffer and writes that with one [fnet.Conn.Write] per 64
// KiB (the fiber suspends only while the socket is full), so lines queued
// during a write are batched into the next. An idle connection thus holds
// no goroutine and no fiber: its socket is in the Poller, its lines go
// out through a flusher. A push that does not fit overflows the inbox: it closes and drops
// what it held, and the connection actor gets its overflow notice in one
// of its turns and disconnects the client as a slow consumer ("ERROR
// :Closing Link: <host> (SendQ exceeded)"), even while the writer is
// stuck in a write to the client. Closing the connection closes the
// inbox: the writer flushes what is queued, then the closing line.
//
// # Ordered fan-out
//
// A PRIVMSG or NOTICE to a channel is one request to the channel actor,
// which pushes the line into every other member's inbox and then answers;
// the sender's reader fiber waits for the answer before it reads its next
// line. Private messages go through the registry the same way. So a
// message is in every recipient's outbound queue before the sender's next
// line is handled, and every recipient gets a sender's messages in the
// order they were sent. Replies to a request (numerics, the JOIN echo,
// NAMES, the topic) are queued by the actor that handles it, in order with
// its fan-out.
//
// No buffer is lent from one actor to another: the sender builds each
// line in a slice of its own that nobody modifies afterwards, and the
// channel pushes that one slice into every member's inbox, where the
// members' writers only read it. Fanning a line out to N members costs N
// pushes (a lock and an append each, a hand-off to a flusher for idle
// connections), not N copies; each flusher or writer copies the lines it
// takes into its own write buffer.
//
// # Flood control
//
// A token bucket per client ([Flood]): Burst lines, refilled at Lines per
// Window. A line that finds the bucket empty is delayed ("fake lag"): the
// reader fiber sleeps until the bucket owes nothing, so the client's
// commands are handled at the bucket's rate while its later lines wait
// unread (in the socket, not in the server). Only a client that keeps the
// bucket empty for Flood.MaxDelayed lines in a row is disconnected with
// "Excess Flood". The policy is logic on the handling of lines (a bucket
// and a fiber sleep), not on how they are read.
//
// # Message tags
//
// A PRIVMSG, NOTICE or TAGMSG line is built once per target as an
// outLine: the plain line and, built on first need and then shared by
// every recipient that needs it, its variants with the server-time tag,
// with the sender's client-only tags, or both. The fan-out picks a
// member's variant from its capabilities; nothing is built per recipient.
// A client's line may carry 4096 bytes of tags on top of its 512 bytes.
//
// # Disconnects and failures
//
// However a client goes (QUIT, EOF, read or write error, flood, SendQ, ping
// timeout, server shutdown, or a panic in its connection actor), its
// nickname is released and its QUIT relayed once to each peer on its
// channels: the registry does it from a fiber that asks each channel in
// turn, telling it who already got the line. A panic in a connection actor
// stops that actor only (its supervisor's decision is Stop); the client
// gets "ERROR :Closing Link: <host> (Internal error)" and is cleaned up, the
// rest of the server carries on.
//
// # Two nodes
//
// Channel state lives only in channel actors, reached through their
// protocol; members are reached through their inboxes. Two servers linked
// with Config.NodeAddr and Config.Peer (-node-addr, -peer) share their
// channels over protoactor-go remote: each node runs a relay actor
// ("chat-relay"); the node given Peer greets it with a chatpb.Hello (which
// carries its own address, so the other node needs no Peer); then every
// channel actor sends what its local members do (PRIVMSG, NOTICE, JOIN,
// PART, QUIT, TOPIC) to the peer's relay as a chatpb.ChannelEvent
// (package github.com/weft-go/weft/proto). The receiving relay hands the
// event to its registry, which passes it as a line to the local channel
// of that name, if there is one, which queues it for its local members.
// Events from the peer are never forwarded again. The connection code is
// unchanged.
//
// The listener for the peer and the reference to its relay come from
// Weft's package remote ([remote.Listen], [remote.Ref]); the chat imports
// no protoactor-go package. The cluster package is to replace this mode.
//
// The link is deliberately minimal: each channel keeps its own member
// list, so NAMES, WHO and LIST show only local members, and channel modes,
// keys, operators and topics are per node (a TOPIC change is relayed as a
// line but not stored by the peer). Nicknames are unique per node only,
// NICK changes and private messages to users on the other node do not
// cross (nor do TAGMSG, STATUSMSG messages, AWAY and SETNAME; a KICK
// crosses as the member's PART; bans and invitations are per node), and
// a user who quits is announced once per shared channel. One peer per
// node; messages sent while the peer is unreachable are lost.
//
// # Concurrency
//
// A [Server]'s methods are safe for concurrent use. [Server.Serve] owns
// its accept goroutine and its Poller's goroutine; the flushers' goroutines
// run while lines are handed off to them; every connection's goroutines
// (fnet's writer, and its reader where there is no Poller) belong to its
// actor's fiber scheduler; [Server.Shutdown] waits for the connections
// and closes the Poller.
package server
