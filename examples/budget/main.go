// Command budget shows a retry budget holding back a retry storm. When a dependency fails every
// call, three attempts per call triple its load just when it can least take it; a budget lets
// retries add only a share of the calls.
//
//	go run ./examples/budget
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

var errOverloaded = errors.New("503: overloaded")

// storm sends calls calls, one after another, to a dependency that fails them all, and reports
// how many requests reached it and why the calls failed.
func storm(w io.Writer, label string, calls int, opts ...engine.Option) error {
	ctx := context.Background()
	opts = append(opts, engine.Defaults(engine.MaxAttempts(3), engine.Backoff(backoff.Immediate())))
	e, err := engine.New(opts...)
	if err != nil {
		return err
	}
	defer e.Close(ctx)

	requests := 0
	reasons := map[engine.Reason]int{}
	for range calls {
		_, err := engine.Do(ctx, e, func(context.Context) (int, error) {
			requests++
			return 0, errOverloaded
		})
		var re *engine.RetryError
		if errors.As(err, &re) {
			reasons[re.Reason]++
		}
	}
	fmt.Fprintf(w, "%-16s %d calls sent %d requests (%.1f per call); failed: %d %v, %d %v\n",
		label+":", calls, requests, float64(requests)/float64(calls),
		reasons[engine.ReasonExhausted], engine.ReasonExhausted, reasons[engine.ReasonBudget], engine.ReasonBudget)
	return nil
}

func run(w io.Writer) error {
	if err := storm(w, "no budget", 1000); err != nil {
		return err
	}
	// Each call earns a tenth of a retry; the bucket holds at most 20, and starts full.
	b, err := engine.NewBudget(0.1, 0, 20)
	if err != nil {
		return err
	}
	if err := storm(w, "10% budget", 1000, engine.WithBudget(b)); err != nil {
		return err
	}
	fmt.Fprintf(w, "budget left: %d retries\n", b.Tokens())

	// Bad parameters are refused by name.
	_, err = engine.NewBudget(1.5, 0, 20)
	fmt.Fprintln(w, err)
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
