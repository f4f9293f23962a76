package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	clustering "github.com/asynkron/protoactor-go/cluster"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// EtcdConfig configures the [Etcd] provider.
type EtcdConfig struct {
	// Endpoints are the etcd cluster's client URLs, such as
	// "http://127.0.0.1:2379". Required.
	Endpoints []string
	// Prefix is the key prefix under which members register; the default
	// is "/weft/cluster". Each cluster name has its own keys below it.
	Prefix string
	// TTL is the lease of a member's key (rounded up to whole seconds): a
	// member that dies without leaving drops out of the others' view
	// within about TTL. The default is 5 seconds.
	TTL time.Duration
	// DialTimeout bounds the connection to etcd when the member joins;
	// the default is 5 seconds.
	DialTimeout time.Duration
}

// Etcd returns a provider that keeps the member list in etcd: each member
// puts a key under the cluster's prefix, bound to a lease it keeps alive,
// and watches the prefix; a member that leaves revokes its lease, so that
// the others see it go at once. It is Weft's own provider (protoactor-go's
// etcd provider never closes its client), for etcd 3.4 and later.
func Etcd(cfg EtcdConfig) Provider { return etcdProvider{cfg} }

type etcdProvider struct{ cfg EtcdConfig }

func (p etcdProvider) provider() (clustering.ClusterProvider, error) {
	if len(p.cfg.Endpoints) == 0 {
		return nil, errors.New("cluster: Etcd: no endpoints")
	}
	cfg := p.cfg
	if cfg.Prefix == "" {
		cfg.Prefix = "/weft/cluster"
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 5 * time.Second
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	return &etcdMembers{cfg: cfg}, nil
}

// etcdMembers is the protoactor cluster provider of Etcd.
type etcdMembers struct {
	cfg    EtcdConfig
	c      *clustering.Cluster
	client *clientv3.Client
	prefix string // the cluster's keys: cfg.Prefix/name/
	lease  clientv3.LeaseID
	cancel context.CancelFunc
	wg     sync.WaitGroup // the keep-alive and watch goroutines
	once   sync.Once
}

// etcdMember is the value of a member's key.
type etcdMember struct {
	ID    string   `json:"id"`
	Host  string   `json:"host"`
	Port  int      `json:"port"`
	Kinds []string `json:"kinds"`
}

func (p *etcdMembers) StartMember(c *clustering.Cluster) error { return p.start(c, true) }

func (p *etcdMembers) StartClient(c *clustering.Cluster) error { return p.start(c, false) }

func (p *etcdMembers) start(c *clustering.Cluster, register bool) error {
	p.c = c
	p.prefix = strings.TrimSuffix(p.cfg.Prefix, "/") + "/" + c.Config.Name + "/"
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   p.cfg.Endpoints,
		DialTimeout: p.cfg.DialTimeout,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return fmt.Errorf("cluster: etcd: %w", err)
	}
	p.client = client
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	fail := func(err error) error {
		cancel()
		p.wg.Wait()
		_ = client.Close()
		return fmt.Errorf("cluster: etcd: %w", err)
	}
	if register {
		host, port, err := c.ActorSystem.GetHostPort()
		if err != nil {
			return fail(err)
		}
		val, _ := json.Marshal(etcdMember{ID: c.ActorSystem.ID, Host: host, Port: port, Kinds: c.GetClusterKinds()})
		tctx, tcancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
		defer tcancel()
		secs := int64((p.cfg.TTL + time.Second - 1) / time.Second)
		lease, err := client.Grant(tctx, secs)
		if err != nil {
			return fail(err)
		}
		p.lease = lease.ID
		if _, err := client.Put(tctx, p.prefix+c.ActorSystem.ID, string(val), clientv3.WithLease(lease.ID)); err != nil {
			return fail(err)
		}
		alive, err := client.KeepAlive(ctx, lease.ID)
		if err != nil {
			return fail(err)
		}
		p.wg.Add(1)
		go func() { // drains the keep-alive answers until ctx ends
			defer p.wg.Done()
			for range alive {
			}
		}()
	}
	tctx, tcancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer tcancel()
	rev, err := p.publish(tctx)
	if err != nil {
		return fail(err)
	}
	events := client.Watch(ctx, p.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
	p.wg.Add(1)
	go p.watch(ctx, events)
	return nil
}

// watch publishes the member list again whenever it changes, until ctx
// ends.
func (p *etcdMembers) watch(ctx context.Context, events clientv3.WatchChan) {
	defer p.wg.Done()
	for range events {
		if _, err := p.publish(ctx); err != nil && ctx.Err() == nil {
			p.c.Logger().Warn("cluster: etcd: reading the members", "error", err)
		}
	}
}

// publish reads the member list and hands it to protoactor's member list,
// which publishes the topology; it returns the revision read.
func (p *etcdMembers) publish(ctx context.Context) (int64, error) {
	resp, err := p.client.Get(ctx, p.prefix, clientv3.WithPrefix())
	if err != nil {
		return 0, err
	}
	var members clustering.Members
	for _, kv := range resp.Kvs {
		var m etcdMember
		if err := json.Unmarshal(kv.Value, &m); err != nil {
			p.c.Logger().Warn("cluster: etcd: ignoring a malformed member key", "key", string(kv.Key), "error", err)
			continue
		}
		members = append(members, &clustering.Member{Id: m.ID, Host: m.Host, Port: int32(m.Port), Kinds: m.Kinds})
	}
	p.c.MemberList.UpdateClusterTopology(members)
	return resp.Header.Revision, nil
}

// Shutdown revokes the member's lease (its key goes with it), stops the
// goroutines and closes the client. Later calls do nothing.
func (p *etcdMembers) Shutdown(bool) error {
	var err error
	p.once.Do(func() {
		if p.client == nil {
			return
		}
		if p.lease != 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = p.client.Revoke(ctx, p.lease)
			cancel()
		}
		p.cancel()
		p.wg.Wait()
		if cerr := p.client.Close(); err == nil && !errors.Is(cerr, context.Canceled) {
			err = cerr
		}
	})
	return err
}
