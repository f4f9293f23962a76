package leakcheck_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/weft-go/weft/fiber"
	"github.com/weft-go/weft/leakcheck"
)

// printTB is a testing.TB that prints failures, for the example.
type printTB struct{ testing.TB }

func (printTB) Helper() {}

func (printTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// A test that runs fibers and checks, at its end, that they are all gone.
// In a real test, pass the test's *testing.T; every package's TestMain
// should also call VerifyTestMain:
//
//	func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }
func ExampleVerifyNone() {
	// Examples run with a goroutine of the testing package copying their
	// output: ignore the goroutines that exist before the code under test.
	before := leakcheck.IgnoreCurrent()
	err := fiber.Run(context.Background(), func(f *fiber.Fiber) error {
		child := f.Spawn("worker", func(f *fiber.Fiber) error { return f.Sleep(1) })
		return f.Join(child)
	})
	fmt.Println("run:", err)
	leakcheck.VerifyNone(printTB{}, before) // prints a report only if something leaked
	fmt.Println("checked")
	// Output:
	// run: <nil>
	// checked
}
