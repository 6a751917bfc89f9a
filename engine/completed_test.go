package engine_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

func TestCompletedYieldsAFutureGivenTwiceTwiceAndTheOthersToo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		a, err := engine.Submit(t.Context(), e, sleeper(0, 1, nil))
		require.NoError(t, err)
		<-a.Done()
		b, err := engine.Submit(t.Context(), e, sleeper(100*time.Millisecond, 2, nil))
		require.NoError(t, err)
		var got []int
		for f, err := range engine.Completed(t.Context(), a, a, b) {
			require.NoError(t, err)
			v, _ := f.Result()
			got = append(got, v)
		}
		assert.Equal(t, []int{1, 1, 2}, got, "each argument once, in settling order")
	})
}

func TestCompletedOnAnEndedContextYieldsEveryFutureWithWhatAwaitWouldReturn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		done, err := engine.Submit(t.Context(), e, sleeper(0, 1, nil))
		require.NoError(t, err)
		<-done.Done()
		slow, err := engine.Submit(t.Context(), e, sleeper(time.Hour, 2, nil))
		require.NoError(t, err)
		ctx, cancel := context.WithCancelCause(t.Context())
		stop := errors.New("enough")
		cancel(stop)

		got := map[*engine.Future[int]][]error{}
		for f, err := range engine.Completed(ctx, slow, done, slow) {
			got[f] = append(got[f], err)
		}
		assert.Equal(t, map[*engine.Future[int]][]error{done: {nil}, slow: {stop, stop}}, got)
		_, err = slow.Result()
		assert.ErrorIs(t, err, engine.ErrPending, "the call goes on")
		slow.Cancel(nil)
	})
}

func TestAwaitAllAndCompletedRefuseANilFutureByIndex(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		f, err := engine.Submit(t.Context(), e, sleeper(0, 1, nil))
		require.NoError(t, err)
		assert.PanicsWithValue(t, "engine: AwaitAll: nil Future at index 1", func() {
			_, _ = engine.AwaitAll(t.Context(), f, nil)
		})
		assert.PanicsWithValue(t, "engine: Completed: nil Future at index 0", func() {
			engine.Completed(t.Context(), nil, f)
		}, "when Completed is called, not later in the loop")
	})
}
