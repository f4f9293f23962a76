package supervision_test

import (
	"context"

	"github.com/weft-go/weft/fiber"
)

// panicErr returns the *fiber.PanicError of a fiber that panicked with v.
func panicErr(v any) error {
	return fiber.Run(context.Background(), func(*fiber.Fiber) error { panic(v) })
}
