package actor_test

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/weft-go/weft/actor"
)

func TestZZIdleProfile(t *testing.T) {
	if os.Getenv("IDLEPROF") == "" {
		t.Skip()
	}
	runtime.MemProfileRate = 1
	sys := newSystem(t)
	started := make(chan struct{}, 10000)
	for range 10000 {
		if _, err := actor.Spawn(sys, "", func() actor.Behavior[int] { return &idleActor{started: started} }); err != nil {
			t.Fatal(err)
		}
	}
	for range 10000 {
		<-started
	}
	runtime.GC()
	f, _ := os.Create(os.Getenv("IDLEPROF"))
	pprof.Lookup("heap").WriteTo(f, 0)
	f.Close()
}
