package engine_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/recur-go/recur/engine"
)

// A rate limit of 4 calls a second per key, in bursts of 2: the burst goes at once, the calls
// after it wait for their turn in the key's queue (holding no goroutine), and a call that asks
// not to wait is refused instead.
func ExampleWithRateLimit() {
	e, _ := engine.New(engine.WithRateLimit(4, 2))
	defer e.Close(context.Background())
	ctx := context.Background()
	fetch := func(context.Context) (string, error) { return "page", nil }

	var fs []*engine.Future[string]
	for range 4 {
		f, _ := engine.Submit(ctx, e, fetch, engine.Key("api.example.com"))
		fs = append(fs, f)
	}
	p, _ := e.Pacing("api.example.com")
	fmt.Printf("rate %v/s, %d waiting for their turn\n", p.Rate, p.Waiting)

	_, err := engine.Submit(ctx, e, fetch, engine.Key("api.example.com"), engine.OnRateLimit(engine.FailIfLimited))
	fmt.Println(errors.Is(err, engine.ErrRateLimited), err)

	for i, f := range fs {
		v, _ := f.Await(ctx) // the last two come 250ms apart
		fmt.Println(i, v)
	}
	s := e.Stats()
	fmt.Println("paced:", s.Paced, "refused:", s.RateLimited)
	// Output:
	// rate 4/s, 2 waiting for their turn
	// true engine: rate limited
	// 0 page
	// 1 page
	// 2 page
	// 3 page
	// paced: 2 refused: 1
}
