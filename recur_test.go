package recur

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// flaky fails its first n calls, then returns v.
func flaky[T any](n int, v T) func(context.Context) (T, error) {
	calls := 0
	return func(context.Context) (T, error) {
		if calls++; calls <= n {
			var zero T
			return zero, errors.New("flaky")
		}
		return v, nil
	}
}

// The promise to libraries: after their last call, the process holds none of recur's goroutines
// by the time goleak.VerifyNone gives up looking (it looks again for about 400ms).
func TestDoLeavesNoGoroutineWhenIdle(t *testing.T) {
	v, err := Do(t.Context(), flaky(2, "ok"), engine.Backoff(backoff.Immediate()))
	require.NoError(t, err)
	assert.Equal(t, "ok", v)
	assert.True(t, shared.running())
	goleak.VerifyNone(t)
	assert.False(t, shared.running())

	fetch := Wrap(flaky(1, 7), engine.Backoff(backoff.Immediate()))
	n, err := fetch(t.Context())
	require.NoError(t, err, "the next call starts the engine again")
	assert.Equal(t, 7, n)
	goleak.VerifyNone(t)
}

func TestDoReportsLikeEngineDo(t *testing.T) {
	_, err := Do(t.Context(), func(context.Context) (int, error) { return 0, errors.New("down") },
		engine.Backoff(backoff.Immediate()), engine.Name("get"))
	var re *engine.RetryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts, "the engine's default attempts")
	assert.Equal(t, engine.ReasonExhausted, re.Reason)
	assert.Equal(t, "get", re.Name)

	_, err = Do(t.Context(), one, engine.MaxAttempts(0))
	assert.ErrorContains(t, err, "engine: MaxAttempts 0")

	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	go func() { <-started; cancel() }()
	_, err = Do(ctx, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	assert.ErrorIs(t, err, engine.ErrCanceled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, shared.calls.Load(), "every call counted out")
}

// Inside a bubble each call runs on an engine of its own, made and closed in the bubble: the
// shared one, made outside, would abort the test binary, and time is the bubble's.
func TestDoInsideABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		v, err := Do(context.Background(), flaky(2, 5), engine.Backoff(backoff.Constant(time.Minute)))
		require.NoError(t, err)
		assert.Equal(t, 5, v)
		assert.Equal(t, 2*time.Minute, time.Since(start), "fake time")
		assert.Zero(t, bubbledEngineGoroutines(), "the call's engine is gone when Do returns")
	})
}
