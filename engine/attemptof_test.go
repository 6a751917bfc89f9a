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

func TestAttemptOfTellsTheOperationWhichAttemptItRuns(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Minute} {
		t.Run("timeout="+timeout.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t, engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
				var seen []engine.Attempt
				_, err := engine.Do(t.Context(), e, func(ctx context.Context) (int, error) {
					child, cancel := context.WithCancel(ctx) // derived contexts answer too
					defer cancel()
					a, ok := engine.AttemptOf(child)
					require.True(t, ok)
					seen = append(seen, a)
					if a.Number < 3 {
						return 0, errFlaky
					}
					return 1, nil
				}, engine.AttemptTimeout(timeout))
				require.NoError(t, err)
				assert.Equal(t, []engine.Attempt{{Number: 1}, {Number: 2, Retry: true}, {Number: 3, Retry: true}}, seen)
			})
		})
	}
}

func TestAttemptOfAContextNoEngineGave(t *testing.T) {
	_, ok := engine.AttemptOf(context.Background())
	assert.False(t, ok)
}

// An attempt abandoned at its timeout keeps its own number while the next one runs.
func TestAttemptOfAnAbandonedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
		numbers := make(chan int, 4)
		_, err := engine.Do(t.Context(), e, func(ctx context.Context) (int, error) {
			a, _ := engine.AttemptOf(ctx)
			if a.Number == 1 {
				time.Sleep(time.Hour) // ignores its context; abandoned at the timeout
				a, _ = engine.AttemptOf(ctx)
				numbers <- a.Number
				return 0, nil
			}
			numbers <- a.Number
			return 1, nil
		}, engine.AttemptTimeout(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, 2, <-numbers)
		time.Sleep(time.Hour)
		assert.Equal(t, 1, <-numbers, "the abandoned attempt, an hour on, is still the first")
	})
}

func BenchmarkAttemptOf(b *testing.B) {
	e, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	_, _ = engine.Do(context.Background(), e, func(ctx context.Context) (int, error) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := engine.AttemptOf(ctx); !ok {
				b.Fatal("no attempt")
			}
		}
		return 0, nil
	})
}
