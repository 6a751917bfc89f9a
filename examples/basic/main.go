// Command basic shows the engine's asynchronous core: Submit returns a Future at once, Await
// waits for it, and errors.Is tells apart why a call failed.
//
//	go run ./examples/basic
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

var errNotFound = errors.New("quote not found")

// flaky fails with a transient error `failures` times, then returns quote.
func flaky(failures int, quote string) func(context.Context) (string, error) {
	n := 0
	return func(context.Context) (string, error) {
		if n++; n <= failures {
			return "", io.ErrUnexpectedEOF
		}
		return quote, nil
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	// Small delays keep the demo quick; the defaults start at 1s.
	e, err := engine.New(engine.Defaults(engine.Backoff(backoff.Exponential(10*time.Millisecond, 2))))
	if err != nil {
		return err
	}
	defer e.Close(ctx)

	// Submit returns at once; the first attempt runs on one of the engine's workers.
	f, err := engine.Submit(ctx, e, flaky(2, "stay hungry"), engine.Name("quote"))
	if err != nil {
		return err // not admitted: the engine is closed, ctx ended, or the breaker is open
	}
	quote, err := f.Await(ctx)
	fmt.Fprintf(w, "quote: %q, err: %v, after %d attempts\n", quote, err, f.Attempts())

	// A dependency that never recovers: the call gives up after MaxAttempts.
	f, _ = engine.Submit(ctx, e, flaky(100, ""), engine.Name("down"), engine.MaxAttempts(4))
	_, err = f.Await(ctx)
	fmt.Fprintf(w, "down: exhausted=%v unexpected-EOF=%v\n", errors.Is(err, engine.ErrExhausted), errors.Is(err, io.ErrUnexpectedEOF))
	var re *engine.RetryError
	if errors.As(err, &re) {
		fmt.Fprintf(w, "down: %d attempts, reason %q\n", re.Attempts, re.Reason)
	}

	// A permanent error is not retried.
	f, _ = engine.Submit(ctx, e, func(context.Context) (string, error) {
		return "", fmt.Errorf("quote 42: %w", engine.Permanent(errNotFound))
	}, engine.Name("lookup"))
	_, err = f.Await(ctx)
	fmt.Fprintf(w, "lookup: permanent=%v not-found=%v attempts=%d\n", errors.Is(err, engine.ErrPermanent), errors.Is(err, errNotFound), f.Attempts())

	// Many calls at once: submit them all, then await them together.
	futures := make([]*engine.Future[string], 5)
	for i := range futures {
		futures[i], err = engine.Submit(ctx, e, flaky(i%3, fmt.Sprint("q", i)))
		if err != nil {
			return err
		}
	}
	all, err := engine.AwaitAll(ctx, futures...)
	fmt.Fprintf(w, "all: %v, err: %v\n", all, err)

	st := e.Stats()
	fmt.Fprintf(w, "stats: %d calls, %d succeeded, %d failed, %d attempts\n", st.Submitted, st.Succeeded, st.Failed(), st.Attempts)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
