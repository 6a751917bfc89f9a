package engine

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
)

// TestMaxAttemptsBeyondMaxInt32 lets a call run as if 2^31-1 attempts had passed: its limit,
// above what 32 bits count, is reached all the same, and Attempts never goes negative.
func TestMaxAttemptsBeyondMaxInt32(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := New(WithMaxConcurrency(1))
		require.NoError(t, err)
		defer func() { require.NoError(t, e.Close(context.Background())) }()
		const limit = math.MaxInt32 + 2
		calls := 0
		f, err := Submit(t.Context(), e, func(context.Context) (int, error) {
			calls++
			if calls > 3 {
				return 0, Permanent(errors.New("ran past its limit"))
			}
			return 0, errors.New("flaky")
		}, MaxAttempts(limit), Backoff(backoff.Constant(time.Hour)))
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, 1, e.Stats().Waiting, "the first attempt failed; its retry waits")
		f.attempts.Store(math.MaxInt32) // the retry will be the 2^31th attempt
		time.Sleep(3 * time.Hour)

		_, err = f.Await(t.Context())
		var re *RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, ReasonExhausted, re.Reason)
		assert.Equal(t, limit, re.Attempts)
		assert.Equal(t, limit, f.Attempts())
		assert.Equal(t, 3, calls)
	})
}
