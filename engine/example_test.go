package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// A flaky operation: fails twice, then answers.
func flakyFetch() func(context.Context) (string, error) {
	n := 0
	return func(context.Context) (string, error) {
		n++
		if n < 3 {
			return "", io.ErrUnexpectedEOF
		}
		return "hello", nil
	}
}

func Example() {
	e, err := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	if err != nil {
		panic(err)
	}
	defer e.Close(context.Background())

	f, err := engine.Submit(context.Background(), e, flakyFetch())
	if err != nil {
		panic(err)
	}
	v, err := f.Await(context.Background())
	fmt.Println(v, err, f.Attempts())
	// Output: hello <nil> 3
}

func ExampleDo() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Immediate())))
	defer e.Close(context.Background())

	_, err := engine.Do(context.Background(), e, func(context.Context) (int, error) {
		return 0, io.EOF
	}, engine.MaxAttempts(4), engine.Name("read"))
	fmt.Println(errors.Is(err, engine.ErrExhausted), errors.Is(err, io.EOF))
	var re *engine.RetryError
	if errors.As(err, &re) {
		fmt.Println(re.Attempts, re.Reason)
	}
	fmt.Println(err)
	// Output:
	// true true
	// 4 exhausted
	// engine: read: gave up after 4 attempts (exhausted): last error: EOF
}

func ExampleWrap() {
	e, _ := engine.New(engine.Defaults(engine.Backoff(backoff.Immediate())))
	defer e.Close(context.Background())

	fetch := engine.Wrap(e, flakyFetch()) // a retrying version of the function
	v, err := fetch(context.Background())
	fmt.Println(v, err)
	// Output: hello <nil>
}

func ExamplePermanent() {
	e, _ := engine.New()
	defer e.Close(context.Background())

	errNotFound := errors.New("not found")
	attempts := 0
	_, err := engine.Do(context.Background(), e, func(context.Context) (int, error) {
		attempts++
		return 0, fmt.Errorf("user 42: %w", engine.Permanent(errNotFound))
	})
	fmt.Println(attempts, errors.Is(err, engine.ErrPermanent), errors.Is(err, errNotFound))
	// Output: 1 true true
}

func ExampleRetryAfter() {
	e, _ := engine.New()
	defer e.Close(context.Background())

	var waited time.Duration
	last := time.Now()
	n := 0
	v, err := engine.Do(context.Background(), e, func(context.Context) (string, error) {
		n++
		if n == 1 {
			last = time.Now()
			return "", engine.RetryAfter(errors.New("429 too many requests"), 20*time.Millisecond)
		}
		waited = time.Since(last)
		return "ok", nil
	})
	fmt.Println(v, err, waited >= 20*time.Millisecond)
	// Output: ok <nil> true
}

func ExampleFuture_Cancel() {
	e, _ := engine.New()
	defer e.Close(context.Background())

	started := make(chan struct{})
	f, _ := engine.Submit(context.Background(), e, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done() // a long call
		return 0, ctx.Err()
	})
	<-started
	f.Cancel(errors.New("no longer needed"))
	_, err := f.Await(context.Background())
	fmt.Println(errors.Is(err, engine.ErrCanceled))
	fmt.Println(err)
	// Output:
	// true
	// engine: gave up after 1 attempt (canceled): no longer needed
}

func ExampleCompleted() {
	e, _ := engine.New()
	defer e.Close(context.Background())

	var fs []*engine.Future[int]
	for _, d := range []int{300, 100, 200} {
		f, _ := engine.Submit(context.Background(), e, func(context.Context) (int, error) {
			time.Sleep(time.Duration(d) * time.Millisecond)
			return d, nil
		})
		fs = append(fs, f)
	}
	for f, err := range engine.Completed(context.Background(), fs...) {
		v, _ := f.Result()
		fmt.Println(v, err)
	}
	// Output:
	// 100 <nil>
	// 200 <nil>
	// 300 <nil>
}

func ExampleNewBudget() {
	// Retries may use 10% of the calls, plus one every ten seconds whatever the traffic, and
	// never more than 2 in a burst. The budget starts full.
	budget, err := engine.NewBudget(0.1, 0.1, 2)
	if err != nil {
		panic(err)
	}
	e, _ := engine.New(engine.WithBudget(budget), engine.Defaults(engine.Backoff(backoff.Immediate())))
	defer e.Close(context.Background())

	fail := func(context.Context) (int, error) { return 0, io.EOF }
	_, err = engine.Do(context.Background(), e, fail) // 3 attempts: the 2 tokens pay for its retries
	fmt.Println(err)
	_, err = engine.Do(context.Background(), e, fail) // a tenth of a token is not a retry
	fmt.Println(err)
	fmt.Println(errors.Is(err, engine.ErrBudgetExhausted), e.Stats().Budget)
	// Output:
	// engine: gave up after 3 attempts (exhausted): last error: EOF
	// engine: gave up after 1 attempt (budget): last error: EOF
	// true 1
}
