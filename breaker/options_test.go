package breaker

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsInvalidSettings(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	cases := []struct {
		name string
		opt  Option
		want string
	}{
		{"consecutive zero", ConsecutiveFailures(0), "breaker: ConsecutiveFailures n 0 outside [1, 32767]"},
		{"consecutive too many", ConsecutiveFailures(40000), "breaker: ConsecutiveFailures n 40000 outside [1, 32767]"},
		{"ratio above one", FailureRatio(1.5, 10, 5), "breaker: FailureRatio ratio 1.5 outside (0, 1]"},
		{"ratio zero", FailureRatio(0, 10, 5), "breaker: FailureRatio ratio 0 outside (0, 1]"},
		{"ratio NaN", FailureRatio(nan, 10, 5), "breaker: FailureRatio ratio NaN outside (0, 1]"},
		{"zero window", FailureRatio(0.5, 0, 1), "breaker: FailureRatio window 0 outside [1, 262144]"},
		{"huge window", FailureRatio(0.5, 1<<20, 1), "breaker: FailureRatio window 1048576 outside [1, 262144]"},
		{"minCalls zero", FailureRatio(0.5, 10, 0), "breaker: FailureRatio minCalls 0 outside [1, window 10]"},
		{"minCalls over window", FailureRatio(0.5, 10, 11), "breaker: FailureRatio minCalls 11 outside [1, window 10]"},
		{"over ratio", FailureRatioOver(-0.1, time.Second, 10, 5), "breaker: FailureRatioOver ratio -0.1 outside (0, 1]"},
		{"over zero buckets", FailureRatioOver(0.5, time.Second, 0, 5), "breaker: FailureRatioOver buckets 0 outside [1, 4096]"},
		{"over too many buckets", FailureRatioOver(0.5, time.Hour, 5000, 5), "breaker: FailureRatioOver buckets 5000 outside [1, 4096]"},
		{"over negative window", FailureRatioOver(0.5, -time.Second, 10, 5),
			"breaker: FailureRatioOver window -1s is not a positive multiple of buckets 10 with buckets of at least 1ms"},
		{"over uneven window", FailureRatioOver(0.5, time.Second, 3, 5),
			"breaker: FailureRatioOver window 1s is not a positive multiple of buckets 3 with buckets of at least 1ms"},
		{"over short buckets", FailureRatioOver(0.5, 10*time.Millisecond, 20, 5),
			"breaker: FailureRatioOver window 10ms is not a positive multiple of buckets 20 with buckets of at least 1ms"},
		{"over minCalls", FailureRatioOver(0.5, time.Second, 10, 0), "breaker: FailureRatioOver minCalls 0 is less than 1"},
		{"slow threshold", SlowCalls(0, 0.5, 10, 5), "breaker: SlowCalls threshold 0s is not positive"},
		{"slow ratio", SlowCalls(time.Second, 2, 10, 5), "breaker: SlowCalls ratio 2 outside (0, 1]"},
		{"slow window", SlowCalls(time.Second, 0.5, -1, 5), "breaker: SlowCalls window -1 outside [1, 262144]"},
		{"open for zero", OpenFor(0), "breaker: OpenFor duration 0s is not positive"},
		{"open for negative", OpenFor(-time.Second), "breaker: OpenFor duration -1s is not positive"},
		{"backoff nil", OpenBackoff(nil), "breaker: OpenBackoff function is nil"},
		{"jitter one", OpenJitter(1), "breaker: OpenJitter frac 1 outside [0, 1)"},
		{"jitter negative", OpenJitter(-0.5), "breaker: OpenJitter frac -0.5 outside [0, 1)"},
		{"jitter NaN", OpenJitter(nan), "breaker: OpenJitter frac NaN outside [0, 1)"},
		{"probes zero", HalfOpenProbes(0), "breaker: HalfOpenProbes n 0 outside [1, 32767]"},
		{"close after zero", CloseAfter(0), "breaker: CloseAfter successes 0 outside [1, 32767]"},
		{"callback nil", OnStateChange(nil), "breaker: OnStateChange callback is nil"},
		{"nil option", nil, "breaker: option 0 is nil"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := New(tc.opt)
			assert.Nil(t, b)
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestNewReportsEveryInvalidSetting(t *testing.T) {
	_, err := New(OpenFor(-1), HalfOpenProbes(0))
	assert.EqualError(t, err, "breaker: OpenFor duration -1ns is not positive\nbreaker: HalfOpenProbes n 0 outside [1, 32767]")
}

func TestNewAcceptsTheLimits(t *testing.T) {
	_, err := New(
		ConsecutiveFailures(maxCount), FailureRatio(1, maxWindow, maxWindow),
		FailureRatioOver(1, 4096*time.Millisecond, 4096, 1), SlowCalls(time.Nanosecond, 1, 1, 1),
		OpenFor(time.Nanosecond), OpenJitter(0.999), HalfOpenProbes(maxCount), CloseAfter(maxCount),
	)
	require.NoError(t, err)
}

func TestDefaults(t *testing.T) {
	b := newBreaker(t)
	assert.Equal(t, uint32(5), b.cfg.consecutive)
	assert.Equal(t, 60*time.Second, b.cfg.openFor)
	assert.Equal(t, uint32(1), b.cfg.probes)
	assert.Equal(t, uint32(1), b.cfg.closeAfter)

	b = newBreaker(t, FailureRatio(0.5, 10, 10), HalfOpenProbes(3))
	assert.Equal(t, uint32(0), b.cfg.consecutive, "a trip rule given replaces the default")
	assert.Equal(t, uint32(3), b.cfg.closeAfter, "CloseAfter follows HalfOpenProbes")

	b = newBreaker(t, OpenFor(time.Second), OpenFor(time.Minute))
	assert.Equal(t, time.Minute, b.cfg.openFor, "the later option wins")
}
