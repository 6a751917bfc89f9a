package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

func ExampleSubmit() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	defer e.Close(context.Background())

	// Submit returns at once; the calls run on the engine's workers meanwhile.
	var fs []*engine.Future[string]
	for _, id := range []int{1, 2, 3} {
		f, err := engine.Submit(context.Background(), e, func(context.Context) (string, error) {
			return fmt.Sprintf("user %d", id), nil
		}, engine.Name("lookup"))
		if err != nil { // not admitted: the engine is closed, the context ended, a bad option
			panic(err)
		}
		fs = append(fs, f)
	}
	for _, f := range fs {
		v, err := f.Await(context.Background())
		fmt.Println(v, err)
	}
	// Output:
	// user 1 <nil>
	// user 2 <nil>
	// user 3 <nil>
}

func ExampleAwaitAll() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Immediate())))
	defer e.Close(context.Background())

	errNoSuchUser := errors.New("no such user")
	var fs []*engine.Future[string]
	for _, id := range []int{7, 8, 9} {
		f, _ := engine.Submit(context.Background(), e, func(context.Context) (string, error) {
			if id == 8 {
				return "", engine.Permanent(errNoSuchUser)
			}
			return fmt.Sprint("user ", id), nil
		})
		fs = append(fs, f)
	}
	// The results come in the order of the futures; the error joins those of the calls that
	// failed, whose results are zero.
	vs, err := engine.AwaitAll(context.Background(), fs...)
	fmt.Printf("%q\n", vs)
	fmt.Println(errors.Is(err, errNoSuchUser), errors.Is(err, engine.ErrPermanent))
	// Output:
	// ["user 7" "" "user 9"]
	// true true
}

// response stands for what a client returns: an answer, possibly an error one, with no error.
type response struct {
	Status int
	Body   string
}

func ExampleClassifyResult() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Immediate())))
	defer e.Close(context.Background())

	statuses := []int{503, 503, 200}
	n := 0
	get := func(context.Context) (response, error) {
		r := response{Status: statuses[n], Body: fmt.Sprint("answer ", n+1)}
		n++
		return r, nil
	}
	// The classifier sees the result as well as the error: a 503 that came with a nil error is
	// retried. Its type parameter is the call's result type (response); Submit and Do reject a
	// classifier for another type before anything runs.
	r, err := engine.Do(context.Background(), e, get,
		engine.ClassifyResult(func(r response, err error) engine.Decision {
			if err == nil && r.Status == 503 {
				return engine.Retry()
			}
			return engine.DefaultClassifier(err)
		}))
	fmt.Println(r.Status, r.Body, err)

	_, err = engine.Do(context.Background(), e, func(context.Context) (int, error) { return 1, nil },
		engine.ClassifyResult(func(r response, err error) engine.Decision { return engine.Accept() }))
	fmt.Println(err)
	// Output:
	// 200 answer 3 <nil>
	// engine: ClassifyResult for func(engine_test.response, error) engine.Decision given to a call returning int
}

func ExampleWithBreaker() {
	e, _ := engine.New(
		engine.WithBreaker(breaker.ConsecutiveFailures(3), breaker.OpenFor(50*time.Millisecond)),
		engine.WithHooks(engine.Hooks{OnBreakerChange: func(c engine.BreakerChange) {
			fmt.Println("breaker:", c.From, "->", c.To)
		}}),
		engine.Defaults(engine.Backoff(backoff.Immediate())))
	defer e.Close(context.Background())

	healthy := false
	op := func(context.Context) (string, error) {
		if !healthy {
			return "", errors.New("connection refused")
		}
		return "ok", nil
	}
	// Three failed attempts open the breaker: the call stops, and the next one is refused
	// without running.
	_, err := engine.Do(context.Background(), e, op, engine.MaxAttempts(5))
	fmt.Println(errors.Is(err, breaker.ErrOpen), err)
	_, err = engine.Do(context.Background(), e, op)
	fmt.Println(err)

	// Once the open duration has passed, a probe goes through; its success closes the breaker.
	healthy = true
	time.Sleep(60 * time.Millisecond)
	v, err := engine.Do(context.Background(), e, op)
	fmt.Println(v, err)
	// Output:
	// breaker: closed -> open
	// true engine: gave up after 3 attempts (breaker open): breaker: open: last error: connection refused
	// breaker: open
	// breaker: open -> half-open
	// breaker: half-open -> closed
	// ok <nil>
}

func ExampleWithHooks() {
	e, _ := engine.New(
		engine.Defaults(engine.Backoff(backoff.Constant(10*time.Millisecond))),
		engine.WithHooks(engine.Hooks{
			OnRetry: func(r engine.RetryScheduled) {
				fmt.Printf("%s: attempt %d in %v after: %v\n", r.Name, r.Attempt, r.Delay, r.Err)
			},
			OnSettled: func(s engine.Settled) {
				fmt.Printf("%s: settled after %d attempts, success %v\n", s.Name, s.Attempts, s.Success)
			},
		}))
	defer e.Close(context.Background())

	_, _ = engine.Do(context.Background(), e, flakyFetch(), engine.Name("fetch"))
	// Output:
	// fetch: attempt 2 in 10ms after: unexpected EOF
	// fetch: attempt 3 in 10ms after: unexpected EOF
	// fetch: settled after 3 attempts, success true
}

func ExampleEngine_Stats() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Immediate())))
	defer e.Close(context.Background())

	_, _ = engine.Do(context.Background(), e, flakyFetch())
	_, _ = engine.Do(context.Background(), e, func(context.Context) (int, error) { return 0, io.EOF })
	_, _ = engine.Do(context.Background(), e, func(context.Context) (int, error) {
		return 0, engine.Permanent(io.EOF)
	})

	s := e.Stats()
	fmt.Println("submitted", s.Submitted, "succeeded", s.Succeeded, "failed", s.Failed(), "pending", s.Pending)
	fmt.Println("attempts", s.Attempts, "retries", s.Retries)
	for r := range s.FailedBy {
		if n := s.FailedFor(engine.Reason(r)); n > 0 {
			fmt.Println(engine.Reason(r), n)
		}
	}
	// Output:
	// submitted 3 succeeded 1 failed 2 pending 0
	// attempts 7 retries 4
	// exhausted 1
	// permanent 1
}
