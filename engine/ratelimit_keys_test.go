package engine_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

func TestRateLimitPerKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 1), engine.WithKeyRateLimit("fast", 100, 2))
		s := newStarts()
		var fs []*engine.Future[int]
		for i := range 4 {
			for k, key := range []string{"a", "b", "fast"} {
				f, err := engine.Submit(t.Context(), e, s.ok(10*k+i), engine.Key(key))
				require.NoError(t, err)
				fs = append(fs, f)
			}
		}
		for _, f := range fs {
			_, err := f.Await(t.Context())
			require.NoError(t, err)
		}
		for i, want := range ms(0, 100, 200, 300) {
			assert.Equal(t, []time.Duration{want}, s.of(i), "key a, call %d", i)
			assert.Equal(t, []time.Duration{want}, s.of(10+i), "key b, call %d: a's queue is a's", i)
		}
		for i, want := range ms(0, 0, 10, 20) {
			assert.Equal(t, []time.Duration{want}, s.of(20+i), "key fast, call %d", i)
		}
		p, ok := e.Pacing("fast")
		require.True(t, ok)
		assert.Equal(t, engine.PaceState{Rate: 100}, p)
	})
}

func TestRateLimitOnlyForKeysNamed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithKeyRateLimit("slow", 1, 1))
		s := newStarts()
		for i := range 3 {
			_, err := engine.Do(t.Context(), e, s.ok(i), engine.Key("other"))
			require.NoError(t, err)
		}
		assert.Equal(t, ms(0), s.of(2), "a key without a limit is not paced")
		_, ok := e.Pacing("other")
		assert.False(t, ok)
		for i := 3; i < 5; i++ {
			_, err := engine.Do(t.Context(), e, s.ok(i), engine.Key("slow"))
			require.NoError(t, err)
		}
		assert.Equal(t, ms(1000), s.of(4))
	})
}

func TestRateLimitForgetsIdleBuckets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(1000, 1))
		ok := func(context.Context) (int, error) { return 1, nil }
		call := func(key string) {
			_, err := engine.Do(t.Context(), e, ok, engine.Key(key))
			require.NoError(t, err)
		}
		for i := range 1000 {
			call(fmt.Sprint("old", i))
		}
		time.Sleep(10 * time.Millisecond) // their buckets are full again
		for i := range 100 {
			call(fmt.Sprint("new", i)) // the 1,024th bucket sweeps the registry
		}
		_, held := e.Pacing("old0")
		assert.False(t, held, "a full bucket is as a new one: forgotten")
		_, held = e.Pacing("new99")
		assert.True(t, held, "a bucket whose next token is not due yet is kept")
	})
}

func TestRateLimitAndPushbackTheStricterWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(40, 1), engine.WithKeyRateLimit("strict", 5, 1))
		s := newLimited(10, 1) // the server admits 10 a second
		wait := fanOut(t, e, s, 100, engine.MaxAttempts(100))
		time.Sleep(4 * time.Second)
		p, ok := e.Pacing("api")
		require.True(t, ok)
		assert.Less(t, p.Rate, 15.0, "the rate learnt from the server is stricter than the limit")
		assert.Equal(t, 100, wait())

		strict := newLimited(10, 1)
		start := time.Now()
		for range 10 {
			_, err := engine.Do(t.Context(), e, strict.op, engine.Key("strict"))
			require.NoError(t, err)
		}
		assert.Equal(t, 10, strict.sent, "the limit is stricter than the server: never pushed back")
		assert.Equal(t, 1800*time.Millisecond, time.Since(start), "one every 200ms")
	})
}
