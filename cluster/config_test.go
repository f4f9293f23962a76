package cluster_test

import (
	"log/slog"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
)

// TestJoinErrors: invalid configurations are refused with a clear error,
// before anything starts.
func TestJoinErrors(t *testing.T) {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { _ = sys.Shutdown(t.Context()) })
	am := cluster.Automanaged(cluster.AutomanagedConfig{Port: 7999, Peers: []string{"127.0.0.1:7999"}})
	k0, k1 := newKind(nil, nil), newKind(nil, nil)
	for _, c := range []struct {
		name string
		cfg  cluster.Config
		want string
	}{
		{"no name", cluster.Config{Provider: am}, "empty cluster name"},
		{"no provider", cluster.Config{Name: "x"}, "no provider"},
		{"address without port", cluster.Config{Name: "x", Provider: am, Address: "127.0.0.1"}, "address"},
		{"bad port", cluster.Config{Name: "x", Provider: am, Address: "127.0.0.1:port"}, "address"},
		{"automanaged port", cluster.Config{Name: "x", Provider: cluster.Automanaged(cluster.AutomanagedConfig{Port: 0, Peers: []string{"a:1"}})}, "port 0 out of range"},
		{"automanaged peers", cluster.Config{Name: "x", Provider: cluster.Automanaged(cluster.AutomanagedConfig{Port: 1})}, "no peers"},
		{"etcd endpoints", cluster.Config{Name: "x", Provider: cluster.Etcd(cluster.EtcdConfig{})}, "no endpoints"},
		{"kind twice", cluster.Config{Name: "x", Provider: am, Kinds: []cluster.HostedKind{k0, k1}}, `kind "counter" listed twice`},
	} {
		m, err := cluster.Join(sys, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "cluster: ") {
			if m != nil {
				_ = m.Shutdown(t.Context())
			}
			t.Errorf("%s: Join() = %v; want an error with %q", c.name, err, c.want)
		}
	}
}

// Requests of TestAcceptPanics.
type (
	noWire struct {
		actor.Request[proto.Message, *wrapperspb.StringValue]
		*wrapperspb.StringValue
		Other *wrapperspb.StringValue // not embedded: fine
	}
	sameWire struct {
		actor.Request[proto.Message, *wrapperspb.StringValue]
		*wrapperspb.StringValue
	}
)

// TestAcceptPanics: a request type whose wire form is taken by another
// request type of the kind is refused. (One that embeds no protobuf
// message, or two, does not compile: it is not a WireRequest.)
func TestAcceptPanics(t *testing.T) {
	k := cluster.NewKind("k", func() actor.Behavior[proto.Message] { return nil })
	cluster.Accept[noWire](k) // one embedded message: accepted
	for name, fn := range map[string]func(){
		"same wire form": func() { cluster.Accept[sameWire](k) },
		"empty kind":     func() { cluster.NewKind("", func() actor.Behavior[proto.Message] { return nil }) },
	} {
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.HasPrefix(p.(string), "cluster: ") {
					t.Errorf("%s: panic %v; want a cluster: panic", name, p)
				}
			}()
			fn()
		}()
	}
}
