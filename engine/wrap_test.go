package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestWrap1RetriesWithTheArgument(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
		tries := map[int]int{}
		square := engine.Wrap1(e, func(_ context.Context, n int) (int, error) {
			if tries[n]++; tries[n] < 3 {
				return 0, errFlaky
			}
			return n * n, nil
		}, engine.Name("square"))
		start := time.Now()
		v, err := square(t.Context(), 7)
		require.NoError(t, err)
		assert.Equal(t, 49, v)
		assert.Equal(t, 2*time.Second, time.Since(start), "two retries, a second apart")
		v, err = square(t.Context(), 3)
		require.NoError(t, err)
		assert.Equal(t, 9, v)
		assert.Equal(t, map[int]int{7: 3, 3: 3}, tries)
	})
}

func TestWrap2PassesBothArguments(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		join := engine.Wrap2(e, func(_ context.Context, s string, n int) (string, error) {
			return s + strconv.Itoa(n), nil
		})
		v, err := join(t.Context(), "a", 1)
		require.NoError(t, err)
		assert.Equal(t, "a1", v)
	})
}

func TestWrap1RefusesBadInputOnEveryCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		id := func(_ context.Context, n int) (int, error) { return n, nil }
		cases := []struct {
			name string
			fn   func(context.Context, int) (int, error)
			want string
		}{
			{"nil engine", engine.Wrap1(nil, id), "engine: nil *Engine"},
			{"nil fn", engine.Wrap1[int, int](e, nil), "engine: op is nil"},
			{"nil fn of Wrap2", func(ctx context.Context, n int) (int, error) {
				return engine.Wrap2[int, int, int](e, nil)(ctx, n, n)
			}, "engine: op is nil"},
			{"invalid option", engine.Wrap1(e, id, engine.MaxAttempts(-1)), "MaxAttempts -1"},
			{"Map's option", engine.Wrap1(e, id, engine.MaxInFlight(2)), "MaxInFlight(2)"},
			{"nil ctx", func(_ context.Context, n int) (int, error) {
				var nilCtx context.Context // a variable: staticcheck (SA1012) rejects a literal nil
				return engine.Wrap1(e, id)(nilCtx, n)
			}, "engine: nil Context"},
		}
		for _, tc := range cases {
			for range 2 {
				_, err := tc.fn(t.Context(), 1)
				assert.ErrorContains(t, err, tc.want, tc.name)
			}
		}
	})
}

func TestWrap1TurnsAPanicIntoAnErrorAndEndsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		f := engine.Wrap1(e, func(ctx context.Context, n int) (int, error) {
			if n < 0 {
				panic(fmt.Sprint("negative: ", n))
			}
			select { // on the caller's goroutine, as Do's first attempt: it must honour ctx
			case <-time.After(time.Hour):
				return n, nil
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		})
		_, err := f(t.Context(), -1)
		var pe *engine.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "negative: -1", pe.Value)

		stop := errors.New("stop")
		ctx, cancel := context.WithTimeoutCause(t.Context(), time.Second, stop)
		defer cancel()
		start := time.Now()
		_, err = f(ctx, 1)
		assert.ErrorIs(t, err, stop)
		var re *engine.RetryError
		require.ErrorAs(t, err, &re, "the call's own error, not the bare cause")
		assert.Equal(t, time.Second, time.Since(start), "at once when ctx ends")
	})
}
