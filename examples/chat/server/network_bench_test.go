//go:build !race

package server_test

import (
	"fmt"
	"testing"

	"github.com/weft-go/weft/examples/chat/server"
)

// BenchmarkNetworkFanout measures channel fan-out across the nodes of a
// network (Config.Cluster), with the load of BenchmarkFanout (10 senders,
// every message delivered to every other member, every delivery checked):
// the same clients on a single server (single), on a network of one node
// (nodes=1: every request through the cluster's channel actor) and spread
// over three nodes in this process (nodes=3: the clients of each node
// get the lines of a channel that runs on one of them in one
// chatpb.Deliver per node and turn).
//
//	go test -run '^$' -bench NetworkFanout -benchtime 2000x ./examples/chat/server/
func BenchmarkNetworkFanout(b *testing.B) {
	for _, clients := range []int{100, 300} {
		for _, nodes := range []int{0, 1, 3} {
			name := fmt.Sprintf("nodes=%d/clients=%d", nodes, clients)
			if nodes == 0 {
				name = fmt.Sprintf("single/clients=%d", clients)
			}
			b.Run(name, func(b *testing.B) {
				var addrs []string
				if nodes == 0 {
					addrs = []string{startServer(b, benchConfig()).addr}
				} else {
					for _, s := range startNetworkWith(b, nodes, benchConfig()) {
						addrs = append(addrs, s.addr)
					}
				}
				runFanoutOn(b, addrs, clients)
			})
		}
	}
}

func benchConfig() server.Config {
	return server.Config{
		Flood:  server.Flood{Lines: -1},
		Limits: server.Limits{MaxSendQ: 16 << 20, PingInterval: -1},
	}
}
