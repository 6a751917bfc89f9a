package engine_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestCallsSharingAContextSettleTogetherWhenItEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(64), engine.WithQueueSize(100))
		ctx, cancel := context.WithCancelCause(t.Context())
		var fs []*engine.Future[int]
		for i := range 100 {
			op := func(ctx context.Context) (int, error) { return 0, errFlaky } // waits for a retry
			if i%2 == 0 {
				op = func(context.Context) (int, error) { time.Sleep(time.Hour); return 1, nil } // ignores ctx
			}
			f, err := engine.Submit(ctx, e, op, engine.Backoff(backoff.Constant(time.Hour)))
			require.NoError(t, err)
			fs = append(fs, f)
		}
		synctest.Wait()
		assert.Equal(t, 1, engine.WatchCount(e), "one watch for the shared context")
		start := time.Now()
		cause := errors.New("request done")
		cancel(cause)
		synctest.Wait()
		for _, f := range fs {
			_, err := f.Result()
			require.ErrorIs(t, err, cause)
		}
		assert.Equal(t, start, time.Now(), "all settled at once")
		assert.Zero(t, e.Stats().Waiting, "waiting retries left the heap")
		assert.Zero(t, engine.WatchCount(e))
	})
}

func TestWatchEndsWithItsLastCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		for range 3 {
			_, err := engine.Do(ctx, e, func(context.Context) (int, error) { return 1, nil })
			require.NoError(t, err)
			assert.Zero(t, engine.WatchCount(e), "nothing kept for a context whose calls are done")
		}
	})
}

func TestOperationContextKeepsTheCallersDeadlineValuesAndCause(t *testing.T) {
	type key struct{}
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		base := context.WithValue(t.Context(), key{}, "v")

		deadline, cancelDeadline := context.WithTimeout(base, time.Second)
		defer cancelDeadline()
		_, err := engine.Do(deadline, e, func(ctx context.Context) (int, error) {
			d, ok := ctx.Deadline()
			assert.True(t, ok)
			assert.Equal(t, time.Now().Add(time.Second), d)
			assert.Equal(t, "v", ctx.Value(key{}))
			<-ctx.Done()
			assert.Equal(t, context.DeadlineExceeded, ctx.Err(), "a deadline reads as one")
			return 0, ctx.Err()
		})
		require.ErrorIs(t, err, context.DeadlineExceeded)

		cancelable, cancel := context.WithCancelCause(base)
		cause := errors.New("client went away")
		seen := make(chan error, 1)
		f, err := engine.Submit(cancelable, e, func(ctx context.Context) (int, error) {
			assert.Equal(t, "v", ctx.Value(key{}))
			<-ctx.Done()
			seen <- context.Cause(ctx)
			return 0, ctx.Err()
		})
		require.NoError(t, err)
		synctest.Wait()
		cancel(cause)
		assert.ErrorIs(t, <-seen, cause, "the cause reaches the operation")
		_, err = f.Await(t.Context())
		assert.ErrorIs(t, err, cause)
	})
}
