// Package remote links an [actor.System] to actor systems of other
// processes (nodes) over protoactor-go's remote layer (gRPC streams), so
// that actors of one node send messages to named actors of another:
//
//	node, err := remote.Listen(sys, "127.0.0.1:7001") // this node
//	defer node.Close()
//	relay := remote.Ref[proto.Message](sys, "127.0.0.1:7002", "relay") // an actor of the other node
//	relay.Send(&chatpb.Line{...})
//
// Messages that cross nodes must be protobuf messages (see the module's
// proto package), registered in the process that receives them. They are
// sent one way, with [actor.Ref.Send]; typed requests ([actor.Ask],
// [actor.Call]) carry their reply address inside the message and do not
// cross nodes. A message to an unreachable node is lost.
//
// The package stands on package actor's escape hatch ([actor.System.Raw],
// [actor.RefOf]), so that programs need not import protoactor-go.
//
// # Concurrency
//
// A [Node]'s methods and [Ref] are safe for concurrent use. Close every
// Node before shutting its system down: Close waits for the node's
// goroutines.
package remote
