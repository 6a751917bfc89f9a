package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// A batch with a key: its bulkhead, its breaker, its counts.

func TestMapKeepsToTheBulkheadAndTheBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, settled := countingEngine(t, engine.WithBulkhead(2, 3), engine.WithBreaker())
		var g gauge
		op := func(_ context.Context, i int) (int, error) {
			g.enter()
			defer g.leave()
			time.Sleep(time.Millisecond)
			return i, nil
		}
		for _, r := range engine.Map(t.Context(), e, inputs(6), op, engine.Key("db")) {
			assert.ErrorIs(t, r.Err, engine.ErrBulkheadFull, "4 to queue, room for 3: refused whole")
		}
		n := 0
		// A bound no larger than the bulkhead's queue: a settled call gives its slot back a moment
		// after it settles, so a wave may find the slot still held.
		for _, r := range engine.Map(t.Context(), e, inputs(20), op, engine.Key("db"), engine.MaxInFlight(3)) {
			require.NoError(t, r.Err)
			n++
		}
		assert.Equal(t, 20, n)
		assert.Equal(t, int64(2), g.peak.Load())

		e.Breaker().ForceOpen()
		for _, r := range engine.Map(t.Context(), e, inputs(3), op) {
			assert.ErrorIs(t, r.Err, breaker.ErrOpen)
		}
		settledOnce(t, e, settled)
	})
}

func TestMapAndSubmitAllCountTheirCallsPerKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithKeyStats(), engine.WithBulkhead(2, 1),
			engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
		tries := make([]atomic.Int32, 10)
		op := func(_ context.Context, i int) (int, error) {
			if tries[i].Add(1) == 1 {
				return 0, errFlaky
			}
			return i, nil
		}
		for _, r := range engine.Map(t.Context(), e, inputs(10), op, engine.Key("db"), engine.MaxInFlight(1)) {
			require.NoError(t, r.Err)
		}
		for _, r := range engine.Map(t.Context(), e, inputs(4), op, engine.Key("db")) {
			assert.ErrorIs(t, r.Err, engine.ErrBulkheadFull, "refused whole: uncounted")
		}
		fs, err := engine.SubmitAll(t.Context(), e, []func(context.Context) (int, error){sleeper(0, 1, nil), sleeper(0, 2, nil)}, engine.Key("db"))
		require.NoError(t, err)
		_, err = engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		ks, ok := e.KeyStats("db")
		require.True(t, ok)
		assert.Equal(t, uint64(12), ks.Counts.Submitted)
		assert.Equal(t, uint64(12), ks.Counts.Succeeded)
		assert.Equal(t, uint64(22), ks.Counts.Attempts)
		assert.Equal(t, uint64(10), ks.Counts.Retries)
	})
}
