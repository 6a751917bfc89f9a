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
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

func TestFallbackReplacesAFailureThatStaysVisible(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var settled engine.Settled
		e := newEngine(t, engine.WithHooks(engine.Hooks{OnSettled: func(s engine.Settled) { settled = s }}),
			engine.Defaults(engine.Backoff(backoff.Constant(time.Second)), engine.MaxAttempts(2)))
		var seen error
		f, err := engine.Submit(t.Context(), e, func(context.Context) (string, error) { return "", errFlaky },
			engine.Fallback(func(_ context.Context, err error) (string, error) {
				seen = err
				return "cached", nil
			}))
		require.NoError(t, err)
		v, err := f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "cached", v)

		var re *engine.RetryError
		require.ErrorAs(t, seen, &re, "the fallback sees the call's final error")
		assert.Equal(t, engine.ReasonExhausted, re.Reason)
		assert.Equal(t, 2, re.Attempts)
		assert.ErrorIs(t, seen, errFlaky)
		assert.Same(t, seen, f.Replaced(), "the Future keeps the failure it replaced")

		s := e.Stats()
		assert.EqualValues(t, 1, s.FailedFor(engine.ReasonExhausted), "counted as failed")
		assert.EqualValues(t, 1, s.FellBack)
		assert.True(t, settled.FellBack)
		assert.False(t, settled.Success)
		assert.Same(t, seen, settled.Err)
	})
}

func TestFallbackCoversEveryWayOfGivingUp(t *testing.T) {
	tests := []struct {
		name   string
		op     func(context.Context) (int, error)
		opts   []engine.CallOption
		reason engine.Reason
	}{
		{"permanent", func(context.Context) (int, error) { return 0, engine.Permanent(errFlaky) }, nil, engine.ReasonPermanent},
		{"exhausted", func(context.Context) (int, error) { return 0, errFlaky }, []engine.CallOption{engine.MaxAttempts(1)}, engine.ReasonExhausted},
		{"a panic", func(context.Context) (int, error) { panic("boom") }, nil, engine.ReasonPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t)
				opts := append(tt.opts, engine.Fallback(func(context.Context, error) (int, error) { return 7, nil }))
				f, err := engine.Submit(t.Context(), e, tt.op, opts...)
				require.NoError(t, err)
				v, err := f.Await(t.Context())
				require.NoError(t, err)
				assert.Equal(t, 7, v)
				var re *engine.RetryError
				require.ErrorAs(t, f.Replaced(), &re)
				assert.Equal(t, tt.reason, re.Reason)
			})
		})
	}
}

func TestNoFallbackForACallItsCallerOrCloseEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		called := 0
		fb := engine.Fallback(func(context.Context, error) (int, error) { called++; return 7, nil })
		canceled, err := engine.Submit(t.Context(), e, stubbornInt, fb)
		require.NoError(t, err)
		closed, err := engine.Submit(t.Context(), e, stubbornInt, fb)
		require.NoError(t, err)
		canceled.Cancel(nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_ = e.Close(ctx)
		_, err = canceled.Await(t.Context())
		assert.ErrorIs(t, err, engine.ErrCanceled)
		_, err = closed.Await(t.Context())
		assert.ErrorIs(t, err, engine.ErrClosed)
		assert.Zero(t, called)
		assert.Nil(t, canceled.Replaced())
	})
}

func stubbornInt(context.Context) (int, error) {
	time.Sleep(time.Hour)
	return 1, nil
}

func TestAFallbackThatFailsLeavesTheCallFailed(t *testing.T) {
	fallbackErr := errors.New("cache miss")
	tests := []struct {
		name string
		fb   func(context.Context, error) (int, error)
		is   func(t *testing.T, err error)
	}{
		{"with an error", func(context.Context, error) (int, error) { return 0, fallbackErr },
			func(t *testing.T, err error) { assert.ErrorIs(t, err, fallbackErr) }},
		{"with a panic", func(context.Context, error) (int, error) { panic("no cache") },
			func(t *testing.T, err error) {
				var pe *engine.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "no cache", pe.Value)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t)
				_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, engine.Permanent(errFlaky) },
					engine.Fallback(tt.fb))
				var re *engine.RetryError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, engine.ReasonPermanent, re.Reason)
				assert.ErrorIs(t, err, errFlaky, "the call's own failure is still there")
				tt.is(t, re.Fallback)
				tt.is(t, err)
				assert.Zero(t, e.Stats().FellBack)
			})
		})
	}
}

func TestDoFallsBackWhenTheBreakerRefusesTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Minute)),
			engine.Defaults(engine.MaxAttempts(1)))
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky })
		require.Error(t, err)
		var seen error
		v, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil },
			engine.Fallback(func(_ context.Context, err error) (int, error) { seen = err; return 7, nil }))
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		assert.ErrorIs(t, seen, breaker.ErrOpen)
		assert.EqualValues(t, 1, e.Stats().FellBack)
	})
}

func TestFallbackOfAnotherTypeIsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		_, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 1, nil },
			engine.Fallback(func(context.Context, error) (string, error) { return "", nil }))
		require.ErrorContains(t, err, "Fallback for func(context.Context, error) (string, error) given to a call returning int")
		_, err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 1, nil },
			engine.Fallback[int](nil))
		require.ErrorContains(t, err, "Fallback: function is nil")
	})
}

// When the caller's deadline passes, the call settles at once, and its Fallback gives the
// caller something to serve in time.
func TestFallbackAtTheCallersDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		v, err := engine.Do(ctx, e, func(ctx context.Context) (int, error) {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Hour):
				return 1, nil
			}
		}, engine.Fallback(func(_ context.Context, err error) (int, error) {
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			return 7, nil
		}))
		require.NoError(t, err)
		assert.Equal(t, 7, v)
		assert.Equal(t, time.Second, time.Since(start), "served at the deadline")
	})
}
