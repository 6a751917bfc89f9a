package backoff_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
)

func TestAdaptiveGrowsAndRecovers(t *testing.T) {
	t.Parallel()
	inner := backoff.Exponential(100*time.Millisecond, 2)
	a := backoff.NewAdaptive(inner)
	require.NoError(t, backoff.Validate(a))
	for n := 1; n <= 5; n++ {
		assert.Equal(t, inner.Delay(n, 0), a.Delay(n, 0), "a fresh Adaptive waits exactly what it wraps")
	}

	// Failures: the delay grows with every one, up to the bound.
	prev := a.Delay(1, 0)
	for i := range 100 {
		a.Observe(false)
		d := a.Delay(1, 0)
		assert.GreaterOrEqual(t, d, prev, "after failure %d", i+1)
		prev = d
	}
	assert.Less(t, a.SuccessRate(), 1e-4)
	assert.Equal(t, 1*time.Second, a.Delay(1, 0), "bounded by the default multiplier 10")
	assert.Equal(t, 2*time.Second, a.Delay(2, 0))

	// The multiplier 1/rate, below the bound: after 3 failures the
	// rate is 0.9³ = 0.729.
	b := backoff.NewAdaptive(backoff.Constant(time.Second))
	for range 3 {
		b.Observe(false)
	}
	assert.InDelta(t, 0.729, b.SuccessRate(), 1e-12)
	assert.InDelta(t, float64(time.Second)/0.729, float64(b.Delay(1, 0)), 1)

	// Successes: the delay falls back to the wrapped one.
	prev = a.Delay(1, 0)
	for range 200 {
		a.Observe(true)
		d := a.Delay(1, 0)
		assert.LessOrEqual(t, d, prev)
		prev = d
	}
	assert.Greater(t, a.SuccessRate(), 0.9999)
	assert.InDelta(t, float64(100*time.Millisecond), float64(a.Delay(1, 0)), float64(100*time.Microsecond))
}

func TestAdaptiveOptions(t *testing.T) {
	t.Parallel()
	a := backoff.NewAdaptive(backoff.Constant(time.Second), backoff.WithAlpha(0.5), backoff.WithMaxMultiplier(3))
	require.NoError(t, backoff.Validate(a))
	a.Observe(false)
	assert.Equal(t, 0.5, a.SuccessRate())
	assert.Equal(t, 2*time.Second, a.Delay(1, 0))
	for range 60 {
		a.Observe(false)
	}
	assert.Equal(t, 3*time.Second, a.Delay(1, 0), "bounded by the multiplier")

	one := backoff.NewAdaptive(backoff.Constant(time.Second), backoff.WithMaxMultiplier(1), backoff.WithAlpha(1))
	one.Observe(false)
	assert.Equal(t, 0.0, one.SuccessRate(), "alpha 1 keeps only the last outcome")
	assert.Equal(t, time.Second, one.Delay(1, 0), "multiplier 1 never stretches, and a rate of 0 divides nothing by zero")

	// Huge delays saturate instead of overflowing.
	huge := backoff.NewAdaptive(backoff.Constant(math.MaxInt64 / 2))
	for range 100 {
		huge.Observe(false)
	}
	assert.Equal(t, time.Duration(math.MaxInt64), huge.Delay(1, 0))

	// Invalid options are ignored (reported by Validate): the defaults apply.
	for _, opt := range []backoff.AdaptiveOption{
		backoff.WithAlpha(0), backoff.WithAlpha(-1), backoff.WithAlpha(1.5), backoff.WithAlpha(math.NaN()),
		backoff.WithMaxMultiplier(0.5), backoff.WithMaxMultiplier(math.NaN()), backoff.WithMaxMultiplier(math.Inf(1)),
	} {
		bad := backoff.NewAdaptive(backoff.Constant(time.Second), opt, nil)
		require.Error(t, backoff.Validate(bad))
		for range 100 {
			bad.Observe(false)
		}
		assert.Equal(t, 10*time.Second, bad.Delay(1, 0))
		bad.Observe(true)
		assert.InDelta(t, backoff.DefaultAlpha, bad.SuccessRate(), 1e-4)
	}
}

func TestAdaptiveZeroAndNil(t *testing.T) {
	t.Parallel()
	var zero backoff.Adaptive
	zero.Observe(false)
	assert.Equal(t, time.Duration(0), zero.Delay(1, 0))
	assert.Equal(t, 1.0, zero.SuccessRate())
	assert.Error(t, backoff.Validate(&zero))

	var nilAdaptive *backoff.Adaptive
	assert.NotPanics(t, func() { nilAdaptive.Observe(true) })
	assert.Equal(t, time.Duration(0), nilAdaptive.Delay(1, 0))
	assert.EqualError(t, backoff.Validate(nilAdaptive), "backoff: Adaptive is nil")

	noInner := backoff.NewAdaptive(nil)
	noInner.Observe(false)
	assert.Equal(t, time.Duration(0), noInner.Delay(1, 0))
}

// TestAdaptiveConcurrent checks that Observe loses no update under
// contention. Failures all apply the same update, so however they interleave,
// k of them must leave exactly the rate that k sequential ones leave; a lost
// update would leave it higher. Delay runs alongside for the race detector.
func TestAdaptiveConcurrent(t *testing.T) {
	t.Parallel()
	const goroutines, perGoroutine = 8, 1000
	opts := []backoff.AdaptiveOption{backoff.WithAlpha(0.001)} // 0.999^8000 ≈ 3e-4: no underflow to 0
	shared := backoff.NewAdaptive(backoff.Constant(time.Second), opts...)
	sequential := backoff.NewAdaptive(backoff.Constant(time.Second), opts...)
	for range goroutines * perGoroutine {
		sequential.Observe(false)
	}

	var wg sync.WaitGroup
	start := make(chan struct{})
	for range goroutines {
		wg.Go(func() {
			<-start
			for range perGoroutine {
				shared.Observe(false)
			}
		})
		wg.Go(func() {
			<-start
			for n := range perGoroutine {
				d := shared.Delay(n, 0)
				if d < time.Second || d > 10*time.Second {
					t.Errorf("Delay = %v, outside [1s, 10s]", d)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, sequential.SuccessRate(), shared.SuccessRate())

	// Mixed outcomes: the rate stays in [0, 1] and the delay bounded.
	for i := range goroutines {
		wg.Go(func() {
			for j := range perGoroutine {
				shared.Observe((i+j)%3 == 0)
				if r := shared.SuccessRate(); r < 0 || r > 1 {
					t.Errorf("SuccessRate = %v", r)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.InDelta(t, 1.0/3, shared.SuccessRate(), 0.1)
}
