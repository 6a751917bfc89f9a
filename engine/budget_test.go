package engine_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestBudgetHoldsRetriesToItsShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const calls = 1000
		budget, err := engine.NewBudget(0.1, 2, 1000)
		require.NoError(t, err)
		e := newEngine(t, engine.WithBudget(budget),
			engine.Defaults(engine.MaxAttempts(3), engine.Backoff(backoff.Constant(time.Second))))
		start := time.Now()
		fs := make([]*engine.Future[int], calls)
		for i := range fs {
			fs[i], err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky })
			require.NoError(t, err)
		}
		_, err = engine.AwaitAll(t.Context(), fs...)
		require.Error(t, err)
		elapsed := time.Since(start).Seconds()

		s := e.Stats()
		allowed := uint64(0.1*calls + 2*elapsed)
		t.Logf("%d calls failing every attempt: %d retries (without a budget: %d), %d denied, in %.0fs",
			calls, s.Retries, 2*calls, s.Budget, elapsed)
		assert.LessOrEqual(t, s.Retries, allowed, "retries within 10%% of calls plus the reserve")
		assert.GreaterOrEqual(t, s.Retries, uint64(0.1*calls), "the share is actually spent")
		assert.Equal(t, s.Budget, s.FailedBy[engine.ReasonBudget])
		assert.Equal(t, uint64(calls), s.Failed())
	})
}

func TestBudgetDenialSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		budget, err := engine.NewBudget(0, 0, 1)
		require.NoError(t, err)
		e := newEngine(t, engine.WithBudget(budget))
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky })
		assert.ErrorIs(t, err, engine.ErrBudgetExhausted)
		assert.ErrorIs(t, err, errFlaky)
	})
}

func TestBudgetTrickle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		budget, err := engine.NewBudget(0, 0.5, 3)
		require.NoError(t, err)
		assert.Equal(t, 0, budget.Tokens())
		time.Sleep(3 * time.Second)
		assert.Equal(t, 1, budget.Tokens(), "half a token a second")
		time.Sleep(time.Minute)
		assert.Equal(t, 3, budget.Tokens(), "never above capacity")
	})
}
