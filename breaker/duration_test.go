package breaker

import (
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withRandom replaces the jitter's random source, for reproducible tests.
func withRandom(f func() float64) Option {
	return optionFunc(func(c *config) error { c.random = f; return nil })
}

// openFor returns how long the open breaker will stay open from now.
func openFor(t *testing.T, b *Breaker) time.Duration {
	t.Helper()
	at, ok := b.HalfOpenAt()
	require.True(t, ok, "the breaker is open")
	return time.Until(at)
}

func TestOpenBackoffGrowsWithConsecutiveTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var asked []int
		b := newBreaker(t, ConsecutiveFailures(1), OpenBackoff(func(trips int) time.Duration {
			asked = append(asked, trips)
			return time.Duration(trips) * time.Second
		}))
		var got []time.Duration
		fail(t, b, 1)
		for range 3 { // each failed probe is one more trip in a row
			got = append(got, openFor(t, b))
			time.Sleep(got[len(got)-1])
			fail(t, b, 1)
		}
		got = append(got, openFor(t, b))
		time.Sleep(got[len(got)-1])
		succeed(t, b, 1) // closes: the count starts again
		fail(t, b, 1)
		got = append(got, openFor(t, b))
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second, time.Second}, got)
		assert.Equal(t, []int{1, 2, 3, 4, 1}, asked)
	})
}

func TestOpenBackoffNegativeCountsAsZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, ConsecutiveFailures(1), OpenBackoff(func(int) time.Duration { return -time.Hour }))
		fail(t, b, 1)
		assert.Equal(t, HalfOpen, b.State(), "open for no time at all")
	})
}

func TestOpenDurationSaturates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(math.MaxInt64), OpenJitter(0.5), withRandom(func() float64 { return 0.999 }))
		time.Sleep(time.Hour) // so that now + duration would overflow
		fail(t, b, 1)
		at, ok := b.HalfOpenAt()
		require.True(t, ok)
		assert.Equal(t, b.base.Add(math.MaxInt64), at)
		assert.Equal(t, Open, b.State())
	})
}

func TestOpenJitterSpreadsTheDuration(t *testing.T) {
	cases := []struct {
		random float64
		want   time.Duration
	}{
		{0, 750 * time.Millisecond},
		{0.25, 875 * time.Millisecond},
		{0.5, time.Second},
		{0.75, 1125 * time.Millisecond},
	}
	for _, tc := range cases {
		synctest.Test(t, func(t *testing.T) {
			b := newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Second), OpenJitter(0.25), withRandom(func() float64 { return tc.random }))
			fail(t, b, 1)
			assert.Equal(t, tc.want, openFor(t, b), "random %v", tc.random)
		})
	}
}

func TestOpenJitterIsUniformWithinBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d, frac, samples = time.Second, 0.2, 2000
		src := rand.New(rand.NewPCG(1, 2))
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(d), OpenJitter(frac), withRandom(src.Float64))
		lo, hi := time.Duration(float64(d)*(1-frac)), time.Duration(float64(d)*(1+frac))
		var sum time.Duration
		minSeen, maxSeen := hi, lo
		for range samples {
			fail(t, b, 1)
			got := openFor(t, b)
			require.GreaterOrEqual(t, got, lo)
			require.LessOrEqual(t, got, hi)
			sum += got
			minSeen, maxSeen = min(minSeen, got), max(maxSeen, got)
			b.Reset()
		}
		assert.InDelta(t, float64(d), float64(sum/samples), 0.01*float64(d), "centred on the duration")
		assert.Less(t, minSeen, lo+(hi-lo)/20, "reaches the low end")
		assert.Greater(t, maxSeen, hi-(hi-lo)/20, "reaches the high end")
	})
}

func TestOpenJitterUsesTheDefaultSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Second), OpenJitter(0.5))
		seen := map[time.Duration]bool{}
		for range 20 {
			fail(t, b, 1)
			seen[openFor(t, b)] = true
			b.Reset()
		}
		assert.Greater(t, len(seen), 1, "twenty breakers that open together do not all probe together")
	})
}
