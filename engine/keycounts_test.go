package engine_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestKeyStatsCountEachKeysCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithKeyStats(), engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
		flaky, _ := failing(1, errFlaky, 1)
		_, err := engine.Do(t.Context(), e, flaky, engine.Key("billing"))
		require.NoError(t, err)
		for range 2 {
			_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, engine.Permanent(errFlaky) },
				engine.Key("search"))
			require.Error(t, err)
		}
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil })
		require.NoError(t, err)

		billing, ok := e.KeyStats("billing")
		require.True(t, ok)
		assert.Equal(t, engine.CallCounts{Submitted: 1, Succeeded: 1, Attempts: 2, Retries: 1}, billing.Counts)
		search, ok := e.KeyStats("search")
		require.True(t, ok)
		assert.EqualValues(t, 2, search.Counts.Submitted)
		assert.EqualValues(t, 2, search.Counts.FailedFor(engine.ReasonPermanent))
		assert.EqualValues(t, 2, search.Counts.Failed())
		assert.EqualValues(t, 2, search.Counts.Attempts)

		var keys []string
		for _, s := range e.AllKeyStats() {
			keys = append(keys, fmt.Sprintf("%q:%d", s.Key, s.Counts.Submitted))
		}
		assert.Equal(t, `"":1`, keys[0], `the key "" first`)
		assert.ElementsMatch(t, []string{`"":1`, `"billing":1`, `"search":2`}, keys)
	})
}

func TestKeyStatsAreOffUnlessAsked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil }, engine.Key("billing"))
		require.NoError(t, err)
		_, ok := e.KeyStats("billing")
		assert.False(t, ok, "no key state at all: no breakers, bulkheads or key stats")
		assert.Empty(t, e.AllKeyStats())
	})
}

// A key that counts is kept while it is idle for less than WithKeyIdle, even when sweeps run:
// its counts would be lost.
func TestCountedKeysStayForTheirIdleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithKeyStats(), engine.WithKeyIdle(time.Minute))
		ok := func(context.Context) (int, error) { return 1, nil }
		_, err := engine.Do(t.Context(), e, ok, engine.Key("billing"))
		require.NoError(t, err)
		sweep := func(prefix string) {
			for i := range 2048 { // the registry doubles: it is swept
				_, err := engine.Do(t.Context(), e, ok, engine.Key(fmt.Sprint(prefix, i)))
				require.NoError(t, err)
			}
		}
		sweep("early-")
		s, held := e.KeyStats("billing")
		require.True(t, held, "idle for less than a minute")
		assert.EqualValues(t, 1, s.Counts.Succeeded)

		time.Sleep(time.Minute)
		sweep("late-")
		_, held = e.KeyStats("billing")
		assert.False(t, held, "forgotten after idling a minute")
	})
}

func BenchmarkKeyStats(b *testing.B) {
	for _, counted := range []bool{false, true} {
		b.Run(fmt.Sprintf("counted=%t", counted), func(b *testing.B) {
			var opts []engine.Option
			if counted {
				opts = append(opts, engine.WithKeyStats())
			}
			e, err := engine.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			op := func(context.Context) (int, error) { return 1, nil }
			key := engine.Key("billing")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.Do(context.Background(), e, op, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
