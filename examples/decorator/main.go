// Command decorator shows engine.Wrap: a function gets retries built in and keeps its shape, so
// the code that calls it does not change.
//
//	go run ./examples/decorator
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// Rates is a currency service that drops every other request.
type Rates struct{ calls int }

var errDropped = errors.New("connection dropped")

// Rate returns the exchange rate of a currency to the euro.
func (r *Rates) Rate(_ context.Context, currency string) (float64, error) {
	r.calls++
	if r.calls%2 == 1 {
		return 0, errDropped
	}
	rates := map[string]float64{"USD": 1.08, "GBP": 0.85, "JPY": 162.4}
	rate, ok := rates[currency]
	if !ok {
		return 0, engine.Permanent(fmt.Errorf("currency %q: unknown", currency))
	}
	return rate, nil
}

// Retrying decorates any func(ctx, A) (T, error) with retries on e: each call is one call of
// the engine, built with engine.Wrap around the argument it was given.
func Retrying[A, T any](e *engine.Engine, f func(context.Context, A) (T, error), opts ...engine.CallOption) func(context.Context, A) (T, error) {
	return func(ctx context.Context, a A) (T, error) {
		return engine.Wrap(e, func(ctx context.Context) (T, error) { return f(ctx, a) }, opts...)(ctx)
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	e, err := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(20 * time.Millisecond))))
	if err != nil {
		return err
	}
	defer e.Close(ctx)
	rates := &Rates{}

	// Wrap turns an operation without arguments into a retrying function of the same type.
	usd := engine.Wrap(e, func(ctx context.Context) (float64, error) { return rates.Rate(ctx, "USD") })
	rate, err := usd(ctx)
	fmt.Fprintf(w, "USD: %.2f, err: %v (service calls so far: %d)\n", rate, err, rates.calls)

	// A method with an argument, decorated once and called like the original.
	rate2 := Retrying(e, rates.Rate, engine.Name("rate"), engine.MaxAttempts(2))
	for _, c := range []string{"GBP", "JPY", "XYZ"} {
		rate, err := rate2(ctx, c)
		fmt.Fprintf(w, "%s: %.2f, err: %v\n", c, rate, err)
	}
	fmt.Fprintf(w, "service calls: %d, engine attempts: %d\n", rates.calls, e.Stats().Attempts)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
