package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/weft-go/weft/examples/chat/irc"
	"github.com/weft-go/weft/examples/chat/server"
)

// Example serves on a free port, registers a raw client, and shuts down.
func Example() {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := server.New(server.Config{Name: "irc.example", MOTD: []string{"Hello from Weft"}})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	fmt.Fprint(nc, "NICK alice\r\nUSER alice 0 * :Alice\r\n")
	r := bufio.NewReader(nc)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			panic(err)
		}
		m, _ := irc.Parse(line)
		if m.Command == irc.RplWelcome.Code() || m.Command == irc.RplMotd.Code() {
			fmt.Println(m.Params[1])
		}
		if m.Command == irc.RplEndOfMotd.Code() {
			break
		}
	}

	if err := srv.Shutdown(ctx); err != nil {
		panic(err)
	}
	last, _ := r.ReadString('\n')
	fmt.Println(strings.TrimSpace(last))
	fmt.Println(<-served)
	// Output:
	// Welcome to the Weft IRC Network alice!alice@127.0.0.1
	// - Hello from Weft
	// ERROR :Closing Link: 127.0.0.1 (Server shutting down)
	// server: closed
}

func ExampleServer_Stats() {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := server.New(server.Config{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { srv.Shutdown(ctx); <-served }()

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	fmt.Fprint(nc, "NICK bob\r\nUSER bob 0 * :Bob\r\nJOIN #weft\r\n")
	r := bufio.NewReader(nc)
	for line := ""; !strings.Contains(line, " 366 "); {
		if line, err = r.ReadString('\n'); err != nil {
			panic(err)
		}
	}
	st, err := srv.Stats(ctx)
	fmt.Printf("%+v %v\n", st, err)
	// Output:
	// {Clients:1 Users:1 Channels:1} <nil>
}
