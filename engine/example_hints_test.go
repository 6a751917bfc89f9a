package engine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/recur-go/recur/engine"
)

// A server that asks to wait longer than the call may stops the call at once, with its answer,
// rather than being retried before it allows.
func ExampleMaxHint() {
	e, _ := engine.New()
	defer e.Close(context.Background())
	busy := errors.New("503: back in an hour")
	_, err := engine.Do(context.Background(), e, func(context.Context) (int, error) {
		return 0, engine.RetryAfter(busy, time.Hour)
	}, engine.MaxHint(10*time.Second))
	fmt.Println(errors.Is(err, engine.ErrHintTooLong), errors.Is(err, busy))
	fmt.Println(err)
	// Output:
	// true true
	// engine: gave up after 1 attempt (hint too long): last error: 503: back in an hour
}

// Throttled marks pushback: the retry is decided as for the unmarked error, and the key's
// pacer learns from it.
func ExampleThrottled() {
	slowDown := errors.New("429: slow down")
	fmt.Println(engine.DefaultClassifier(engine.Throttled(engine.RetryAfter(slowDown, 2*time.Second))))
	fmt.Println(engine.DefaultClassifier(engine.Throttled(slowDown)))
	// Output:
	// retry-after 2s (throttled)
	// retry (throttled)
}

// The first pushback of a key gives it a pacer; keys never throttled have none.
func ExampleEngine_Pacing() {
	e, _ := engine.New(engine.WithPacing(engine.PaceAll))
	defer e.Close(context.Background())
	_, _ = engine.Do(context.Background(), e, func(context.Context) (int, error) {
		return 0, engine.Throttled(errors.New("429"))
	}, engine.Key("api.example.com"), engine.MaxAttempts(1))
	_, paced := e.Pacing("api.example.com")
	_, other := e.Pacing("other.example.com")
	fmt.Println(paced, other)
	// Output:
	// true false
}
