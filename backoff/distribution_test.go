package backoff_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
)

// samples is how many delays each distribution test draws. With a seeded
// source the draws are fixed, so the bounds below are tight (5 standard
// errors) and still cannot flake.
const samples = 200_000

func draw(s backoff.Strategy, n int, prev time.Duration) []float64 {
	out := make([]float64, samples)
	for i := range out {
		out[i] = float64(s.Delay(n, prev))
	}
	return out
}

// assertUniform checks that xs look like independent draws from the
// continuous uniform distribution on [lo, hi]: every draw in range, both ends
// approached, mean and variance within 5 standard errors, and a chi-square
// test over 20 equal bins.
func assertUniform(t *testing.T, xs []float64, lo, hi float64) {
	t.Helper()
	width := hi - lo
	n := float64(len(xs))
	var sum, least, most = 0.0, math.Inf(1), math.Inf(-1)
	const bins = 20
	var counts [bins]float64
	for _, x := range xs {
		if x < lo || x > hi {
			require.Failf(t, "draw out of range", "%v not in [%v, %v]", x, lo, hi)
		}
		sum += x
		least, most = min(least, x), max(most, x)
		counts[min(int((x-lo)/width*bins), bins-1)]++
	}
	mean := sum / n
	var squares float64
	for _, x := range xs {
		squares += (x - mean) * (x - mean)
	}
	variance := squares / (n - 1)

	// The gap between an end and the nearest of n draws exceeds 30/n of the
	// width with probability e^-30.
	assert.Less(t, least-lo, 30*width/n, "draws never approach the lower end")
	assert.Less(t, hi-most, 30*width/n, "draws never approach the upper end")
	// Uniform: mean (lo+hi)/2 with standard error width/sqrt(12n); variance
	// width²/12 with standard error width²*sqrt(1/80-1/144)/sqrt(n).
	assert.InDelta(t, (lo+hi)/2, mean, 5*width/math.Sqrt(12*n), "mean")
	assert.InDelta(t, width*width/12, variance, 5*width*width*math.Sqrt(1.0/80-1.0/144)/math.Sqrt(n), "variance")
	var chi2 float64
	for _, c := range counts {
		chi2 += (c - n/bins) * (c - n/bins) / (n / bins)
	}
	assert.Less(t, chi2, 50.0, "chi-square over %d bins (19 degrees of freedom; p < 1e-4)", bins)
}

func TestJitterDistributions(t *testing.T) {
	t.Parallel()
	const d = float64(10 * time.Second)
	constD := backoff.Constant(10 * time.Second)
	tests := []struct {
		name   string
		s      backoff.Strategy
		lo, hi float64
	}{
		{"full", backoff.FullJitter(constD, backoff.WithSource(seeded(1))), 0, d},
		{"full/huge", backoff.FullJitter(backoff.Constant(math.MaxInt64), backoff.WithSource(seeded(2))), 0, math.MaxInt64},
		{"equal", backoff.EqualJitter(constD, backoff.WithSource(seeded(3))), d / 2, d},
		{"proportional/frac=0.1", backoff.ProportionalJitter(constD, 0.1, backoff.WithSource(seeded(4))), 0.9 * d, 1.1 * d},
		{"proportional/frac=0.5", backoff.ProportionalJitter(constD, 0.5, backoff.WithSource(seeded(5))), 0.5 * d, 1.5 * d},
		{"proportional/frac=1", backoff.ProportionalJitter(constD, 1, backoff.WithSource(seeded(6))), 0, 2 * d},
		{"default/n=1", backoff.FullJitter(backoff.Capped(backoff.Exponential(time.Second, 2), time.Minute), backoff.WithSource(seeded(7))), 0, float64(time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assertUniform(t, draw(tc.s, 1, 0), tc.lo, tc.hi)
		})
	}
}

// TestJitterSmallDelays checks the integer end of the mapping: a delay of
// 3ns gives each of 0, 1, 2, 3 a quarter of the time.
func TestJitterSmallDelays(t *testing.T) {
	t.Parallel()
	s := backoff.FullJitter(backoff.Constant(3), backoff.WithSource(seeded(8)))
	counts := map[time.Duration]int{}
	for range samples {
		counts[s.Delay(1, 0)]++
	}
	require.Len(t, counts, 4)
	for v, c := range counts {
		// Binomial(n, 1/4): standard deviation sqrt(n*3/16) ≈ 194.
		assert.InDelta(t, samples/4, c, 5*194, "value %v", v)
	}

	zero := backoff.ProportionalJitter(backoff.Constant(10*time.Second), 0, backoff.WithSource(seeded(9)))
	assert.Equal(t, 10*time.Second, zero.Delay(1, 0), "frac 0 is no jitter")
	assert.Equal(t, time.Duration(0), backoff.FullJitter(backoff.Immediate()).Delay(1, 0))

	// Equal jitter of an odd delay still reaches it: 3ns gives 1 + {0, 1, 2}.
	equal := backoff.EqualJitter(backoff.Constant(3), backoff.WithSource(seeded(10)))
	seen := map[time.Duration]bool{}
	for range 1000 {
		seen[equal.Delay(1, 0)] = true
	}
	assert.Equal(t, map[time.Duration]bool{1: true, 2: true, 3: true}, seen)
}

// TestDecorrelatedDependsOnPrev checks the AWS formula
// min(max, uniform(base, 3*prev)) for several previous delays.
func TestDecorrelatedDependsOnPrev(t *testing.T) {
	t.Parallel()
	const base, ceiling = 100 * time.Millisecond, 10 * time.Second
	for _, prev := range []time.Duration{base, 4 * base, 20 * base} {
		s := backoff.Decorrelated(base, time.Duration(math.MaxInt64), backoff.WithSource(seeded(uint64(prev))))
		assertUniform(t, draw(s, 1, prev), float64(base), float64(3*prev))
	}

	// prev 0 (the first retry) counts as base: the same source gives the
	// same draws.
	first := backoff.Decorrelated(base, ceiling, backoff.WithSource(seeded(10)))
	asBase := backoff.Decorrelated(base, ceiling, backoff.WithSource(seeded(10)))
	for n := range 1000 {
		require.Equal(t, asBase.Delay(n, base), first.Delay(n, 0))
	}

	// The cap clips: with prev = 20*base, uniform(base, 6s) never exceeds
	// 5s and equals it with probability (6s-5s)/(6s-base).
	capped := backoff.Decorrelated(base, 5*time.Second, backoff.WithSource(seeded(11)))
	atCap := 0
	for range samples {
		d := capped.Delay(1, 20*base)
		if d < base || d > 5*time.Second {
			require.Failf(t, "delay out of range", "%v not in [%v, 5s]", d, base)
		}
		if d == 5*time.Second {
			atCap++
		}
	}
	p := float64(time.Second) / float64(6*time.Second-base)
	assert.InDelta(t, p*samples, atCap, 5*math.Sqrt(samples*p*(1-p)))

	// A prev below base/3 must not invert the range: the delay is base.
	assert.Equal(t, base, first.Delay(1, base/4))
	// A huge prev does not overflow.
	assert.LessOrEqual(t, first.Delay(1, math.MaxInt64), ceiling)
	assert.GreaterOrEqual(t, first.Delay(1, math.MaxInt64), base)
}

// TestDecorrelatedChain feeds each delay back as prev, as the engine does:
// the delays stay within [base, max] and climb to the cap.
func TestDecorrelatedChain(t *testing.T) {
	t.Parallel()
	const base, ceiling = 10 * time.Millisecond, time.Minute
	s := backoff.Decorrelated(base, ceiling, backoff.WithSource(seeded(12)))
	prev, reached := time.Duration(0), false
	for n := 1; n <= 1000; n++ {
		d := s.Delay(n, prev)
		require.GreaterOrEqual(t, d, base)
		require.LessOrEqual(t, d, ceiling)
		reached = reached || d > ceiling/2
		prev = d
	}
	assert.True(t, reached, "a chain of 1000 retries never got past half the cap")
}
