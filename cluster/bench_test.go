//go:build !race

package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	clustering "github.com/asynkron/protoactor-go/cluster"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
	"github.com/weft-go/weft/fiber"
)

// BenchmarkCrossNodeRequest measures a request round trip from one
// member to a virtual actor on the other member of a two-member cluster
// in this process (loopback gRPC), with Weft and with protoactor-go's own
// cluster request, in one run. The responder is the same activation for
// all: a Weft virtual actor that answers Add; what differs is the asking
// side.
//
//   - Ask: cluster.Ask from a fiber of a Weft actor, one request after
//     the other;
//   - Call: cluster.Call from the benchmark goroutine;
//   - ProtoactorRequest: protoactor-go's Cluster.Request (a future per
//     request, its PID cache) from the benchmark goroutine.
func BenchmarkCrossNodeRequest(b *testing.B) {
	tc := startCluster(b, 2)
	// An identity that lives on member 1, asked through member 0.
	id := ""
	for n := 0; id == ""; n++ {
		cand := fmt.Sprint("bench", n)
		r, err := call(b, tc.ref(0, cand), Where{StringValue: wrapperspb.String("")})
		if err != nil {
			b.Fatal(err)
		}
		if strings.Fields(r.GetValue())[0] == tc.members[1].Addr() {
			id = cand
		}
	}
	target := tc.ref(0, id)
	add := func() Add { return Add{Int64Value: wrapperspb.Int64(1)} }

	b.Run("Ask", func(b *testing.B) {
		b.ReportAllocs()
		done := make(chan error, 1)
		ref, err := actor.Spawn(tc.members[0].System(), "", func() actor.Behavior[int] {
			return actor.BehaviorFunc[int](func(self *actor.Self[int], n int) {
				self.Go("bench", func(f *fiber.Fiber) error {
					for range n {
						if _, err := cluster.Ask(f, target, add()); err != nil {
							done <- err
							return nil
						}
					}
					done <- nil
					return nil
				})
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		defer ref.Stop(context.Background())
		b.ResetTimer()
		ref.Send(b.N)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
	b.Run("Call", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			if _, err := cluster.Call(ctx, target, add()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ProtoactorRequest", func(b *testing.B) {
		b.ReportAllocs()
		c := clustering.GetCluster(tc.members[0].System().Raw())
		for b.Loop() {
			r, err := c.Request(id, "counter", wrapperspb.Int64(1), clustering.WithTimeout(5*time.Second))
			if err != nil {
				b.Fatal(err)
			}
			if _, ok := r.(*wrapperspb.Int64Value); !ok {
				b.Fatalf("reply %T", r)
			}
		}
	})
}
