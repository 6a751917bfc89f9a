package engine_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// Production code that sets a jittered backoff per call retries at exact times under an engine
// whose Overrides force a constant one: what a test needs to assert on delays.
func TestOverridesWinOverCallOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t,
			engine.Defaults(engine.MaxAttempts(10)),
			engine.Overrides(engine.Backoff(backoff.Constant(time.Second)), engine.MaxAttempts(3)))
		var starts []time.Time
		op := func(context.Context) (int, error) {
			starts = append(starts, time.Now())
			return 0, errors.New("down")
		}
		_, err := engine.Do(context.Background(), e, op,
			engine.Backoff(backoff.FullJitter(backoff.Exponential(time.Minute, 3))), engine.MaxAttempts(7))
		require.ErrorIs(t, err, engine.ErrExhausted)
		require.Len(t, starts, 3, "the override's MaxAttempts, not the call's")
		assert.Equal(t, time.Second, starts[1].Sub(starts[0]))
		assert.Equal(t, time.Second, starts[2].Sub(starts[1]))

		starts = nil
		_, err = engine.Do(context.Background(), e, op) // no options: the engine's policy
		require.ErrorIs(t, err, engine.ErrExhausted)
		require.Len(t, starts, 3, "overrides win over Defaults")
		assert.Equal(t, time.Second, starts[2].Sub(starts[1]))
	})
}

func TestOverridesLeaveTheCallersOptionsAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.Overrides(engine.MaxAttempts(1)))
		opts := make([]engine.CallOption, 1, 4) // room after the call's option
		opts[0] = engine.Name("a")
		spare := opts[:2]
		_, err := engine.Do(context.Background(), e, func(context.Context) (int, error) { return 1, nil }, opts...)
		require.NoError(t, err)
		assert.Nil(t, spare[1], "the overrides were not appended into the caller's array")
	})
}

func TestOverridesAreCheckedByNew(t *testing.T) {
	_, err := engine.New(engine.Overrides(engine.MaxAttempts(0)))
	assert.ErrorContains(t, err, "engine: MaxAttempts 0")
	_, err = engine.New(engine.Overrides(nil))
	assert.ErrorContains(t, err, "engine: nil CallOption")
}
