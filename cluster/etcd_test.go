//go:build !race

package cluster_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/cluster"
)

// startEtcd runs an etcd server (the etcd binary on PATH, such as
// Debian's etcd-server) on a temporary directory and free loopback
// ports, stopped at the end of the test, and returns its client URL. It
// skips the test if etcd is not installed.
func startEtcd(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd is not installed (no etcd on PATH): install Debian's etcd-server to run the etcd provider's tests")
	}
	ports := freePorts(t, 2)
	dir := t.TempDir()
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	cmd := exec.Command(bin,
		"--name", "weft-test", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "weft-test="+peer)
	out, err := cmd.StderrPipe() // etcd logs there
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	// The log says when the server serves clients; the reader ends when
	// the process does.
	ready, read := make(chan struct{}), make(chan struct{})
	var log strings.Builder
	go func(signal chan struct{}) {
		defer close(read)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if signal != nil && strings.Contains(sc.Text(), "ready to serve client requests") {
				close(signal)
				signal = nil
			}
		}
	}(ready)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-read
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("etcd log:\n%s", log.String())
		}
	})
	select {
	case <-ready:
	case <-read:
		t.Fatalf("etcd exited before it served clients")
	case <-time.After(30 * time.Second):
		t.Fatalf("etcd did not serve clients within 30 s")
	}
	return client
}

// startEtcdCluster joins n members with the etcd provider.
func startEtcdCluster(t *testing.T, endpoint string, n int) *testCluster {
	t.Helper()
	return joinMembers(t, fmt.Sprintf("etcd%d", clusterSeq.Add(1)), n, func(int) cluster.Provider {
		return cluster.Etcd(cluster.EtcdConfig{Endpoints: []string{endpoint}, TTL: 2 * time.Second, DialTimeout: 5 * time.Second})
	})
}

func TestEtcd(t *testing.T) {
	endpoint := startEtcd(t)
	tc := startEtcdCluster(t, endpoint, 3)
	for i := range 3 {
		r, err := call(t, tc.ref(i, "e"), Add{Int64Value: wrapperspb.Int64(1)})
		if err != nil || r.GetValue() != int64(i+1) {
			t.Fatalf("Call(Add 1) through member %d = %v, %v; want %d, nil", i, r, err, i+1)
		}
	}
	before := strings.Fields(where(t, tc, 0, "e"))[0]
	host, caller := -1, -1
	for i, m := range tc.members {
		if m.Addr() == before {
			host = i
		} else if caller < 0 {
			caller = i
		}
	}
	if err := tc.members[host].Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	if after := strings.Fields(where(t, tc, caller, "e"))[0]; after == before {
		t.Errorf("after its member left, the activation is still on %s", before)
	}
}

// TestEtcdUnreachable: joining with an etcd endpoint where nothing
// listens fails with an error within the dial timeout.
func TestEtcdUnreachable(t *testing.T) {
	if _, err := exec.LookPath("etcd"); err != nil {
		t.Skip("etcd is not installed (no etcd on PATH)")
	}
	port := freePorts(t, 1)[0]
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	defer sys.Shutdown(context.Background())
	_, err := cluster.Join(sys, cluster.Config{
		Name:     "nowhere",
		Provider: cluster.Etcd(cluster.EtcdConfig{Endpoints: []string{fmt.Sprintf("http://127.0.0.1:%d", port)}, DialTimeout: 500 * time.Millisecond}),
	})
	if err == nil || !strings.Contains(err.Error(), "etcd") {
		t.Errorf("Join() with an unreachable etcd = %v; want an etcd error", err)
	}
}
