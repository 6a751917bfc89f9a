package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func ExampleMap() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	defer e.Close(context.Background())

	errNotFound := errors.New("not found")
	fetch := func(_ context.Context, id int) (string, error) {
		if id == 404 {
			return "", engine.Permanent(errNotFound)
		}
		return fmt.Sprint("page ", id), nil
	}
	ids := []int{1, 2, 404, 4}
	pages := make([]string, len(ids))
	// Results come as the calls settle, each with its index in ids; at most 2 are in flight.
	for i, r := range engine.Map(context.Background(), e, ids, fetch, engine.MaxInFlight(2)) {
		switch { // a break would cancel the calls still pending
		case errors.Is(r.Err, errNotFound): // r.Err is the call's *RetryError, which wraps it
			pages[i] = "not found"
		case r.Err != nil:
			pages[i] = "error: " + r.Err.Error()
		default:
			pages[i] = r.Value
		}
	}
	fmt.Println(strings.Join(pages, "; "))
	// Output:
	// page 1; page 2; not found; page 4
}

func ExampleSubmitAll() {
	e, _ := engine.New()
	defer e.Close(context.Background())

	var ops []func(context.Context) (int, error)
	for _, n := range []int{1, 2, 3} {
		ops = append(ops, func(context.Context) (int, error) { return n * 10, nil })
	}
	// One hand-off for every op; the futures come back in the order of ops.
	fs, err := engine.SubmitAll(context.Background(), e, ops)
	if err != nil { // the batch was not admitted: the engine is closed, a bad option, ...
		panic(err)
	}
	vs, err := engine.AwaitAll(context.Background(), fs...)
	fmt.Println(vs, err)
	// Output:
	// [10 20 30] <nil>
}

func ExampleWrap1() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	defer e.Close(context.Background())

	tries := 0
	lookup := func(_ context.Context, user string) (int, error) {
		if tries++; tries < 3 {
			return 0, errors.New("timeout")
		}
		return len(user), nil
	}
	// The options are resolved here, once; every call retries with them.
	get := engine.Wrap1(e, lookup, engine.MaxAttempts(5))
	v, err := get(context.Background(), "gopher")
	fmt.Println(v, err, tries)
	// Output:
	// 6 <nil> 3
}

func ExampleWrap2() {
	e, _ := engine.New()
	defer e.Close(context.Background())

	add := engine.Wrap2(e, func(_ context.Context, a, b int) (int, error) { return a + b, nil })
	fmt.Println(add(context.Background(), 2, 3))
	// Output:
	// 5 <nil>
}
