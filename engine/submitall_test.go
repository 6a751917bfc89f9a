package engine_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

func TestSubmitAllReturnsAFutureForEachOpInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, settled := countingEngine(t, engine.WithMaxConcurrency(3), engine.WithQueueSize(2))
		var ops []func(context.Context) (int, error)
		for i := range 20 {
			ops = append(ops, sleeper(time.Duration(20-i)*time.Millisecond, i, nil))
		}
		fs, err := engine.SubmitAll(t.Context(), e, ops)
		require.NoError(t, err)
		vals, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		assert.Equal(t, inputs(20), vals)
		settledOnce(t, e, settled)
	})
}

func TestSubmitAllRefusesTheBatchWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ok := sleeper(0, 1, nil)
		cases := []struct {
			name string
			e    *engine.Engine
			ops  []func(context.Context) (int, error)
			opts []engine.CallOption
			want string
		}{
			{"nil op", e, []func(context.Context) (int, error){ok, nil}, nil, "engine: SubmitAll: op at index 1 is nil"},
			{"nil engine", nil, []func(context.Context) (int, error){ok}, nil, "engine: nil *Engine"},
			{"Map's option", e, []func(context.Context) (int, error){ok}, []engine.CallOption{engine.MaxInFlight(1)}, "engine: MaxInFlight(1): an option of Map, not of a call"},
		}
		for _, tc := range cases {
			fs, err := engine.SubmitAll(t.Context(), tc.e, tc.ops, tc.opts...)
			assert.Nil(t, fs, tc.name)
			assert.EqualError(t, err, tc.want, tc.name)
		}
		fs, err := engine.SubmitAll[int](t.Context(), e, nil)
		require.NoError(t, err)
		assert.Empty(t, fs)

		require.NoError(t, e.Close(t.Context()))
		_, err = engine.SubmitAll(t.Context(), e, []func(context.Context) (int, error){ok, ok})
		assert.ErrorIs(t, err, engine.ErrClosed)
		assert.Equal(t, uint64(2), e.Stats().Rejected)
		assert.Zero(t, e.Stats().Submitted)
	})
}

func TestSubmitAllSettlesWhatWaitedForRoomWhenTheContextEndsOrTheEngineCloses(t *testing.T) {
	for _, closing := range []bool{false, true} {
		name := "context ends"
		if closing {
			name = "engine closes"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, settled := countingEngine(t, engine.WithMaxConcurrency(1), engine.WithQueueSize(1))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				block := func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
				ops := []func(context.Context) (int, error){block, block, block, block}
				type result struct {
					fs  []*engine.Future[int]
					err error
				}
				got := make(chan result)
				go func() {
					fs, err := engine.SubmitAll(ctx, e, ops)
					got <- result{fs, err}
				}()
				synctest.Wait() // one call runs, one is queued, two wait for room
				var closed chan error
				if closing {
					closed = make(chan error)
					go func() {
						now, stop := context.WithTimeout(t.Context(), 0)
						defer stop()
						closed <- e.Close(now)
					}()
				} else {
					cancel()
				}
				r := <-got
				require.NoError(t, r.err, "admitted as a whole; what waited settles on its Future")
				require.Len(t, r.fs, 4)
				want := engine.ReasonCanceled
				if closing {
					want = engine.ReasonClosed
					assert.ErrorIs(t, <-closed, context.DeadlineExceeded)
				}
				for i, f := range r.fs {
					_, err := f.Await(t.Context())
					var re *engine.RetryError
					require.ErrorAs(t, err, &re, "call %d", i)
					assert.Equal(t, want, re.Reason, "call %d", i)
				}
				settledOnce(t, e, settled)
			})
		})
	}
}
