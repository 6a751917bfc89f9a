package engine_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// hintedRetries runs n calls whose first attempt is answered with a hint of h and returns how
// long after it each retry came.
func hintedRetries(t *testing.T, n int, h time.Duration, opts ...engine.CallOption) []time.Duration {
	t.Helper()
	e := newEngine(t)
	var mu sync.Mutex
	var waits []time.Duration
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			var failedAt time.Time
			_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) {
				if failedAt.IsZero() {
					failedAt = time.Now()
					return 0, engine.RetryAfter(errFlaky, h)
				}
				mu.Lock()
				waits = append(waits, time.Since(failedAt))
				mu.Unlock()
				return 1, nil
			}, opts...)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	return waits
}

func TestHintIsAFloorSpreadUniformlyAboveIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, h = 4000, time.Second
		waits := hintedRetries(t, n, h)
		require.Len(t, waits, n)
		var quarters [4]int
		var sum time.Duration
		for _, w := range waits {
			require.GreaterOrEqual(t, w, h, "a retry came before the server's hint")
			require.LessOrEqual(t, w, 2*h, "the default spread is one hint")
			quarters[min(int(4*(w-h)/h), 3)]++
			sum += w
		}
		// Uniform over [h, 2h]: each quarter holds n/4 = 1000, give or take ~27 (one standard
		// deviation); 15% is over five of them.
		for i, q := range quarters {
			assert.InDelta(t, n/4, q, n/4*0.15, "quarter %d of the spread", i)
		}
		assert.InDelta(t, 1.5, (sum / n).Seconds(), 0.03, "the mean wait")
	})
}

func TestHintSpreadIsNarrowedToFitNotUndercut(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []engine.CallOption
		lo, hi time.Duration
	}{
		{"no spread", []engine.CallOption{engine.HintSpread(0)}, time.Second, time.Second},
		{"a quarter", []engine.CallOption{engine.HintSpread(0.25)}, time.Second, 1250 * time.Millisecond},
		{"MaxDelay narrows it", []engine.CallOption{engine.MaxDelay(1200 * time.Millisecond)}, time.Second, 1200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				for _, w := range hintedRetries(t, 200, time.Second, tc.opts...) {
					require.GreaterOrEqual(t, w, tc.lo)
					require.LessOrEqual(t, w, tc.hi)
				}
			})
		})
	}
	t.Run("the deadline narrows it", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			e := newEngine(t)
			for range 200 {
				ctx, cancel := context.WithTimeout(t.Context(), 1300*time.Millisecond)
				start := time.Now()
				op, _ := failing(1, engine.RetryAfter(errFlaky, time.Second), 1)
				_, err := engine.Do(ctx, e, op)
				cancel()
				require.NoError(t, err, "the retry was spread past the deadline")
				require.GreaterOrEqual(t, time.Since(start), time.Second)
			}
		})
	})
}

func TestHintPastTheCapStopsWithTheLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		for _, opts := range [][]engine.CallOption{
			{engine.MaxDelay(30 * time.Second)},
			{engine.MaxHint(10 * time.Second)},
		} {
			op, calls := failing(1, engine.RetryAfter(errFlaky, time.Minute), 1)
			start := time.Now()
			_, err := engine.Do(t.Context(), e, op, opts...)
			assert.Equal(t, 1, *calls, "no retry before the server allows it")
			assert.Zero(t, time.Since(start), "the call stops at once")
			require.ErrorIs(t, err, engine.ErrHintTooLong)
			require.ErrorIs(t, err, errFlaky, "the last error comes with it")
			var re *engine.RetryError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, engine.ReasonHint, re.Reason)
			assert.Equal(t, "hint too long", re.Reason.String())
		}
		assert.Equal(t, uint64(2), e.Stats().FailedFor(engine.ReasonHint))
	})
}

func TestHintPastTheDeadlineStopsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		op, calls := failing(1, engine.RetryAfter(errFlaky, 10*time.Second), 1)
		start := time.Now()
		_, err := engine.Do(ctx, e, op)
		assert.Equal(t, 1, *calls)
		assert.Zero(t, time.Since(start), "no wait for a retry that could not start in time")
		require.ErrorIs(t, err, engine.ErrDeadline)
		require.ErrorIs(t, err, errFlaky)
	})
}

func TestClampHintsRetriesEarlyByChoice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		op, calls := failing(1, engine.RetryAfter(errFlaky, time.Minute), 1)
		start := time.Now()
		_, err := engine.Do(t.Context(), e, op, engine.MaxHint(10*time.Second), engine.ClampHints())
		require.NoError(t, err)
		assert.Equal(t, 2, *calls)
		assert.Equal(t, 10*time.Second, time.Since(start))
	})
}

func TestHintOptionsRejectBadValues(t *testing.T) {
	for _, tc := range []struct {
		opt  engine.CallOption
		want string
	}{
		{engine.HintSpread(-0.5), "HintSpread -0.5"},
		{engine.HintSpread(math.NaN()), "HintSpread NaN"},
		{engine.HintSpread(11), "HintSpread 11"},
		{engine.MaxHint(0), "MaxHint 0s"},
		{engine.MaxHint(-time.Second), "MaxHint -1s"},
	} {
		err := engine.CheckCallOptions(tc.opt)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestThrottledMarksTheDecision(t *testing.T) {
	base := errors.New("busy")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{engine.Throttled(base), "retry (throttled)"},
		{engine.Throttled(engine.RetryAfter(base, time.Second)), "retry-after 1s (throttled)"},
		{engine.RetryAfter(engine.Throttled(base), time.Second), "retry-after 1s (throttled)"},
		{engine.Permanent(engine.Throttled(base)), "stop"},
		{engine.RetryAfter(base, time.Second), "retry-after 1s"},
	} {
		d := engine.DefaultClassifier(tc.err)
		assert.Equal(t, tc.want, d.String())
		assert.True(t, errors.Is(tc.err, base))
	}
	assert.True(t, engine.Retry().Throttled().IsThrottled())
	assert.False(t, engine.Retry().IsThrottled())
	assert.True(t, engine.Retry().Throttled().IsRetry())
	assert.Nil(t, engine.Throttled(nil))
}

func TestThrottledMarkIsStrippedFromTheLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		op, _ := failing(5, engine.RetryAfter(engine.Throttled(errFlaky), time.Second), 1)
		_, err := engine.Do(t.Context(), e, op, engine.MaxAttempts(2))
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Same(t, errFlaky, re.Last)
	})
}
