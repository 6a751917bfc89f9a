package engine

import (
	"fmt"
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drain empties b without letting time pass, so that what comes next is the trickle's alone.
func drain(b *Budget) {
	for b.withdraw() {
	}
}

func TestBudgetTrickle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := NewBudget(0, 0.5, 3)
		require.NoError(t, err)
		drain(b)
		assert.Equal(t, 0, b.Tokens())
		time.Sleep(3 * time.Second)
		assert.Equal(t, 1, b.Tokens(), "half a token a second")
		time.Sleep(time.Minute)
		assert.Equal(t, 3, b.Tokens(), "never above capacity")
	})
}

func TestBudgetTrickleSaturatesAfterLongIdleTimes(t *testing.T) {
	for _, tc := range []struct {
		perSecond float64
		idle      time.Duration
	}{
		{1e10, time.Second},
		{1e6, 3 * time.Hour},
		{1e4, 11 * 24 * time.Hour},
		{1, 100 * 365 * 24 * time.Hour},
		{math.MaxFloat64, time.Nanosecond},
		{math.MaxFloat64, 100 * 365 * 24 * time.Hour},
	} {
		t.Run(fmt.Sprintf("%g/s idle %v", tc.perSecond, tc.idle), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b, err := NewBudget(0, tc.perSecond, 10)
				require.NoError(t, err)
				drain(b)
				time.Sleep(tc.idle)
				assert.True(t, b.withdraw(), "a retry after an idle time of %v", tc.idle)
				assert.Equal(t, 9, b.Tokens(), "full, less the retry just taken")
				time.Sleep(tc.idle)
				assert.Equal(t, 10, b.Tokens())
			})
		})
	}
}

func TestBudgetOfTheLargestCapacityNeverOverflows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity = math.MaxInt64 / microTokens
		b, err := NewBudget(1, 1e10, capacity)
		require.NoError(t, err)
		time.Sleep(24 * time.Hour)
		require.Equal(t, capacity, b.Tokens())
		for range 3 {
			require.True(t, b.withdraw())
			b.deposit()
			time.Sleep(24 * time.Hour)
			assert.Equal(t, capacity, b.Tokens(), "a full bucket topped up stays full")
		}
	})
}
