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

// A rate-limited key's queue is bounded: a first attempt that finds it full is refused, and a
// call canceled while it waited makes room again.
func TestRateLimitQueueIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(1, 1), engine.WithRateLimitQueue(3))
		s := newStarts()
		fs := make([]*engine.Future[int], 4)
		for i := range fs { // the burst's one goes at once, three wait for a token each
			var err error
			fs[i], err = engine.Submit(t.Context(), e, s.ok(i))
			require.NoError(t, err)
		}
		_, err := engine.TrySubmit(t.Context(), e, s.ok(4))
		require.ErrorIs(t, err, engine.ErrRateLimited, "three wait: the queue is full")
		_, err = engine.Submit(t.Context(), e, s.ok(4))
		require.ErrorIs(t, err, engine.ErrRateLimited, "Submit is refused too")
		_, err = engine.SubmitAll(t.Context(), e, []func(context.Context) (int, error){s.ok(4)})
		require.ErrorIs(t, err, engine.ErrRateLimited, "and a batch")

		fs[3].Cancel(nil)
		f, err := engine.Submit(t.Context(), e, s.ok(5))
		require.NoError(t, err, "the canceled call's place is free")
		_, err = f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, ms(0, 1000, 2000, 3000), append(s.of(0), append(s.of(1), append(s.of(2), s.of(5)...)...)...),
			"the queue goes at the rate, the late call in the canceled one's turn")
		st := e.Stats()
		assert.Equal(t, uint64(3), st.RateLimited)
		assert.Equal(t, uint64(3), st.Rejected)
	})
}

// Retries of admitted calls always wait their turn, even in a full queue.
func TestRateLimitQueueTakesRetriesBeyondItsBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 1), engine.WithRateLimitQueue(1))
		op, calls := failing(1, errTransient, 1)
		f, err := engine.Submit(t.Context(), e, op, engine.Backoff(backoff.Immediate())) // its first attempt takes the token
		require.NoError(t, err)
		s := newStarts()
		_, err = engine.Submit(t.Context(), e, s.ok(0)) // fills the queue
		require.NoError(t, err)
		_, err = f.Await(t.Context())
		require.NoError(t, err, "its retry waited beyond the bound, behind the queued call")
		assert.Equal(t, 2, *calls)
		assert.Equal(t, ms(100), s.of(0))
		assert.Equal(t, 200*time.Millisecond, time.Since(s.t0))
	})
}
