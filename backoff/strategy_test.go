package backoff_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/recur-go/recur/backoff"
)

func TestDeterministicStrategies(t *testing.T) {
	t.Parallel()
	const maxD = time.Duration(math.MaxInt64)
	tests := []struct {
		name string
		s    backoff.Strategy
		want map[int]time.Duration // n -> delay
	}{
		{"immediate", backoff.Immediate(), map[int]time.Duration{1: 0, 7: 0, math.MaxInt: 0}},
		{"constant", backoff.Constant(3 * time.Second), map[int]time.Duration{-1: 3 * time.Second, 1: 3 * time.Second, math.MaxInt: 3 * time.Second}},
		{"constant zero", backoff.Constant(0), map[int]time.Duration{1: 0, 5: 0}},
		{"constant negative clamps", backoff.Constant(-time.Second), map[int]time.Duration{1: 0, 5: 0}},
		{"linear", backoff.Linear(time.Second, 500*time.Millisecond), map[int]time.Duration{
			math.MinInt: time.Second, 0: time.Second, 1: time.Second, 2: 1500 * time.Millisecond, 11: 6 * time.Second,
		}},
		{"linear zero step", backoff.Linear(time.Second, 0), map[int]time.Duration{1: time.Second, math.MaxInt: time.Second}},
		{"linear saturates", backoff.Linear(time.Hour, time.Hour), map[int]time.Duration{
			2_562_047: 2_562_047 * time.Hour, 2_562_048: maxD, math.MaxInt: maxD,
		}},
		{"linear huge initial", backoff.Linear(maxD-1, maxD), map[int]time.Duration{1: maxD - 1, 2: maxD}},
		{"linear negative clamps", backoff.Linear(-time.Second, -time.Second), map[int]time.Duration{1: 0, 9: 0}},
		{"exponential factor 2", backoff.Exponential(time.Second, 2), map[int]time.Duration{
			0: time.Second, 1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 34: time.Second << 33,
			35: maxD, 1_000_000: maxD, math.MaxInt: maxD,
		}},
		{"exponential factor 1", backoff.Exponential(time.Second, 1), map[int]time.Duration{1: time.Second, 1_000_000: time.Second}},
		{"exponential factor 10", backoff.Exponential(time.Nanosecond, 10), map[int]time.Duration{
			1: 1, 2: 10, 19: 1e18, 20: maxD, 1_000_000: maxD,
		}},
		{"exponential huge initial", backoff.Exponential(maxD, 10), map[int]time.Duration{1: maxD, 2: maxD, math.MaxInt: maxD}},
		{"exponential factor 1.5", backoff.Exponential(time.Millisecond, 1.5), map[int]time.Duration{
			2: 1500 * time.Microsecond, 3: 2250 * time.Microsecond, 11: 57_665_039 * time.Nanosecond,
		}},
		{"exponential invalid factor clamps to 1", backoff.Exponential(time.Second, 0.5), map[int]time.Duration{1: time.Second, 100: time.Second}},
		{"exponential NaN factor clamps to 1", backoff.Exponential(time.Second, math.NaN()), map[int]time.Duration{1: time.Second, 100: time.Second}},
		{"exponential infinite factor saturates", backoff.Exponential(time.Second, math.Inf(1)), map[int]time.Duration{1: time.Second, 2: maxD}},
		{"exponential zero initial", backoff.Exponential(0, 2), map[int]time.Duration{1: 0, 100: 0}},
		{"exponential negative initial", backoff.Exponential(-time.Second, 2), map[int]time.Duration{1: 0, 100: 0}},
		{"capped exponential", backoff.Capped(backoff.Exponential(time.Second, 2), time.Minute), map[int]time.Duration{
			1: time.Second, 6: 32 * time.Second, 7: time.Minute, math.MaxInt: time.Minute,
		}},
		{"capped negative max", backoff.Capped(backoff.Constant(time.Second), -time.Second), map[int]time.Duration{1: 0}},
		{"capped nil", backoff.Capped(nil, time.Second), map[int]time.Duration{1: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for n, want := range tc.want {
				assert.Equal(t, want, tc.s.Delay(n, 0), "n=%d", n)
				assert.Equal(t, want, tc.s.Delay(n, time.Hour), "n=%d: prev must not matter", n)
			}
		})
	}
}

// TestExponentialBeyondTable covers factors so close to 1 that the delays
// outgrow the precomputed table before they saturate.
func TestExponentialBeyondTable(t *testing.T) {
	t.Parallel()
	for _, factor := range []float64{1.0001, 1.01, 1.1} {
		s := backoff.Exponential(time.Millisecond, factor)
		prev := time.Duration(0)
		for n := 1; n <= 20_000; n++ {
			got := s.Delay(n, 0)
			want := float64(time.Millisecond) * math.Pow(factor, float64(n-1))
			if want < 1e18 { // 1ns: the result is truncated to whole nanoseconds
				assert.InDelta(t, want, float64(got), 1+want*1e-12, "factor=%v n=%d", factor, n)
			} else {
				assert.Greater(t, got, time.Duration(1e18)-1, "factor=%v n=%d", factor, n)
			}
			if got < prev {
				t.Fatalf("factor=%v: Delay(%d)=%v < Delay(%d)=%v", factor, n, got, n-1, prev)
			}
			prev = got
		}
	}
}

func TestFunc(t *testing.T) {
	t.Parallel()
	var gotN []int
	f := backoff.Func(func(n int, prev time.Duration) time.Duration {
		gotN = append(gotN, n)
		return prev - time.Second
	})
	assert.Equal(t, time.Second, f.Delay(1, 2*time.Second))
	assert.Equal(t, time.Duration(0), f.Delay(0, 0), "negative results clamp to 0")
	assert.Equal(t, time.Duration(0), f.Delay(-3, time.Second))
	assert.Equal(t, []int{1, 1, 1}, gotN, "n below 1 reaches the function as 1")

	var nilFunc backoff.Func
	assert.Equal(t, time.Duration(0), nilFunc.Delay(1, 0), "a nil Func waits 0 instead of panicking")
}

func TestStrings(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "FullJitter(Capped(Exponential(1s, 2), 1m0s))", backoff.Default().(interface{ String() string }).String())
	tests := map[string]backoff.Strategy{
		"Immediate":                              backoff.Immediate(),
		"Constant(2s)":                           backoff.Constant(2 * time.Second),
		"Linear(1s, 500ms)":                      backoff.Linear(time.Second, 500*time.Millisecond),
		"EqualJitter(Constant(1s))":              backoff.EqualJitter(backoff.Constant(time.Second)),
		"ProportionalJitter(Constant(1s), 0.25)": backoff.ProportionalJitter(backoff.Constant(time.Second), 0.25),
		"Decorrelated(100ms, 10s)":               backoff.Decorrelated(100*time.Millisecond, 10*time.Second),
		"Adaptive(Constant(1s), alpha 0.1, max multiplier 10, success rate 1)": backoff.NewAdaptive(backoff.Constant(time.Second)),
	}
	for want, s := range tests {
		assert.Equal(t, want, s.(interface{ String() string }).String())
	}
}
