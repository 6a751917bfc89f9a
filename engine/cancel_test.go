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

// stubborn ignores its context for an hour, then reports success: a result that must never be
// delivered once its call was canceled.
func stubborn(context.Context) (string, error) {
	time.Sleep(time.Hour)
	return "late", nil
}

func TestCancelSettlesAtOnceEvenIfTheOperationIgnoresItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		f, err := engine.Submit(t.Context(), e, stubborn)
		require.NoError(t, err)
		time.Sleep(time.Minute)
		cause := errors.New("user went away")
		start := time.Now()
		f.Cancel(cause)
		_, err = f.Await(t.Context())
		assert.Equal(t, start, time.Now(), "settled without waiting for the operation")
		assert.ErrorIs(t, err, engine.ErrCanceled)
		assert.ErrorIs(t, err, cause)

		time.Sleep(2 * time.Hour) // the operation returns: its result is discarded and counted
		synctest.Wait()
		_, err = f.Result()
		assert.ErrorIs(t, err, cause, "settled once, never overwritten")
		assert.Equal(t, uint64(1), e.Stats().Late)
	})
}

func TestCallerContextEndingSettlesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ctx, cancel := context.WithCancel(t.Context())
		f, err := engine.Submit(ctx, e, stubborn)
		require.NoError(t, err)
		time.Sleep(time.Second)
		cancel()
		synctest.Wait()
		_, err = f.Result()
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, engine.ErrCanceled)
	})
}

func TestOperationSeesCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		seen := make(chan error, 1)
		f, err := engine.Submit(t.Context(), e, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			seen <- context.Cause(ctx)
			return 0, ctx.Err()
		})
		require.NoError(t, err)
		synctest.Wait()
		cause := errors.New("stop")
		f.Cancel(cause)
		assert.ErrorIs(t, <-seen, cause, "the attempt's context carries the cause")
	})
}

func TestCancelRemovesTheWaitingRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		f, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky },
			engine.Backoff(backoff.Constant(time.Hour)))
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, 1, e.Stats().Waiting)
		f.Cancel(nil)
		assert.Equal(t, 0, e.Stats().Waiting, "the heap keeps no dead entries")
		_, err = f.Await(t.Context())
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, f.Attempts())
	})
}

func TestAwaitReturningEarlyDoesNotCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		op, _ := failing(1, errFlaky, 7)
		f, err := engine.Submit(t.Context(), e, op, engine.Backoff(backoff.Constant(time.Minute)))
		require.NoError(t, err)
		short, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err = f.Await(short)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		v, err := f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 7, v)
	})
}

func TestCallerDeadlineDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		// The strategy's delay fits the deadline; the attempt itself eats the rest of it.
		_, err := engine.Do(ctx, e, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}, engine.Backoff(backoff.Immediate()))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, engine.ReasonDeadline, re.Reason)
	})
}

func TestDoReturnsTheCallsErrorWhenItsContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slowHook := engine.Hooks{OnSettled: func(engine.Settled) { time.Sleep(time.Second) }}
		e := newEngine(t, engine.WithHooks(slowHook))
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		_, err := engine.Do(ctx, e, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		assert.ErrorIs(t, err, engine.ErrCanceled, "never ErrPending, even while another goroutine is settling the call")
		assert.ErrorIs(t, err, context.Canceled)
	})
}
