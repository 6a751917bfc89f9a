package backoff_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
)

// TestCappedAfterJitter checks that the cap is a true maximum: it applies to
// the jittered delay, so jitter that swings above it is clipped.
func TestCappedAfterJitter(t *testing.T) {
	t.Parallel()
	const ceiling = 12 * time.Second
	s := backoff.Capped(backoff.ProportionalJitter(backoff.Constant(10*time.Second), 0.5, backoff.WithSource(seeded(20))), ceiling)
	atCap := 0
	for range samples {
		d := s.Delay(1, 0)
		if d < 5*time.Second || d > ceiling {
			require.Failf(t, "delay out of range", "%v not in [5s, %v]", d, ceiling)
		}
		if d == ceiling {
			atCap++
		}
	}
	// uniform(5s, 15s) is at or above 12s with probability 0.3.
	assert.InDelta(t, 0.3*samples, atCap, 5*math.Sqrt(samples*0.3*0.7))
}

// TestDefault checks the documented engine default: uniform over
// [0, min(60s, 1s*2^(n-1))], so the cap does not pile probability at 60s,
// and never above 60s.
func TestDefault(t *testing.T) {
	t.Parallel()
	s := backoff.Default()
	require.NoError(t, backoff.Validate(s))
	assert.Same(t, s, backoff.Default(), "one shared value")
	for _, n := range edgeNs {
		for range 1000 {
			d := s.Delay(n, time.Hour)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, time.Minute)
		}
	}

	// Default's shape with a seeded source, to check the distribution per n.
	seededDefault := func(seed uint64) backoff.Strategy {
		return backoff.FullJitter(backoff.Capped(backoff.Exponential(time.Second, 2), time.Minute), backoff.WithSource(seeded(seed)))
	}
	require.Equal(t, "FullJitter(Capped(Exponential(1s, 2), 1m0s))", seededDefault(0).(interface{ String() string }).String())
	require.Equal(t, s.(interface{ String() string }).String(), seededDefault(0).(interface{ String() string }).String())
	for _, tc := range []struct {
		n   int
		top time.Duration
	}{{1, time.Second}, {3, 4 * time.Second}, {6, 32 * time.Second}, {7, time.Minute}, {1_000_000, time.Minute}} {
		xs := draw(seededDefault(uint64(tc.n)), tc.n, 0)
		assertUniform(t, xs, 0, float64(tc.top))
		atTop := 0
		for _, x := range xs {
			if x == float64(tc.top) {
				atTop++
			}
		}
		assert.LessOrEqual(t, atTop, 1, "n=%d: no pile-up at the cap", tc.n)
	}
}

// TestWrappersForwardObserve checks that decorating an Adaptive never stops
// it learning.
func TestWrappersForwardObserve(t *testing.T) {
	t.Parallel()
	wrappers := map[string]func(backoff.Strategy) backoff.Strategy{
		"Capped":             func(s backoff.Strategy) backoff.Strategy { return backoff.Capped(s, time.Hour) },
		"FullJitter":         func(s backoff.Strategy) backoff.Strategy { return backoff.FullJitter(s) },
		"EqualJitter":        func(s backoff.Strategy) backoff.Strategy { return backoff.EqualJitter(s) },
		"ProportionalJitter": func(s backoff.Strategy) backoff.Strategy { return backoff.ProportionalJitter(s, 0.2) },
		"Adaptive":           func(s backoff.Strategy) backoff.Strategy { return backoff.NewAdaptive(s) },
		"Capped(FullJitter)": func(s backoff.Strategy) backoff.Strategy {
			return backoff.Capped(backoff.FullJitter(s), time.Hour)
		},
	}
	for name, wrap := range wrappers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inner := backoff.NewAdaptive(backoff.Constant(time.Second))
			observer, ok := wrap(inner).(backoff.Observer)
			require.True(t, ok, "%s must implement Observer", name)
			observer.Observe(false)
			assert.InDelta(t, 1-backoff.DefaultAlpha, inner.SuccessRate(), 1e-15)
			observer.Observe(true)
			assert.Greater(t, inner.SuccessRate(), 1-backoff.DefaultAlpha)
		})
	}
	// Forwarding to a strategy that does not learn, or to nothing, is a no-op.
	for _, s := range []backoff.Strategy{backoff.Capped(backoff.Constant(time.Second), time.Hour), backoff.FullJitter(nil)} {
		assert.NotPanics(t, func() { s.(backoff.Observer).Observe(false) })
	}
}
