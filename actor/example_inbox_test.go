package actor_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/weft-go/weft/actor"
	"github.com/weft-go/weft/fiber"
)

// PrinterMsg is the protocol of the printer actors of the Inbox examples.
type PrinterMsg interface{ printerMsg() }

// OpenInbox asks a printer for its inbox.
type OpenInbox struct {
	actor.Request[PrinterMsg, *actor.Inbox[string]]
}

// Start lets a printer's fiber start taking.
type Start struct {
	actor.Request[PrinterMsg, error] // answered with the error that ended the fiber
}

// TooSlow is a printer's overflow notice.
type TooSlow struct{}

func (OpenInbox) printerMsg() {}
func (Start) printerMsg()     {}
func (TooSlow) printerMsg()   {}

// newPrinter returns a printer: its inbox holds at most limit bytes of
// lines, and its fiber prints the lines it takes, once a Start request
// lets it, then answers that request with the error that ended it.
func newPrinter(limit int) actor.Behavior[PrinterMsg] {
	var in *actor.Inbox[string]
	return actor.BehaviorFunc[PrinterMsg](func(self *actor.Self[PrinterMsg], msg PrinterMsg) {
		switch m := msg.(type) {
		case OpenInbox:
			in = actor.NewInbox(self, limit, func() PrinterMsg { return TooSlow{} },
				actor.InboxWeight(func(line string) int { return len(line) }))
			self.Go("printer", func(f *fiber.Fiber) error {
				start, err := actor.Receive[Start](f)
				if err != nil {
					return err
				}
				var batch []string
				for {
					if batch, err = in.Take(f, batch); err != nil {
						return actor.ReplyTo(self, start).Send(err)
					}
					for _, line := range batch {
						fmt.Println(line)
					}
				}
			})
			actor.ReplyTo(self, m).Send(in)
		case TooSlow:
			fmt.Println("too slow: cut off")
		}
	})
}

// An actor's inbox takes lines from any goroutine without blocking it;
// the actor's fiber takes them in batches. Close lets it drain what is
// queued.
func ExampleInbox() {
	ctx := context.Background()
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	defer sys.Shutdown(ctx)

	printer, _ := actor.Spawn(sys, "printer", func() actor.Behavior[PrinterMsg] { return newPrinter(1024) })
	in, _ := actor.Call(ctx, printer, OpenInbox{})
	for _, line := range []string{"one", "two", "three"} {
		in.TryPush(line) // from main: never blocks
	}
	in.Close()
	err, _ := actor.Call(ctx, printer, Start{})
	fmt.Println("then:", err)
	// Output:
	// one
	// two
	// three
	// then: actor: inbox closed
}

// A push that does not fit overflows the inbox: it closes, drops what it
// held, and its actor gets the notice, before its fiber's Take reports
// the overflow. This is how a server cuts off a slow consumer without
// making anyone wait for it.
func ExampleInbox_overflow() {
	ctx := context.Background()
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	defer sys.Shutdown(ctx)

	printer, _ := actor.Spawn(sys, "printer", func() actor.Behavior[PrinterMsg] { return newPrinter(8) })
	in, _ := actor.Call(ctx, printer, OpenInbox{}) // its fiber does not take yet
	// 4 + 4 bytes fit in 8; 3 more do not.
	pushed := []bool{in.TryPush("four"), in.TryPush("five"), in.TryPush("six")}
	err, _ := actor.Call(ctx, printer, Start{})
	fmt.Println("then:", err)
	fmt.Println("pushed:", pushed)
	// Output:
	// too slow: cut off
	// then: actor: inbox full
	// pushed: [true true false]
}
