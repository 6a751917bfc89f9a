package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

func TestBreakerFactoryMakesEveryKeysBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		made := map[string]*breaker.Breaker{}
		var changes []engine.BreakerChange
		e := newEngine(t,
			engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Second)),
			engine.WithHooks(engine.Hooks{OnBreakerChange: func(c engine.BreakerChange) {
				mu.Lock()
				changes = append(changes, c)
				mu.Unlock()
			}}),
			engine.WithBreakerFactory(func(key string, opts ...breaker.Option) (*breaker.Breaker, error) {
				b, err := breaker.New(append(opts, breaker.ProbeGate(func() bool { return false }))...)
				mu.Lock()
				made[key] = b
				mu.Unlock()
				return b, err
			}),
			engine.Defaults(engine.MaxAttempts(1)))
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky }, engine.Key("db"))
		require.ErrorIs(t, err, errFlaky)

		mu.Lock()
		assert.Len(t, made, 2, `the key "" at New, then "db"`)
		assert.Same(t, made["db"], e.KeyBreaker("db"), "the engine uses the breaker the factory made")
		assert.Equal(t, []engine.BreakerChange{{Key: "db", From: breaker.Closed, To: breaker.Open}}, changes,
			"the engine's own options were passed on")
		mu.Unlock()

		time.Sleep(time.Second)
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil }, engine.Key("db"))
		assert.ErrorIs(t, err, breaker.ErrProbeLimit, "the factory's own option, a gate that says no, applies")
	})
}

func TestBreakerFactoryErrors(t *testing.T) {
	_, err := engine.New(engine.WithBreakerFactory(nil))
	assert.ErrorContains(t, err, "WithBreakerFactory")

	boom := errors.New("boom")
	_, err = engine.New(engine.WithBreakerFactory(func(string, ...breaker.Option) (*breaker.Breaker, error) { return nil, boom }))
	assert.ErrorIs(t, err, boom)

	_, err = engine.New(engine.WithBreakerFactory(func(string, ...breaker.Option) (*breaker.Breaker, error) { return nil, nil }))
	assert.ErrorContains(t, err, "made no breaker")
}
