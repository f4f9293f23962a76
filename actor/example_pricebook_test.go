package actor_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// PriceMsg is the protocol of the price book below (the README's taste).
type PriceMsg interface{ priceMsg() }

// Price is the reply to a Quote.
type Price struct{ Value float64 }

// Quote is a request of PriceMsg answered with a Price.
type Quote struct {
	actor.Request[PriceMsg, Price]
	Symbol string
}

// Update sets a symbol's price.
type Update struct {
	Symbol string
	Value  float64
}

func (Quote) priceMsg()  {}
func (Update) priceMsg() {}

func newPriceBook() actor.Behavior[PriceMsg] {
	book := map[string]float64{}
	return actor.BehaviorFunc[PriceMsg](func(self *actor.Self[PriceMsg], msg PriceMsg) {
		switch m := msg.(type) {
		case Update:
			book[m.Symbol] = m.Value
		case Quote:
			reply := actor.ReplyTo(self, m) // valid across suspensions
			self.Go("quote "+m.Symbol, func(f *fiber.Fiber) error {
				if err := f.Sleep(10 * time.Millisecond); err != nil { // the actor keeps serving
					return reply.Fail(err)
				}
				return reply.Send(Price{Value: book[m.Symbol]}) // reply.Send("oops") does not compile
			})
		}
	})
}

// A responder answers from a fiber after a suspension, through the Reply
// it took in the turn that delivered the request; the asker's Call infers
// the reply's type from the request.
func ExampleReplyTo() {
	ctx := context.Background()
	sys := actor.NewSystem()
	defer sys.Shutdown(ctx)

	prices, _ := actor.Spawn(sys, "prices", newPriceBook)
	prices.Send(Update{"ACME", 101})
	p, err := actor.Call(ctx, prices, Quote{Symbol: "ACME"}) // p is a Price
	fmt.Println(p.Value, err)

	fmt.Println("stop:", prices.Stop(ctx))
	_, err = actor.Call(ctx, prices, Quote{Symbol: "ACME"})
	fmt.Println("after stop:", errors.Is(err, actor.ErrDeadTarget))
	// Output:
	// 101 <nil>
	// stop: <nil>
	// after stop: true
}
