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

func sleeper(d time.Duration, v int, err error) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		time.Sleep(d)
		return v, err
	}
}

func TestAwaitAllJoinsErrorsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var fs []*engine.Future[int]
		for i, d := range []time.Duration{3, 1, 2} {
			var err error
			if i == 1 {
				err = engine.Permanent(errFlaky)
			}
			f, serr := engine.Submit(t.Context(), e, sleeper(d*time.Second, i+10, err))
			require.NoError(t, serr)
			fs = append(fs, f)
		}
		vals, err := engine.AwaitAll(t.Context(), fs...)
		assert.Equal(t, []int{10, 0, 12}, vals)
		assert.ErrorIs(t, err, errFlaky)
		assert.ErrorIs(t, err, engine.ErrPermanent)
	})
}

func TestCompletedYieldsInSettlingOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var fs []*engine.Future[int]
		for _, d := range []int{3, 1, 2} {
			f, err := engine.Submit(t.Context(), e, sleeper(time.Duration(d)*time.Second, d, nil))
			require.NoError(t, err)
			fs = append(fs, f)
		}
		var order []int
		for f, err := range engine.Completed(t.Context(), fs...) {
			require.NoError(t, err)
			v, _ := f.Result()
			order = append(order, v)
		}
		assert.Equal(t, []int{1, 2, 3}, order)
	})
}

func TestCompletedStopsCleanlyOnBreakAndYieldsTheRestWhenTheContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var fs []*engine.Future[int]
		for i := range 10 {
			f, err := engine.Submit(t.Context(), e, sleeper(time.Duration(i+1)*time.Second, i, nil))
			require.NoError(t, err)
			fs = append(fs, f)
		}
		start := time.Now()
		for range engine.Completed(t.Context(), fs...) {
			break // no goroutine may be left behind (synctest fails the test if one is)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5500*time.Millisecond)
		defer cancel()
		var settled, pending []int
		for f, err := range engine.Completed(ctx, fs...) {
			require.NotNil(t, f)
			if err != nil {
				require.ErrorIs(t, err, context.DeadlineExceeded)
				_, rerr := f.Result()
				require.ErrorIs(t, rerr, engine.ErrPending, "the call goes on")
				pending = append(pending, int(time.Since(start)/time.Second))
				continue
			}
			v, _ := f.Result()
			settled = append(settled, v)
		}
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, settled, "the one settled before, then five more by 6.5s")
		assert.Equal(t, []int{6, 6, 6, 6}, pending, "the rest at once when the context ends, at 6.5s")
	})
}

func TestWrapIsTheDecoratorForm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		op, calls := failing(1, errFlaky, "v")
		fetch := engine.Wrap(e, op, engine.MaxAttempts(2))
		v, err := fetch(t.Context())
		require.NoError(t, err)
		assert.Equal(t, "v", v)
		assert.Equal(t, 2, *calls)
	})
}

func TestFutureDoneAndResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		f, err := engine.Submit(t.Context(), e, sleeper(time.Second, 5, nil))
		require.NoError(t, err)
		_, err = f.Result()
		assert.ErrorIs(t, err, engine.ErrPending)
		waiters := make(chan int, 3)
		for range 3 {
			go func() { <-f.Done(); v, _ := f.Result(); waiters <- v }()
		}
		for range 3 {
			assert.Equal(t, 5, <-waiters, "Done is a broadcast")
		}
		select {
		case <-f.Done():
		default:
			t.Fatal("Done made after settling must be closed")
		}
	})
}
