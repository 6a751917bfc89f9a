package engine_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

var errFlaky = errors.New("flaky")

func TestSucceedsAfterRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
		op, calls := failing(2, errFlaky, "ok")
		start := time.Now()
		f, err := engine.Submit(t.Context(), e, op)
		require.NoError(t, err)
		v, err := f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "ok", v)
		assert.Equal(t, 3, *calls)
		assert.Equal(t, 3, f.Attempts())
		assert.Equal(t, 2*time.Second, time.Since(start), "two retries, one second each")
	})
}

func TestDelaysAreExactlyTheStrategys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var at []time.Duration
		start := time.Now()
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) {
			at = append(at, time.Since(start))
			return 0, errFlaky
		}, engine.MaxAttempts(5), engine.Backoff(backoff.Exponential(100*time.Millisecond, 3)))
		require.ErrorIs(t, err, engine.ErrExhausted)
		assert.Equal(t, []time.Duration{0, 100 * time.Millisecond, 400 * time.Millisecond,
			1300 * time.Millisecond, 4000 * time.Millisecond}, at)
	})
}

func TestDecorrelatedJitterSeesThePreviousDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var prevs []time.Duration
		strategy := backoff.Func(func(n int, prev time.Duration) time.Duration {
			prevs = append(prevs, prev)
			return time.Duration(n) * time.Second
		})
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky },
			engine.MaxAttempts(4), engine.Backoff(strategy))
		require.ErrorIs(t, err, engine.ErrExhausted)
		assert.Equal(t, []time.Duration{0, time.Second, 2 * time.Second}, prevs)
	})
}

func TestRetryAfterOverridesTheStrategyAndIsCapped(t *testing.T) {
	for _, tc := range []struct {
		name string
		hint time.Duration
		want time.Duration
	}{
		{"hint used", 7 * time.Second, 7 * time.Second},
		{"hint capped by ClampHints", time.Hour, 30 * time.Second},
		{"negative hint is zero", -time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t)
				op, _ := failing(1, engine.RetryAfter(errFlaky, tc.hint), 1)
				start := time.Now()
				_, err := engine.Do(t.Context(), e, op, engine.HintSpread(0), engine.ClampHints(),
					engine.Backoff(backoff.Constant(time.Second)), engine.MaxDelay(30*time.Second))
				require.NoError(t, err)
				assert.Equal(t, tc.want, time.Since(start))
			})
		})
	}
}

func TestPermanentStopsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		op, calls := failing(5, fmtWrap(engine.Permanent(io.ErrUnexpectedEOF)), 0)
		_, err := engine.Do(t.Context(), e, op, engine.MaxAttempts(5))
		assert.Equal(t, 1, *calls)
		assert.ErrorIs(t, err, engine.ErrPermanent)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the marker works when wrapped further")
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, engine.ReasonPermanent, re.Reason)
		assert.Equal(t, 1, re.Attempts)
	})
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }

func TestExhaustedErrorTellsTheStory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, io.EOF },
			engine.Name("fetch"), engine.Backoff(backoff.Immediate()))
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 3, re.Attempts, "the documented default is 3 attempts")
		assert.Equal(t, engine.ReasonExhausted, re.Reason)
		assert.ErrorIs(t, err, io.EOF)
		assert.ErrorIs(t, err, engine.ErrExhausted)
		assert.NotErrorIs(t, err, engine.ErrPermanent)
		assert.Equal(t, "engine: fetch: gave up after 3 attempts (exhausted): last error: EOF", err.Error())
	})
}

func TestRetryThatWouldMissTheDeadlineFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := engine.Do(ctx, e, func(context.Context) (int, error) { return 0, io.EOF },
			engine.MaxAttempts(10), engine.Backoff(backoff.Constant(3*time.Second)))
		assert.Equal(t, 3*time.Second, time.Since(start), "the second retry (due at 6s) is not scheduled")
		assert.ErrorIs(t, err, engine.ErrDeadline)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, io.EOF, "the error wraps the last attempt's")
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 2, re.Attempts)
	})
}

func TestPanicBecomesPanicErrorAndWorkerSurvives(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1))
		calls := 0
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) {
			calls++
			panic("boom")
		}, engine.MaxAttempts(3))
		assert.Equal(t, 1, calls, "a panic is not retried by default")
		var pe *engine.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "boom", pe.Value)
		assert.Contains(t, string(pe.Stack), "retry_test.go")
		assert.ErrorIs(t, err, engine.ErrPermanent)

		v, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 42, nil })
		require.NoError(t, err, "the only worker is still serving")
		assert.Equal(t, 42, v)
	})
}

func TestClassifierCanRetryPanicsAndResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		n := 0
		v, err := engine.Do(t.Context(), e, func(context.Context) (int, error) {
			n++
			if n == 1 {
				panic("once")
			}
			return n, nil
		}, engine.Classify(func(err error) engine.Decision {
			if errors.As(err, new(*engine.PanicError)) {
				return engine.Retry()
			}
			return engine.DefaultClassifier(err)
		}), engine.Backoff(backoff.Immediate()))
		require.NoError(t, err)
		assert.Equal(t, 2, v)

		attempts := 0
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { attempts++; return 503, nil },
			engine.ClassifyResult(func(status int, err error) engine.Decision {
				if status >= 500 {
					return engine.Retry()
				}
				return engine.DefaultClassifier(err)
			}), engine.Backoff(backoff.Immediate()))
		assert.Equal(t, 3, attempts)
		assert.ErrorIs(t, err, engine.ErrResultRejected)
		assert.ErrorIs(t, err, engine.ErrExhausted)

		_, err = engine.Submit(t.Context(), e, func(context.Context) (string, error) { return "", nil },
			engine.ClassifyResult(func(int, error) engine.Decision { return engine.Accept() }))
		assert.ErrorContains(t, err, "ClassifyResult", "a classifier for another result type is refused")
	})
}

func TestAttemptTimeoutAbandonsAnOperationThatIgnoresItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var n atomic.Int32
		start := time.Now()
		f, err := engine.Submit(t.Context(), e, func(ctx context.Context) (int, error) {
			if n.Add(1) == 1 {
				time.Sleep(time.Hour) // ignores ctx
				return -1, nil        // late: must never be delivered
			}
			return 2, nil
		}, engine.AttemptTimeout(time.Second), engine.Backoff(backoff.Constant(time.Second)))
		require.NoError(t, err)
		v, err := f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.Equal(t, 2*time.Second, time.Since(start), "timeout at 1s, retry after 1s more")
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.Equal(t, uint64(1), e.Stats().Late, "the abandoned attempt's result is counted, not delivered")
	})
}

func TestAttemptTimeoutIsTheAttemptsContextDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		_, err := engine.Do(t.Context(), e, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, context.Cause(ctx)
		}, engine.AttemptTimeout(time.Second), engine.MaxAttempts(2), engine.Backoff(backoff.Immediate()))
		assert.ErrorIs(t, err, engine.ErrAttemptTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, engine.ErrExhausted)
	})
}

func TestPanickingClassifierOrStrategyFailsTheCallNotTheWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1))
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil },
			engine.Classify(func(error) engine.Decision { panic("classifier") }))
		var pe *engine.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "classifier", pe.Value)

		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky },
			engine.Backoff(backoff.Func(func(int, time.Duration) time.Duration { panic("strategy") })))
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "strategy", pe.Value)
		assert.ErrorIs(t, err, errFlaky, "the attempt's own error is kept")
		assert.ErrorIs(t, err, engine.ErrPermanent)

		v, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 7, nil })
		require.NoError(t, err, "the only worker survived both")
		assert.Equal(t, 7, v)
	})
}
