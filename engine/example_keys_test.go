package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

func ExampleKey() {
	// One breaker per key: a dead dependency opens its own, never another's.
	e, _ := engine.New(engine.WithBreaker(breaker.ConsecutiveFailures(2)), engine.Defaults(engine.MaxAttempts(1)))
	defer e.Close(context.Background())

	down := func(context.Context) (string, error) { return "", errors.New("connection refused") }
	up := func(context.Context) (string, error) { return "ok", nil }
	for range 2 {
		engine.Do(context.Background(), e, down, engine.Key("billing"))
	}
	_, err := engine.Do(context.Background(), e, up, engine.Key("billing"))
	fmt.Println("billing:", err)
	v, err := engine.Do(context.Background(), e, up, engine.Key("search"))
	fmt.Println("search:", v, err)
	fmt.Println(e.KeyBreaker("billing").State(), e.KeyBreaker("search").State())
	// Output:
	// billing: breaker: open
	// search: ok <nil>
	// open closed
}

func ExampleWithBulkhead() {
	// At most 2 attempts per key at once; up to 100 more wait their turn, holding no goroutine.
	e, _ := engine.New(engine.WithBulkhead(2, 100))
	defer e.Close(context.Background())

	var running, most atomic.Int32
	op := func(context.Context) (int, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		return 1, nil
	}
	var fs []*engine.Future[int]
	for range 10 {
		f, _ := engine.Submit(context.Background(), e, op, engine.Key("db"))
		fs = append(fs, f)
	}
	_, err := engine.AwaitAll(context.Background(), fs...)
	fmt.Println(err, most.Load())
	// Output: <nil> 2
}

func ExampleBreakerClassify() {
	// The breaker judges the dependency, not the retry: by default a Permanent error (the
	// dependency answered: "no such user") is a success. Here a quota error is not counted
	// at all.
	errQuota := errors.New("quota exceeded")
	e, _ := engine.New(engine.WithBreaker(breaker.ConsecutiveFailures(1)))
	defer e.Close(context.Background())

	_, err := engine.Do(context.Background(), e, func(context.Context) (int, error) {
		return 0, engine.Permanent(errQuota)
	}, engine.BreakerClassify(func(err error) breaker.Outcome {
		if errors.Is(err, errQuota) {
			return breaker.Ignored
		}
		return engine.DefaultBreakerClassifier(err)
	}))
	c := e.Breaker().Counts()
	fmt.Println(errors.Is(err, errQuota), c.State, c.Successes, c.Failures)
	// Output: true closed 0 0
}
