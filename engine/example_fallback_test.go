package engine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func ExampleFallback() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	defer e.Close(context.Background())

	prices := func(context.Context) (float64, error) { return 0, errors.New("pricing service: 503") }
	lastKnown := engine.Fallback(func(_ context.Context, err error) (float64, error) {
		return 9.99, nil // the last price seen, kept for when the service is down
	})
	f, _ := engine.Submit(context.Background(), e, prices, engine.Name("price"), lastKnown)
	v, err := f.Await(context.Background())
	fmt.Println(v, err)
	fmt.Println("replaced:", f.Replaced())
	fmt.Println("fell back:", e.Stats().FellBack)
	// Output:
	// 9.99 <nil>
	// replaced: engine: price: gave up after 3 attempts (exhausted): last error: pricing service: 503
	// fell back: 1
}
