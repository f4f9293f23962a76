package cluster_test

import (
	"testing"

	"github.com/weft-go/weft/leakcheck"
)

// protoactor-go's gossip throttles log lines with goroutines that wait
// out a fixed 60-second period after the first gossip of each period and
// then return: bounded, internal to protoactor-go, and with no way to
// stop them or shorten the period.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m,
		leakcheck.IgnoreTopFunction("github.com/asynkron/protoactor-go/cluster.(*Gossiper).StartGossiping.NewThrottle.func3.1"),
		leakcheck.IgnoreTopFunction("github.com/asynkron/protoactor-go/cluster.NewGossipActor.NewThrottleWithLogger.func2.1"),
	)
}
