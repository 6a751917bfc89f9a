package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// countingBudget is a RetryBudget kept outside the engine: it allows a fixed number of retries
// and counts what the engine asks of it.
type countingBudget struct {
	deposits, withdrawals atomic.Int64
	left                  atomic.Int64
}

func (b *countingBudget) Deposit() { b.deposits.Add(1) }

func (b *countingBudget) Withdraw() bool {
	b.withdrawals.Add(1)
	return b.left.Add(-1) >= 0
}

func TestWithBudgetTakesAnyRetryBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := new(countingBudget)
		b.left.Store(3)
		e := newEngine(t, engine.WithBudget(b), engine.Defaults(engine.MaxAttempts(3)))
		for range 4 {
			_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky })
			require.Error(t, err)
		}
		assert.Equal(t, int64(4), b.deposits.Load(), "one deposit per call")
		s := e.Stats()
		assert.Equal(t, uint64(3), s.Retries, "three retries allowed in all")
		assert.Equal(t, uint64(b.withdrawals.Load()), s.Retries+s.Budget, "one withdrawal per retry asked for")
		assert.Equal(t, uint64(3), s.FailedBy[engine.ReasonBudget], "the second call after one retry, the last two at once")
	})
}

func TestWithBudgetRejectsNil(t *testing.T) {
	var nilBudget *engine.Budget
	for name, b := range map[string]engine.RetryBudget{"nil": nil, "nil *Budget": nilBudget} {
		_, err := engine.New(engine.WithBudget(b))
		assert.ErrorContains(t, err, "WithBudget", name)
	}
}
