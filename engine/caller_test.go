package engine_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// goroutine returns the calling goroutine's number, from the first line of its stack trace.
func goroutine() string {
	buf := make([]byte, 64)
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf[:runtime.Stack(buf, false)]), "goroutine "), " ")
	return id
}

func TestDoRunsItsFirstAttemptOnTheCallersGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
		var here []bool
		caller := goroutine()
		v, err := engine.Do(t.Context(), e, func(context.Context) (int, error) {
			here = append(here, goroutine() == caller)
			if len(here) < 3 {
				return 0, errFlaky
			}
			return 7, nil
		})
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		assert.Equal(t, []bool{true, false, false}, here, "the first attempt on the caller; retries on workers")
		assert.EqualValues(t, 3, e.Stats().Attempts)
	})
}

func TestDoHandsItsFirstAttemptToAWorkerWhenLimitsCountWorkers(t *testing.T) {
	tests := []struct {
		name string
		opt  engine.Option
	}{
		{"WithWorkersOnly", engine.WithWorkersOnly()},
		{"WithMaxConcurrency", engine.WithMaxConcurrency(4)},
		{"WithBulkhead", engine.WithBulkhead(4, 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t, tt.opt)
				caller := goroutine()
				here, err := engine.Do(t.Context(), e, func(context.Context) (bool, error) {
					return goroutine() == caller, nil
				})
				require.NoError(t, err)
				assert.False(t, here)
			})
		})
	}
}

func TestDoOnTheCallerSettlesAtOnceWhenItsContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ctx, cancel := context.WithCancelCause(t.Context())
		cause := errors.New("client went away")
		var settled, opCanceled bool
		_, err := engine.Do(ctx, e, func(opCtx context.Context) (int, error) {
			cancel(cause)
			synctest.Wait() // the watch of ctx has run
			settled = e.Stats().Pending == 0
			opCanceled = context.Cause(opCtx) == cause
			time.Sleep(time.Hour) // an operation that ignores its context: Do waits for it
			return 1, nil
		})
		assert.True(t, settled, "the call settled while its operation still ran")
		assert.True(t, opCanceled, "and its operation's context was canceled with the cause")
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, engine.ReasonCanceled, re.Reason)
		assert.ErrorIs(t, err, cause)
		assert.EqualValues(t, 1, e.Stats().Late, "the result that came after is discarded")
	})
}

func TestCloseCancelsAnAttemptRunningOnACaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			_, err := engine.Do(context.Background(), e, func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				return 0, context.Cause(ctx)
			})
			done <- err
		}()
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		assert.ErrorIs(t, e.Close(ctx), context.DeadlineExceeded, "the call did not end by itself")
		assert.Equal(t, time.Second, time.Since(start))
		err = <-done
		assert.ErrorIs(t, err, engine.ErrClosed)
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, engine.ReasonClosed, re.Reason)
	})
}

func TestCloseFromAnAttemptRunningOnACallerDoesNotWaitForItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		var closeErr error
		start := time.Now()
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) {
			// As from a worker: Close cannot wait for the call it runs in, so it returns when
			// its context ends, having settled what is left, this call included.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			closeErr = e.Close(ctx)
			synctest.Wait() // the close has settled this call: its result comes too late
			return 1, nil
		})
		assert.Equal(t, time.Second, time.Since(start))
		assert.ErrorIs(t, closeErr, context.DeadlineExceeded)
		assert.ErrorIs(t, err, engine.ErrClosed)
		require.NoError(t, e.Close(context.Background()), "the engine has finished closing")
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil })
		assert.ErrorIs(t, err, engine.ErrClosed)
	})
}

func TestGoexitOnTheCallersGoroutineSettlesTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		exited := make(chan struct{})
		go func() {
			defer close(exited)
			_, _ = engine.Do(t.Context(), e, func(context.Context) (int, error) {
				exits() // as t.FailNow does: the caller's goroutine ends here, as it would without recur
				return 1, nil
			})
		}()
		<-exited
		synctest.Wait()
		s := e.Stats()
		assert.Zero(t, s.Pending, "settled, not left pending")
		assert.Zero(t, s.Running)
		assert.EqualValues(t, 1, s.Failed())
	})
}
