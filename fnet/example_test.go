package fnet_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/fnet"
)

// An echo server and its client under fiber.Run, on one goroutine: each
// fiber suspends while its socket has nothing for it, and the other runs.
func ExampleConn() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		ln, err := fnet.Listen(f, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		f.Spawn("server", func(f *fiber.Fiber) error {
			nc, err := ln.Accept(f)
			if err != nil {
				return err
			}
			c, err := fnet.NewConn(f, nc)
			if err != nil {
				nc.Close()
				return err
			}
			defer c.Close()
			for {
				line, err := c.ReadLine(f, 512)
				if err != nil {
					return nil // the client went away
				}
				if _, err := c.Write(f, fmt.Appendf(nil, "echo: %s\n", line)); err != nil {
					return err
				}
			}
		})
		nc, err := fiber.Await(f, func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", ln.Addr().String())
		})
		if err != nil {
			return err
		}
		c, err := fnet.NewConn(f, nc)
		if err != nil {
			nc.Close()
			return err
		}
		defer c.Close()
		for _, msg := range []string{"hello", "world"} {
			if _, err := c.Write(f, []byte(msg+"\r\n")); err != nil {
				return err
			}
			reply, err := c.ReadLine(f, 512)
			if err != nil {
				return err
			}
			fmt.Println(string(reply))
		}
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// echo: hello
	// echo: world
	// Run: <nil>
}

// ReadLine bounds a line's length: an oversized line is reported and
// skipped, and the lines after it are still read.
func ExampleConn_ReadLine() {
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		ln, err := fnet.Listen(f, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		f.Spawn("client", func(f *fiber.Fiber) error {
			nc, err := fiber.Await(f, func(ctx context.Context) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", ln.Addr().String())
			})
			if err != nil {
				return err
			}
			c, err := fnet.NewConn(f, nc)
			if err != nil {
				nc.Close()
				return err
			}
			defer c.Close()
			_, err = c.Write(f, []byte("short\n"+strings.Repeat("x", 100)+"\nlast\n"))
			return err
		})
		nc, err := ln.Accept(f)
		if err != nil {
			return err
		}
		c, err := fnet.NewConn(f, nc)
		if err != nil {
			nc.Close()
			return err
		}
		defer c.Close()
		for {
			line, err := c.ReadLine(f, 32)
			switch {
			case errors.Is(err, fnet.ErrLineTooLong):
				fmt.Println("too long")
			case err != nil:
				fmt.Println(err)
				return nil
			default:
				fmt.Printf("%q\n", line)
			}
		}
	})
	fmt.Println("Run:", err)
	// Output:
	// "short"
	// too long
	// "last"
	// EOF
	// Run: <nil>
}

// ConnMsg is the protocol of a connection actor; it needs no message here.
type ConnMsg interface{ isConnMsg() }

// connection is an actor serving one connection: its fiber carries the
// protocol while the actor keeps serving its mailbox. Stopping the actor
// cancels the fiber, which closes the connection.
type connection struct{ nc net.Conn }

func (connection) Receive(*actor.Self[ConnMsg], ConnMsg) {}

func (a connection) Started(self *actor.Self[ConnMsg]) {
	self.Go("serve", func(f *fiber.Fiber) error {
		c, err := fnet.NewConn(f, a.nc)
		if err != nil {
			a.nc.Close()
			return err
		}
		defer c.Close()
		for {
			line, err := c.ReadLine(f, 512)
			if err != nil {
				return nil
			}
			if _, err := c.Write(f, fmt.Appendf(nil, "%s yourself\n", line)); err != nil {
				return err
			}
		}
	})
}

// listener is an actor that accepts connections and hands each to a child
// actor of its own.
type listener struct{ addr chan<- string }

func (listener) Receive(*actor.Self[ConnMsg], ConnMsg) {}

func (a listener) Started(self *actor.Self[ConnMsg]) {
	self.Go("accept", func(f *fiber.Fiber) error {
		ln, err := fnet.Listen(f, "tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		a.addr <- ln.Addr().String()
		for {
			nc, err := ln.Accept(f)
			if err != nil {
				return err
			}
			if _, err := actor.SpawnChild(self, "", func() actor.Behavior[ConnMsg] { return connection{nc} }); err != nil {
				nc.Close()
			}
		}
	})
}

// An echo server built of actors: one accepts connections, and each
// connection is served by an actor of its own. Shutting the system down
// stops them all and leaves no goroutine behind.
func ExampleListener() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	addr := make(chan string, 1)
	if _, err := actor.Spawn(sys, "listener", func() actor.Behavior[ConnMsg] { return listener{addr} }); err != nil {
		fmt.Println(err)
		return
	}
	c, err := net.Dial("tcp", <-addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for _, msg := range []string{"hello", "goodbye"} {
		fmt.Fprintf(c, "%s\r\n", msg)
		reply, _ := r.ReadString('\n')
		fmt.Print(reply)
	}
	// Output:
	// hello yourself
	// goodbye yourself
}
