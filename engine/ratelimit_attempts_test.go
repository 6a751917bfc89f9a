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

func TestRetriesAndHedgesTakeTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 1), engine.WithKeyRateLimit("hedged", 10, 2))
		s := newStarts()
		// Retries: 10ms of backoff, but a token only every 100ms.
		op := func(ctx context.Context) (int, error) {
			s.note(0)
			if a, _ := engine.AttemptOf(ctx); a.Number < 3 {
				return 0, errTransient
			}
			return 1, nil
		}
		_, err := engine.Do(t.Context(), e, op, engine.Backoff(backoff.Constant(10*time.Millisecond)))
		require.NoError(t, err)
		assert.Equal(t, ms(0, 100, 200), s.of(0))
		assert.Equal(t, uint64(2), e.Stats().Paced, "both retries waited for their turn")

		// Hedges after 30ms: the first takes the burst's second token, the second finds none
		// and is not started (a hedge never waits); the first hedge wins at 80ms.
		s = newStarts()
		hedged := func(ctx context.Context) (int, error) {
			s.note(1)
			if a, _ := engine.AttemptOf(ctx); a.Number == 1 {
				<-ctx.Done()
				return 0, ctx.Err()
			}
			time.Sleep(50 * time.Millisecond)
			return 2, nil
		}
		v, err := engine.Do(t.Context(), e, hedged, engine.Key("hedged"), engine.Hedge(30*time.Millisecond, 2))
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.Equal(t, ms(0, 30), s.of(1))
		st := e.Stats()
		assert.Equal(t, uint64(1), st.Hedges)
		assert.Equal(t, uint64(1), st.RateLimited, "the second hedge")
		// The hedge took a token: the next call waits for the one due at 100ms.
		_, err = engine.Do(t.Context(), e, s.ok(2), engine.Key("hedged"))
		require.NoError(t, err)
		assert.Equal(t, ms(100), s.of(2))
	})
}

func TestHedgeWithoutATokenIsNotStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 1))
		s := newStarts()
		op := func(ctx context.Context) (int, error) {
			s.note(0)
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(150 * time.Millisecond):
				return 1, nil
			}
		}
		v, err := engine.Do(t.Context(), e, op, engine.Hedge(30*time.Millisecond, 2))
		require.NoError(t, err, "the hedge found no token: the first attempt goes on and wins")
		assert.Equal(t, 1, v)
		assert.Equal(t, ms(0), s.of(0))
		st := e.Stats()
		assert.Zero(t, st.Hedges)
		assert.Zero(t, st.Paced, "a hedge never waits")
		assert.Equal(t, uint64(1), st.RateLimited)
	})
}

func TestRateLimitBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 2))
		s := newStarts()
		inputs := []int{0, 1, 2, 3, 4}
		fn := func(_ context.Context, i int) (int, error) {
			s.note(i)
			return i, nil
		}
		for _, r := range engine.Map(t.Context(), e, inputs, fn) {
			require.NoError(t, r.Err)
		}
		for i, want := range ms(0, 0, 100, 200, 300) {
			assert.Equal(t, []time.Duration{want}, s.of(i), "input %d", i)
		}

		// A batch that cannot have a token for every call at once, or in time, is refused whole.
		ops := make([]func(context.Context) (int, error), 3)
		for i := range ops {
			ops[i] = s.ok(10 + i)
		}
		_, err := engine.SubmitAll(t.Context(), e, ops, engine.OnRateLimit(engine.FailIfLimited))
		require.ErrorIs(t, err, engine.ErrRateLimited)
		ctx, cancel := context.WithTimeout(t.Context(), 250*time.Millisecond)
		defer cancel()
		_, err = engine.SubmitAll(ctx, e, ops)
		require.ErrorIs(t, err, context.DeadlineExceeded, "the third turn is at 600ms")
		for i := range ops {
			assert.Empty(t, s.of(10+i))
		}
		fs, err := engine.SubmitAll(t.Context(), e, ops)
		require.NoError(t, err)
		for i, f := range fs {
			_, err := f.Await(t.Context())
			require.NoError(t, err)
			assert.Equal(t, ms(400+100*i), s.of(10+i))
		}
		assert.Equal(t, uint64(6), e.Stats().RateLimited)
	})
}

func TestRateLimitedDoFallsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(1, 1), engine.Defaults(engine.OnRateLimit(engine.FailIfLimited)))
		s := newStarts()
		fb := engine.Fallback(func(_ context.Context, err error) (int, error) {
			assert.ErrorIs(t, err, engine.ErrRateLimited)
			return -1, nil
		})
		v, err := engine.Do(t.Context(), e, s.ok(0), fb)
		require.NoError(t, err)
		assert.Equal(t, 0, v)
		v, err = engine.Do(t.Context(), e, s.ok(1), fb)
		require.NoError(t, err)
		assert.Equal(t, -1, v, "refused, and its fallback answered")
		assert.Equal(t, uint64(1), e.Stats().FellBack)
	})
}

func TestRateLimitedDoRunsOnTheCallerWithAToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 1))
		caller := goroutine()
		s := newStarts()
		var here []bool
		op := func(i int) func(context.Context) (int, error) {
			return func(context.Context) (int, error) {
				s.note(i)
				here = append(here, goroutine() == caller)
				return i, nil
			}
		}
		for i := range 2 {
			_, err := engine.Do(t.Context(), e, op(i))
			require.NoError(t, err)
		}
		assert.Equal(t, []bool{true, false}, here, "with a token on the caller; waiting for one, on a worker when its turn comes")
		assert.Equal(t, ms(100), s.of(1))
	})
}
