// Package fnet provides fiber-aware socket I/O: network connections and
// listeners whose reads, writes and accepts, called from a fiber, suspend
// only that fiber. Blocking socket operations become suspensions, without
// callbacks and without a goroutine per call (the Ruby fiber-scheduler
// idea), so that a connection's protocol reads as plain sequential code in
// a fiber: under [fiber.Run], or inside an actor, where the actor keeps
// serving its mailbox while the fiber waits.
//
//	c, err := fnet.NewConn(f, nc) // nc from Listener.Accept or net.Dial
//	if err != nil {
//		return err
//	}
//	defer c.Close()
//	for {
//		line, err := c.ReadLine(f, 512) // suspends f until a line arrives
//		if err != nil {
//			return err
//		}
//		if _, err := c.Write(f, append(line, '\n')); err != nil {
//			return err
//		}
//	}
//
// # How it works
//
// A [Conn] makes its reads and writes directly, with non-blocking system
// calls on the owner's goroutine. Only when the socket would block does the
// fiber suspend:
//
//   - a read hands the wait to the connection's one long-lived reader
//     goroutine, which waits in Go's network poller until the socket is
//     readable (consuming nothing and holding no buffer), then wakes the
//     fiber, which reads again directly;
//   - a write hands the bytes the socket would not take to the
//     connection's writer goroutine (started on the first such write),
//     which writes them as the socket drains, then wakes the fiber.
//
// A wake-up reaches the fiber through [fiber.Scheduler.Post]: inside an
// actor, one mailbox message (none while the actor already has a turn
// queued). A connection whose peer keeps up therefore costs a system call
// per read or write and no goroutine switch; an idle connection costs a
// parked goroutine and no buffer: read buffers (4 KiB) come from a pool
// when data arrives and go back once it is consumed.
//
// Batch writes by handing several queued messages to one [Conn.Write]: one
// system call, and at most one wake-up if the socket is full. Where no
// fiber can wait (an actor's Stopping hook), [Conn.TryWrite] writes a last
// line only if the socket takes it at once. [Conn.WriteDirect], the one
// method any goroutine may call, makes one non-blocking write and reports
// what the socket took, without breaking the stream: a queue shared by
// several actors writes a message to an idle connection with it, from the
// pusher's goroutine or a shared writer, and leaves only the rest to the
// connection's fiber (it is ordered with the fiber's writes).
//
// A [Poller] (Linux: epoll) waits for the sockets of many connections on
// one goroutine: a Conn made with [WithPoller] has no reader goroutine,
// so that an idle connection costs no goroutine, only its heap. Such a
// connection is closed by its owner or by [Poller.Close], not by its
// scheduler's Close, and is for actors (under [fiber.Run], a fiber waiting
// to read it counts as waiting for nothing). The poller's goroutine waits
// in Go's network poller on the epoll descriptor, holding no thread; a
// wait costs an epoll_ctl call, and the wake-ups of all the connections
// go through the one goroutine: BenchmarkEcho's round trip with 64 busy
// clients took 1.2–1.4× as long as with a reader goroutine per
// connection, and BenchmarkIdleConn's idle connection (its fiber waiting
// to read) 8.5 KB instead of 12.8 KB.
//
// Costs, measured by this package's benchmarks on loopback (2 shared
// cores, medians of 6, three runs): a line's round trip through an echo
// server built on fnet takes 1.06–1.5× as long as through a
// goroutine-per-connection server with one client (the wait adds two
// goroutine hand-offs, which cost more on a busy machine), and 1.1–1.4×
// its CPU with 64 clients at once, system calls being two thirds of it; no
// allocation per line under fiber.Run, one (the actor's wake-up message)
// in an actor. An idle connection costs its reader goroutine's stack
// (2–4 KiB) and about 1.5 KB of heap, its fiber aside, against a goroutine
// and a 4 KiB bufio.Reader for the baseline.
//
// [Listener.Accept] likewise suspends the accepting fiber while the
// listener's one accepting goroutine waits for a connection.
//
// # Errors
//
// Operations fail with errors that [errors.Is] matches against this
// package's sentinels and the standard library's: [ErrClosed] (and
// [net.ErrClosed]) after Close, [ErrTimeout] (and [os.ErrDeadlineExceeded])
// after a deadline, [io.EOF] at the end of the stream, the system error
// for a reset ([syscall.ECONNRESET], [syscall.EPIPE]), [ErrLineTooLong]
// for an oversized line and [ErrWriteFailed] once a write has broken the
// stream. A fiber cancelled while it waits (its actor stops, its parent
// cancels it) wakes at once with its cancellation error, which matches
// [context.Canceled] and the cause.
//
// # Lifetime
//
// The goroutines of a Conn (made without a Poller) or Listener belong to
// the scheduler of the fiber that made it: [fiber.Scheduler.Close] (an actor's stop or
// restart, the end of [fiber.Run]) waits for them, and closes every
// connection and listener still open, so that stopping an actor leaves no
// goroutine behind. Close connections in the fiber that serves them
// (defer c.Close()); a fiber's cleanup must not count on writing to a
// connection while its scheduler closes. Under [fiber.Run], an open
// connection or listener counts, as an [fiber.Await] call does, as
// something that can still wake a fiber: Run reports no deadlock while one
// is open.
//
// # Platforms
//
// fnet works on Unix (Linux first) with connections and listeners that have
// a file descriptor: TCP and Unix-domain stream sockets. Elsewhere, and for
// other connections (TLS, [net.Pipe]), [NewConn] and [NewListener] return
// [ErrUnsupported]; use [fiber.Await] for those.
//
// # Concurrency
//
// A Conn or Listener belongs to its scheduler's owner, like the fibers:
// its methods must be called from the scheduler's fibers or the code
// driving it, one call at a time, except the deadline setters and address
// getters, which any goroutine may call. One fiber may read and another
// write the same connection at once; two concurrent readers (or writers,
// or accepting fibers) are misuse and panic with a message that starts
// with "fnet: ". [Conn.WriteDirect] and the methods of [Poller] are safe
// for concurrent use. The package has no global state but a pool of
// buffers.
package fnet
