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
		const capacity = 20
		budget, err := engine.NewBudget(0.1, 2, capacity)
		require.NoError(t, err)
		// One worker and a queue of one: each call's deposit comes just before its failure, so
		// few deposits find the bucket full at the start and are lost.
		e := newEngine(t, engine.WithBudget(budget), engine.WithMaxConcurrency(1), engine.WithQueueSize(1),
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
		allowed := uint64(0.1*calls + 2*elapsed + capacity)
		t.Logf("%d calls failing every attempt: %d retries (without a budget: %d), %d denied, in %.0fs",
			calls, s.Retries, 2*calls, s.Budget, elapsed)
		assert.LessOrEqual(t, s.Retries, allowed, "retries within 10% of calls, the trickle and the initial capacity")
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
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 2, re.Attempts, "the one token paid for the first retry, none was left for the second")
	})
}

func TestBudgetStartsFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		budget, err := engine.NewBudget(0.1, 0, 5)
		require.NoError(t, err)
		assert.Equal(t, 5, budget.Tokens())
		e := newEngine(t, engine.WithBudget(budget))
		op, calls := failing(1, errFlaky, "v")
		v, err := engine.Do(t.Context(), e, op)
		require.NoError(t, err, "the first failure after start-up is retried")
		assert.Equal(t, "v", v)
		assert.Equal(t, 2, *calls)
		assert.Equal(t, 4, budget.Tokens(), "a token for the retry; the call's tenth found the bucket full")
	})
}
