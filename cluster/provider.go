package cluster

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo"

	clustering "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/cluster/clusterproviders/automanaged"
)

// Provider is how members find each other: [Automanaged] needs no
// external service, [Etcd] keeps the member list in etcd. A Provider
// value serves one member.
type Provider interface {
	// provider returns protoactor's provider, and a function that waits
	// for what it started to end once it was shut down (nil: nothing).
	provider() (clustering.ClusterProvider, error)
}

// AutomanagedConfig configures the [Automanaged] provider.
type AutomanagedConfig struct {
	// Port is the TCP port of this member's health endpoint (an HTTP
	// server on all interfaces); it must be free. Required.
	Port int
	// Peers lists every member's health endpoint as host:port, this
	// member's included: the cluster's members are those of Peers that
	// answer. Required.
	Peers []string
	// Refresh is how often the member polls its peers (default 2 s):
	// a member that leaves or dies drops out of the others' view within
	// about Refresh.
	Refresh time.Duration
}

// Automanaged returns protoactor-go's automanaged provider: each member
// serves its state on an HTTP health endpoint and polls those of its
// peers, listed in advance. It needs no external service, which suits
// tests (three members in one process on loopback) and small fixed
// deployments.
//
// The health server listens on all interfaces. After the member shuts
// down, the provider's polling goroutine (owned by protoactor-go, with no
// handle to stop or wait for it) ends within one Refresh plus one poll of
// the peers (bounded by a 2 s HTTP timeout), and protoactor-go logs
// "Automanaged server stopping..!" at Error level to the system's logger
// when the health server closes: that is the normal end.
func Automanaged(cfg AutomanagedConfig) Provider { return automanagedProvider{cfg} }

type automanagedProvider struct{ cfg AutomanagedConfig }

func (p automanagedProvider) provider() (clustering.ClusterProvider, error) {
	if p.cfg.Port <= 0 || p.cfg.Port > 65535 {
		return nil, fmt.Errorf("cluster: Automanaged: port %d out of range", p.cfg.Port)
	}
	if len(p.cfg.Peers) == 0 {
		return nil, fmt.Errorf("cluster: Automanaged: no peers (list every member's health endpoint, this one's included)")
	}
	refresh := p.cfg.Refresh
	if refresh <= 0 {
		refresh = 2 * time.Second
	}
	// protoactor's provider prints a line on stdout when it starts its
	// own health server; give it a quiet one, with the same endpoint.
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	w := &automanagedMember{port: p.cfg.Port}
	e.GET("/_health", w.health)
	w.ClusterProvider = automanaged.NewWithTesting(refresh, p.cfg.Port, e, p.cfg.Peers...)
	return w, nil
}

// automanagedMember is protoactor's automanaged provider with Weft's
// health server, which serves the member's state once it starts.
type automanagedMember struct {
	clustering.ClusterProvider
	port int
	c    atomic.Pointer[clustering.Cluster]
}

func (w *automanagedMember) StartMember(c *clustering.Cluster) error {
	w.c.Store(c)
	return w.ClusterProvider.StartMember(c)
}

// health answers the peers' polls as protoactor's provider does.
func (w *automanagedMember) health(ctx echo.Context) error {
	c := w.c.Load()
	if c == nil {
		return ctx.NoContent(http.StatusServiceUnavailable)
	}
	host, port, err := c.ActorSystem.GetHostPort()
	if err != nil {
		return ctx.NoContent(http.StatusServiceUnavailable)
	}
	return ctx.JSON(http.StatusOK, automanaged.NewNode(c.Config.Name, c.ActorSystem.ID, host, port, w.port, c.GetClusterKinds()))
}
