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
// fiber, fnet, supervision and top (and cluster and remote for a
// network).
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
// # A network of nodes
//
// With Config.Cluster (-nodes and -health, or -etcd), several servers form
// one IRC network on package cluster (protoactor-go's cluster): channels,
// nicknames and the list of channels are virtual actors, placed on the
// nodes by the cluster and reached by name from any node.
//
//   - A channel is a virtual actor of kind "chat-channel" whose identity is
//     its folded name: the channel behavior of a single server, whose
//     members are clients of any node. A connection's requests to it cross
//     nodes as one chatpb.ChanRequest (package
//     github.com/weft-go/weft/proto) carrying the requester as a
//     chatpb.Member snapshot (node, ID, nickname, capabilities, modes,
//     away message, realname); the answer, a chatpb.ChanReply, carries the
//     requester's replies (numerics, NAMES, the JOIN echo), which its
//     connection queues in order before it reads its next line. What the
//     channel queues for its other members in a turn goes, before the
//     answer, as one chatpb.Deliver per node to that node's "chat-node"
//     actor, which hands the lines to its registry and so to the clients'
//     inboxes (and KICK and INVITE to their connection actors). NAMES,
//     WHO #channel, MODE, TOPIC and KICK are thereby network-wide. An empty
//     channel stops; a request to a channel nobody is on gets 403 (NAMES:
//     366) and stops the activation it made.
//   - A nickname is a virtual actor of kind "chat-nick" (identity: the
//     folded nickname) that holds its owner: a NICK is claimed there
//     before the node's registry takes it (433 if another client of any
//     node holds it), released on QUIT or a change, and lost to the next
//     claim once its owner's node has left the cluster. PRIVMSG, NOTICE
//     and TAGMSG to a user of another node, WHOIS, ISON, USERHOST and the
//     nickname arguments of MODE and INVITE find users through it.
//   - The directory kind ("chat-directory") has two actors: the channel
//     directory (identity "channels") lists the open channels for LIST (a
//     channel's first JOIN is answered once it is listed); the user
//     directory ("users") holds every user's snapshot, which the nickname
//     actors send it on each claim and release, for WHO by mask.
//   - A node's registry tells a nickname's actor the channels of its
//     holder (for WHOIS elsewhere) on each join and part. KILL reaches the
//     victim's node and WALLOPS every node as chatpb.Deliver items.
//
// Connection IDs carry 24 random bits of their node in their high bits,
// so that they are unique in the network. Text travels as bytes: a line
// that is not UTF-8 reaches every node as it was sent.
//
// What differs from a single server: a member's capabilities, modes and
// away message as a channel sees them are those of its last request to
// that channel (an AWAY is relayed at once, but a WHO shows the new state
// after the member's next request there); a line reaches the members of
// other nodes after the sender's next line may have been handled (it is
// sent, not queued, before the answer), but still in order for each
// sender and channel; an invisible user of another node appears in WHO
// by mask only to operators and to its exact nickname (its node knows whom
// it shares channels with, the asker's does not); WHOWAS and the user
// counts of LUSERS are each node's own (LUSERS counts the nodes as
// servers); WHOIS of a user of another node lists the channels its node
// last reported. Ordering between a channel message and a private message of the
// same sender to the same recipient on another node is not kept (they
// travel through different actors).
//
// A channel's activation gathers its members before anything else: with
// its first request it asks every node's registry which of its clients
// are on the channel (chatpb.Deliver KIND_SYNC; each registry answers with
// a ChanRequest.Sync, maybe empty), and the requests wait, in order, in
// fibers of the activation until every node has answered, left, or
// Cluster.RequestTimeout has passed. A new channel pays one message to
// and from each node; a channel that starts again elsewhere starts with
// everyone who is on it.
//
// Faults and changes of membership: channels, nicknames and the
// directories live in memory only, on the node that runs them. Every node
// hears of a change through its member's watch of the membership
// ([cluster.WatchMembers]).
//
//   - When a node dies (or leaves), its clients are gone. A channel that
//     runs on a survivor drops them and sends the others their QUIT
//     (":nick!user@host QUIT :*.net *.split"), as IRC networks do for a
//     netsplit; it keeps its topic, modes, bans and operators. A channel
//     the lost node ran starts again on a survivor with its next request
//     and gathers the survivors' members (the first one back is its
//     operator); its topic, modes, bans and other operators are lost.
//     Each survivor's registry claims its clients' nicknames again (those
//     the lost node held start afresh), and each open channel lists itself
//     in the directory again.
//   - When a node joins, the identities the cluster's hashing now gives it
//     move there (package cluster stops their activations elsewhere): a
//     channel that moves starts again on the new node with all its
//     members, as after a loss, and also loses its topic and modes.
//   - A request in flight to a node that dies or stops answering fails
//     within Cluster.RequestTimeout: the client gets 400 naming what was
//     unreachable ("not done, try again", or, after a timeout, "it may not
//     have been done"), never a disconnect. A message is delivered once
//     to every member or reported to its sender.
//
// The chat imports package cluster and package remote (to address the
// nodes' chat-node actors); no protoactor-go package.
//
// # Concurrency
//
// A [Server]'s methods are safe for concurrent use. [Server.Serve] owns
// its accept goroutine and its Poller's goroutine; the flushers' goroutines
// run while lines are handed off to them (and a little after), owned by
// the server; every connection's goroutines (fnet's writer, and its reader
// where there is no Poller) belong to its actor's fiber scheduler;
// [Server.Shutdown] waits for the connections, then for the flushers, the
// network's member, the actors, and closes the Poller.
package server
