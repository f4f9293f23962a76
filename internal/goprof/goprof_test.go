package goprof_test

import (
	"context"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/weft-go/weft/internal/goprof"
	"github.com/weft-go/weft/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// profile is a debug=1 goroutine profile as the runtime writes it: frame
// lines padded with a varying number of tabs, a group with labels.
const profile = "goroutine profile: total 3\n" +
	"2 @ 0x1 0x2\n" +
	"# labels: {\"weft.actor\":\"$1\", \"weft.fiber\":\"nap\"}\n" +
	"#\t0x4a\tgithub.com/weft-go/weft/fiber.(*Fiber).suspend+0x1\t\t/src/fiber/fiber.go:231\n" +
	"#\t0x4b\truntime.gopark+0x2\t\t\t\t/go/src/runtime/proc.go:1\n" +
	"#\t0x4c\tmain.work+0x36\t\t\t\t\t/src/main.go:3\n" +
	"\n" +
	"1 @ 0x3\n" +
	"#\t0x5a\tmain.main+0x9a\t_testmain.go:46\n"

// TestParse checks the groups, counts, labels and frames read from a
// profile, and the stack format (runtime frames left out).
func TestParse(t *testing.T) {
	gs := goprof.Parse([]byte(profile))
	if len(gs) != 2 {
		t.Fatalf("Parse() = %d groups; want 2", len(gs))
	}
	g := gs[0]
	if g.Count != 2 || g.Labels["weft.fiber"] != "nap" || g.Labels["weft.actor"] != "$1" || len(g.Frames) != 3 {
		t.Errorf("group 0 = %+v; want count 2, labels of nap, 3 frames", g)
	}
	if f := g.Frames[2]; f.Func != "main.work" || f.Pos != "/src/main.go:3" {
		t.Errorf("frame = %+v; want main.work at /src/main.go:3", f)
	}
	want := "github.com/weft-go/weft/fiber.(*Fiber).suspend\n\t/src/fiber/fiber.go:231\nmain.work\n\t/src/main.go:3\n"
	if got := g.Stack(); got != want {
		t.Errorf("Stack() = %q; want %q", got, want)
	}
	if !g.HasLabels(map[string]string{"weft.fiber": "nap"}) || g.HasLabels(map[string]string{"weft.fiber": "x"}) {
		t.Errorf("HasLabels is wrong")
	}
	if !g.Has("main.") || g.Has("net.") {
		t.Errorf("Has is wrong")
	}
	if gs[1].Count != 1 || len(gs[1].Labels) != 0 || gs[1].Frames[0].Pos != "_testmain.go:46" {
		t.Errorf("group 1 = %+v", gs[1])
	}
}

// TestFind checks that a live goroutine is found by its labels.
func TestFind(t *testing.T) {
	stop, parked := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go pprof.Do(context.Background(), pprof.Labels("goprof.test", "parked"), func(context.Context) {
		defer close(done)
		close(parked)
		<-stop
	})
	<-parked
	gs := goprof.Find(map[string]string{"goprof.test": "parked"})
	close(stop)
	<-done
	if len(gs) != 1 || !strings.Contains(gs[0].Stack(), "goprof_test.TestFind") {
		t.Fatalf("Find() = %+v; want the parked goroutine", gs)
	}
}

// TestStacks checks the index of fiber and turn stacks: a fiber's
// coroutine and a turn's goroutine are indexed; a goroutine that only
// inherited a fiber's labels (no fiber body on its stack) is not.
func TestStacks(t *testing.T) {
	const p = "goroutine profile: total 3\n" +
		"1 @ 0x1\n" +
		"# labels: {\"weft.actor\":\"a\", \"weft.fiber.id\":\"7\"}\n" +
		"#\t0x1\tmain.wait+0x1\t/src/main.go:1\n" +
		"#\t0x2\t" + goprof.FiberBody + "+0x2\t/src/fiber.go:2\n" +
		"\n" +
		"1 @ 0x2\n" +
		"# labels: {\"weft.actor\":\"a\", \"weft.fiber.id\":\"7\"}\n" +
		"#\t0x3\tmain.timerCallback+0x1\t/src/main.go:3\n" +
		"\n" +
		"1 @ 0x3\n" +
		"# labels: {\"weft.actor\":\"a\", \"weft.turn\":\"handler\"}\n" +
		"#\t0x4\tmain.handle+0x1\t/src/main.go:4\n" +
		"#\t0x5\t" + goprof.TurnBody + "+0x1\t/src/host.go:5\n"
	got := goprof.Stacks(goprof.Parse([]byte(p)))
	want := map[goprof.Code]string{
		{Actor: "a", Fiber: "7"}: "main.wait\n\t/src/main.go:1\n" + goprof.FiberBody + "\n\t/src/fiber.go:2\n",
		{Actor: "a"}:             "main.handle\n\t/src/main.go:4\n" + goprof.TurnBody + "\n\t/src/host.go:5\n",
	}
	if len(got) != len(want) {
		t.Fatalf("Stacks() = %q; want %q", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("Stacks()[%v] = %q; want %q", k, got[k], w)
		}
	}
}
