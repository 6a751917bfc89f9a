// Command breaker shows the engine's circuit breaker: after a run of failures it opens and calls
// fail fast without touching the dependency; after a while one probe goes through, and when it
// succeeds the breaker closes again.
//
//	go run ./examples/breaker
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// Inventory is a dependency that is down until it is told otherwise.
type Inventory struct {
	up    bool
	calls int // requests that actually reached it
}

var errDown = errors.New("inventory: 503 service unavailable")

func (inv *Inventory) Stock(context.Context) (int, error) {
	inv.calls++
	if !inv.up {
		return 0, errDown
	}
	return 42, nil
}

func run(w io.Writer) error {
	ctx := context.Background()
	start := time.Now()
	e, err := engine.New(
		engine.WithName("inventory"),
		engine.WithBreaker(breaker.ConsecutiveFailures(3), breaker.OpenFor(500*time.Millisecond)),
		engine.WithHooks(engine.Hooks{OnBreakerChange: func(c engine.BreakerChange) {
			fmt.Fprintf(w, "  [%v] breaker %v -> %v\n", time.Since(start).Round(100*time.Millisecond), c.From, c.To)
		}}),
		engine.Defaults(engine.MaxAttempts(1)), // one attempt per call, to count them plainly
	)
	if err != nil {
		return err
	}
	defer e.Close(ctx)
	inv := &Inventory{}

	call := func(i int) {
		n, err := engine.Do(ctx, e, inv.Stock)
		switch {
		case err == nil:
			fmt.Fprintf(w, "call %d: %d in stock\n", i, n)
		case errors.Is(err, breaker.ErrOpen):
			fmt.Fprintf(w, "call %d: failed fast, breaker open (inventory not called)\n", i)
		default:
			fmt.Fprintf(w, "call %d: %v\n", i, err)
		}
	}
	for i := 1; i <= 5; i++ {
		call(i)
	}
	fmt.Fprintf(w, "inventory saw %d of 5 calls; it recovers, we wait out the open period\n", inv.calls)
	inv.up = true
	time.Sleep(600 * time.Millisecond)
	for i := 6; i <= 7; i++ {
		call(i)
	}
	fmt.Fprintf(w, "inventory saw %d calls in all; state %v\n", inv.calls, e.Breaker().State())
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
