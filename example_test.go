package recur_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/recur-go/recur"
	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func ExampleDo() {
	// A library retries its request with no engine to create or Close: the shared one starts
	// now and stops once idle.
	n := 0
	v, err := recur.Do(context.Background(), func(context.Context) (string, error) {
		if n++; n < 3 {
			return "", io.ErrUnexpectedEOF
		}
		return "hello", nil
	}, engine.Backoff(backoff.Immediate()), engine.Name("greeting"))
	fmt.Println(v, err, n)

	_, err = recur.Do(context.Background(), func(context.Context) (int, error) {
		return 0, io.EOF
	}, engine.MaxAttempts(2), engine.Backoff(backoff.Immediate()))
	fmt.Println(errors.Is(err, engine.ErrExhausted), errors.Is(err, io.EOF))
	fmt.Println(err)
	// Output:
	// hello <nil> 3
	// true true
	// engine: gave up after 2 attempts (exhausted): last error: EOF
}

func ExampleWrap() {
	fetch := recur.Wrap(func(context.Context) (int, error) { return 42, nil }, engine.MaxAttempts(5))
	v, err := fetch(context.Background())
	fmt.Println(v, err)
	// Output: 42 <nil>
}
