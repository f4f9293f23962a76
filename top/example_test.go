package top_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/top"
)

// NapMsg is the protocol of the napper below.
type NapMsg interface{ isNapMsg() }

// Nap asks the napper to start a nap; it answers once the nap's fiber is
// suspended.
type Nap struct {
	actor.Request[NapMsg, string]
}

func (Nap) isNapMsg() {}

// Handler serves the actor table over HTTP, as text or, as here, JSON.
func ExampleHandler() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())
	napper, _ := actor.Spawn(sys, "napper", func() actor.Behavior[NapMsg] {
		return actor.BehaviorFunc[NapMsg](func(self *actor.Self[NapMsg], msg NapMsg) {
			self.Go("nap", func(f *fiber.Fiber) error { return f.Sleep(time.Hour) })
			actor.ReplyTo(self, msg.(Nap)).Send("napping")
		})
	})
	if _, err := actor.Call(context.Background(), napper, Nap{}); err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(top.Handler(sys)) // mux.Handle("/debug/weft/top", ...) in a real server
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/debug/weft/top?format=json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var doc struct {
		Actors []struct {
			Actor  string `json:"actor"`
			Fibers []struct {
				Name      string `json:"name"`
				State     string `json:"state"`
				WaitingOn string `json:"waiting_on"`
			} `json:"fibers"`
		} `json:"actors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range doc.Actors {
		for _, f := range a.Fibers {
			fmt.Println(a.Actor, f.Name, f.State, f.WaitingOn)
		}
	}
	// Output: nonhost/napper nap suspended sleep 1h0m0s
}
