package engine_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

func TestDefaultBreakerClassifier(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want breaker.Outcome
	}{
		{"success", nil, breaker.Success},
		{"transient error", errFlaky, breaker.Failure},
		{"attempt timeout", engine.ErrAttemptTimeout, breaker.Failure},
		{"server hint", engine.RetryAfter(errFlaky, time.Second), breaker.Failure},
		{"permanent: the dependency answered", engine.Permanent(errFlaky), breaker.Success},
		{"permanent, wrapped", errors.Join(errors.New("ctx"), engine.Permanent(errFlaky)), breaker.Success},
		{"panic: our bug, not theirs", &engine.PanicError{Value: "boom"}, breaker.Ignored},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, engine.DefaultBreakerClassifier(tc.err))
		})
	}
}

// breakerAfter runs op once on an engine whose breaker opens at the first failure, and returns
// the breaker's counts.
func breakerAfter(t *testing.T, op func(context.Context) (int, error), opts ...engine.CallOption) breaker.Counts {
	t.Helper()
	var c breaker.Counts
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1)), engine.WithMaxConcurrency(1))
		_, _ = engine.Do(t.Context(), e, op, append([]engine.CallOption{engine.MaxAttempts(1)}, opts...)...)
		c = e.Breaker().Counts()
	})
	return c
}

func TestBreakerHealthIsNotTheRetryDecision(t *testing.T) {
	fail := func(err error) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { return 0, err }
	}
	t.Run("permanent errors leave the breaker closed", func(t *testing.T) {
		c := breakerAfter(t, fail(engine.Permanent(errFlaky)))
		assert.Equal(t, breaker.Closed, c.State)
		assert.EqualValues(t, 1, c.Successes)
	})
	t.Run("panics are ignored", func(t *testing.T) {
		c := breakerAfter(t, func(context.Context) (int, error) { panic("bug") })
		assert.Equal(t, breaker.Closed, c.State)
		assert.Zero(t, c.Successes+c.Failures)
	})
	t.Run("a rejected result is a failure", func(t *testing.T) {
		c := breakerAfter(t, func(context.Context) (int, error) { return 503, nil },
			engine.ClassifyResult(func(v int, err error) engine.Decision {
				if v >= 500 {
					return engine.Retry()
				}
				return engine.Accept()
			}))
		assert.Equal(t, breaker.Open, c.State)
	})
	t.Run("an error the call does not retry can still be a failure", func(t *testing.T) {
		c := breakerAfter(t, fail(errFlaky), engine.Classify(func(error) engine.Decision { return engine.Stop() }))
		assert.Equal(t, breaker.Open, c.State)
	})
	t.Run("a breaker classifier of the call's own", func(t *testing.T) {
		notFound := errors.New("404")
		c := breakerAfter(t, fail(notFound), engine.BreakerClassify(func(err error) breaker.Outcome {
			if errors.Is(err, notFound) {
				return breaker.Success
			}
			return engine.DefaultBreakerClassifier(err)
		}))
		assert.Equal(t, breaker.Closed, c.State)
		assert.EqualValues(t, 1, c.Successes)
	})
	t.Run("a classifier that sees results", func(t *testing.T) {
		c := breakerAfter(t, func(context.Context) (int, error) { return 500, nil },
			engine.BreakerClassifyResult(func(v int, err error) breaker.Outcome {
				if v >= 500 {
					return breaker.Failure
				}
				return breaker.Success
			}))
		assert.Equal(t, breaker.Open, c.State, "a 500 answered with no error is still a failure")
	})
	t.Run("a classifier that panics", func(t *testing.T) {
		c := breakerAfter(t, fail(errFlaky), engine.BreakerClassify(func(error) breaker.Outcome { panic("bug") }))
		assert.Equal(t, breaker.Closed, c.State)
		assert.Zero(t, c.Successes+c.Failures)
	})
	t.Run("timeouts are failures", func(t *testing.T) {
		c := breakerAfter(t, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() },
			engine.AttemptTimeout(time.Second))
		assert.Equal(t, breaker.Open, c.State)
	})
}

func TestBreakerClassifierPanicFailsTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker())
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil },
			engine.BreakerClassify(func(error) breaker.Outcome { panic("bug") }))
		var perr *engine.PanicError
		require.ErrorAs(t, err, &perr)
		assert.Equal(t, "bug", perr.Value)
	})
}

func TestBreakerClassifyResultTypeIsChecked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker())
		_, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 1, nil },
			engine.BreakerClassifyResult(func(string, error) breaker.Outcome { return breaker.Success }))
		assert.ErrorContains(t, err, "BreakerClassifyResult for func(string, error) breaker.Outcome given to a call returning int")
		_, err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 1, nil },
			engine.BreakerClassify(nil))
		assert.ErrorContains(t, err, "BreakerClassify: classifier is nil")
	})
}
