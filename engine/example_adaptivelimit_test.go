package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/engine"
)

func ExampleWithAdaptiveLimit() {
	// Each key's limit starts at 20 and follows the dependency: down when it slows or fails, up
	// while it answers in its usual time with the slots in use. Up to 1,000 calls wait per key,
	// holding no goroutine.
	e, _ := engine.New(engine.WithAdaptiveLimit(engine.AdaptiveLimit{Max: 100, Queue: 1000}),
		engine.Defaults(engine.MaxAttempts(1)))
	defer e.Close(context.Background())

	var fail atomic.Bool
	api := func(ctx context.Context) (int, error) {
		time.Sleep(5 * time.Millisecond)
		if fail.Load() {
			return 0, errors.New("503 Service Unavailable")
		}
		return 1, nil
	}
	run := func(n int) int {
		var fs []*engine.Future[int]
		for range n {
			f, _ := engine.Submit(context.Background(), e, api, engine.Key("api"))
			fs = append(fs, f)
		}
		engine.AwaitAll(context.Background(), fs...)
		ks, _ := e.KeyStats("api")
		return ks.Limit
	}

	fmt.Println("at first:", run(1))
	fail.Store(true)
	down := run(200)
	fmt.Println("after failures, lower:", down < 20)
	fail.Store(false)
	fmt.Println("answering again, higher:", run(300) > down)
	// Output:
	// at first: 20
	// after failures, lower: true
	// answering again, higher: true
}
