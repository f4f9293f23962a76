package server_test

import (
	"testing"

	"github.com/weft-go/weft/leakcheck"
)

// clusterThrottles are the goroutines leak checks ignore: the network
// tests (network_test.go) start nodes on package cluster, whose
// protoactor-go gossip throttles log lines with goroutines that wait out
// a fixed 60-second period and then return: bounded, internal to
// protoactor-go, with no way to stop them (package cluster's tests ignore
// them too). Nothing else is ignored.
var clusterThrottles = []leakcheck.Option{
	leakcheck.IgnoreTopFunction("github.com/asynkron/protoactor-go/cluster.(*Gossiper).StartGossiping.NewThrottle.func3.1"),
	leakcheck.IgnoreTopFunction("github.com/asynkron/protoactor-go/cluster.NewGossipActor.NewThrottleWithLogger.func2.1"),
}

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m, clusterThrottles...) }
