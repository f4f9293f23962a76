package remote

import (
	"fmt"
	"net"
	"strconv"
	"sync"

	pa "github.com/asynkron/protoactor-go/actor"
	parem "github.com/asynkron/protoactor-go/remote"

	"github.com/weft-go/weft/actor"
)

// Node is an actor system's listener for other nodes: once it runs, the
// system's named actors are reachable from other nodes at the node's
// address (see [Ref]), with protobuf messages, and its actors can reach
// theirs.
//
// Create one with [Listen]; the zero value is not usable and a Node must
// not be copied.
type Node struct {
	r    *parem.Remote
	addr string

	once sync.Once // guards the shutdown
}

// Listen starts listening for other nodes on hostport (port 0 picks a
// free port) for the actors of sys. It returns an error if hostport is
// malformed or cannot be listened on. Close the Node before shutting sys
// down.
func Listen(sys *actor.System, hostport string) (_ *Node, err error) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, fmt.Errorf("remote: address %q: %w", hostport, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("remote: address %q: %w", hostport, err)
	}
	r := parem.NewRemote(sys.Raw(), parem.Configure(host, port))
	defer func() {
		if p := recover(); p != nil { // Start panics if it cannot listen
			err = fmt.Errorf("remote: listening on %s: %v", hostport, p)
		}
	}()
	r.Start()
	return &Node{r: r, addr: sys.Raw().Address()}, nil
}

// Addr returns the address other nodes reach this one at, as host:port.
func (n *Node) Addr() string { return n.addr }

// Close stops the listener and the connections to other nodes, and waits
// for them. It is safe to call more than once; later calls do nothing.
func (n *Node) Close() {
	n.once.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				// protoactor's endpointManager.stop sends on the closed
				// disconnect channel of an endpoint reader whose stream
				// failed (the peer stopped first) and panics before it
				// stops the gRPC server; stop it now.
				n.r.Shutdown(false)
			}
		}()
		n.r.Shutdown(true)
	})
}

// Ref returns a reference to the actor named name on the node at addr
// (host:port), through which the actors of sys, whose [Node] must be
// listening, send it messages. Nothing checks that the actor exists or
// speaks M: the protocol is agreed between the nodes, and its messages
// must be protobuf messages. Messages to an unreachable node are lost.
func Ref[M any](sys *actor.System, addr, name string) actor.Ref[M] {
	return actor.RefOf[M](sys, pa.NewPID(addr, name))
}
