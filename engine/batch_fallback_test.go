package engine_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// A Fallback given to a batch or a decorator covers each of its calls, as it covers a Submit's
// or a Do's; an open breaker's refusal falls back in Map and Wrap1, as in Do.
func TestBatchesAndDecoratorsFallBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker())
		errDown := errors.New("down")
		op := func(_ context.Context, i int) (int, error) {
			if i%2 == 1 {
				return 0, engine.Permanent(errDown)
			}
			return i, nil
		}
		cached := engine.Fallback(func(_ context.Context, err error) (int, error) {
			if !errors.Is(err, errDown) && !errors.Is(err, breaker.ErrOpen) {
				return 0, err
			}
			return -1, nil
		})
		got := map[int]int{}
		for i, r := range engine.Map(t.Context(), e, inputs(4), op, cached) {
			require.NoError(t, r.Err)
			got[i] = r.Value
		}
		assert.Equal(t, map[int]int{0: 0, 1: -1, 2: 2, 3: -1}, got)

		fs, err := engine.SubmitAll(t.Context(), e, []func(context.Context) (int, error){
			func(ctx context.Context) (int, error) { return op(ctx, 0) },
			func(ctx context.Context) (int, error) { return op(ctx, 1) },
		}, cached)
		require.NoError(t, err)
		vs, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		assert.Equal(t, []int{0, -1}, vs)
		assert.Nil(t, fs[0].Replaced())
		assert.ErrorIs(t, fs[1].Replaced(), errDown)

		f := engine.Wrap1(e, op, cached)
		v, err := f(t.Context(), 3)
		assert.NoError(t, err)
		assert.Equal(t, -1, v)

		e.Breaker().ForceOpen()
		v, err = f(t.Context(), 2)
		assert.NoError(t, err, "refused by the open breaker: falls back, as Do does")
		assert.Equal(t, -1, v)
		for _, r := range engine.Map(t.Context(), e, inputs(2), op, cached) {
			assert.NoError(t, r.Err)
			assert.Equal(t, -1, r.Value)
		}
		_, err = engine.SubmitAll(t.Context(), e, []func(context.Context) (int, error){func(context.Context) (int, error) { return 1, nil }}, cached)
		assert.ErrorIs(t, err, breaker.ErrOpen, "SubmitAll refuses as Submit does")

		wrong := engine.Fallback(func(context.Context, error) (string, error) { return "", nil })
		for _, r := range engine.Map(t.Context(), e, inputs(1), op, wrong) {
			assert.ErrorContains(t, r.Err, "Fallback for")
		}
		_, err = engine.Wrap1(e, op, wrong)(t.Context(), 1)
		assert.ErrorContains(t, err, "Fallback for")
	})
}
