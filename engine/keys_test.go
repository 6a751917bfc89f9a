package engine_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

func TestKeyedBreakersIsolateDependencies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var changes []engine.BreakerChange
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(3)), engine.WithName("api"),
			engine.WithHooks(engine.Hooks{OnBreakerChange: func(c engine.BreakerChange) {
				mu.Lock()
				changes = append(changes, c)
				mu.Unlock()
			}}),
			engine.Defaults(engine.MaxAttempts(1)))
		dead := func(context.Context) (int, error) { return 0, errFlaky }
		good := func(context.Context) (int, error) { return 1, nil }
		for range 3 {
			_, err := engine.Do(t.Context(), e, dead, engine.Key("dead.example:443"))
			require.ErrorIs(t, err, errFlaky)
		}
		_, err := engine.Submit(t.Context(), e, good, engine.Key("dead.example:443"))
		assert.ErrorIs(t, err, breaker.ErrOpen, "the dead key's breaker is open")
		v, err := engine.Do(t.Context(), e, good, engine.Key("good.example:443"))
		require.NoError(t, err, "another key's breaker is its own")
		assert.Equal(t, 1, v)
		_, err = engine.Do(t.Context(), e, good)
		require.NoError(t, err, "so is the breaker of calls without a key")

		assert.Equal(t, breaker.Open, e.KeyBreaker("dead.example:443").State())
		assert.Equal(t, breaker.Closed, e.KeyBreaker("good.example:443").State())
		assert.Equal(t, breaker.Closed, e.Breaker().State())
		ks, ok := e.KeyStats("dead.example:443")
		require.True(t, ok)
		assert.Equal(t, breaker.Open, ks.Breaker.State)
		assert.EqualValues(t, 3, ks.Breaker.Failures)
		mu.Lock()
		assert.Equal(t, []engine.BreakerChange{{Engine: "api", Key: "dead.example:443", From: breaker.Closed, To: breaker.Open}}, changes)
		mu.Unlock()
	})
}

func TestKeysAreForgottenWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Hour)),
			engine.WithKeyIdle(time.Minute), engine.Defaults(engine.MaxAttempts(1)))
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky }, engine.Key("down"))
		require.ErrorIs(t, err, errFlaky)
		e.KeyBreaker("pinned").ForceOpen()

		ok := func(context.Context) (int, error) { return 1, nil }
		for i := range 10_000 {
			_, err := engine.Do(t.Context(), e, ok, engine.Key(fmt.Sprint("host-", i)))
			require.NoError(t, err)
		}
		assert.LessOrEqual(t, e.Stats().Keys, 1024+3, "memory bounded with many distinct keys")
		assert.Equal(t, breaker.Open, e.KeyBreaker("down").State(), "an open breaker is remembered while the key is not idle long")

		time.Sleep(time.Minute)
		for i := range 2048 {
			_, err := engine.Do(t.Context(), e, ok, engine.Key(fmt.Sprint("late-", i)))
			require.NoError(t, err)
		}
		_, held := e.KeyStats("down")
		assert.False(t, held, "forgotten after idling a minute")
		assert.Equal(t, breaker.ForcedOpen, e.KeyBreaker("pinned").State(), "a breaker set by hand stays")
	})
}

func TestKeyInUseIsNeverForgotten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(1, 10), engine.WithKeyIdle(time.Millisecond))
		slow := (&latency{d: time.Hour}).op
		f, err := engine.Submit(t.Context(), e, slow, engine.Key("busy"))
		require.NoError(t, err)
		waiting, err := engine.Submit(t.Context(), e, slow, engine.Key("busy"))
		require.NoError(t, err)
		time.Sleep(time.Second)
		for i := range 3000 {
			_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil }, engine.Key(fmt.Sprint(i)))
			require.NoError(t, err)
		}
		ks, ok := e.KeyStats("busy")
		require.True(t, ok)
		assert.Equal(t, engine.KeyStats{Key: "busy", Calls: 2, Running: 1, SlotWaiting: 1}, ks)
		f.Cancel(nil)
		waiting.Cancel(nil)
	})
}

func TestHookEventsCarryTheKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		keys := map[string]string{}
		note := func(event, key string) {
			mu.Lock()
			keys[event] = key
			mu.Unlock()
		}
		e := newEngine(t, engine.WithHooks(engine.Hooks{
			OnAttemptStart: func(a engine.AttemptStart) { note("start", a.Key) },
			OnAttemptEnd:   func(a engine.AttemptEnd) { note("end", a.Key) },
			OnRetry:        func(r engine.RetryScheduled) { note("retry", r.Key) },
			OnSettled:      func(s engine.Settled) { note("settled", s.Key) },
		}))
		op, _ := failing(1, errFlaky, 1)
		_, err := engine.Do(t.Context(), e, op, engine.Key("db-primary"))
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"start": "db-primary", "end": "db-primary", "retry": "db-primary", "settled": "db-primary"}, keys)
	})
}

func TestBreakerHookMayCallTheEngineWhileKeysAreSwept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var e *engine.Engine
		var seen atomic.Int64
		e = newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Second)),
			engine.WithHooks(engine.Hooks{OnBreakerChange: func(engine.BreakerChange) {
				seen.Add(int64(e.Stats().Keys)) // reading the engine from the hook
			}}),
			engine.Defaults(engine.MaxAttempts(1)))
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky }, engine.Key("dead"))
		require.ErrorIs(t, err, errFlaky)
		time.Sleep(2 * time.Second) // open for 1s: the sweep finds it half-open, and says so
		for i := range 1100 {
			_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil }, engine.Key(fmt.Sprint(i)))
			require.NoError(t, err)
		}
		assert.Positive(t, seen.Load())
	})
}
