package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Buckets tile the durations: each holds what lies between the top of the one before and its
// own top, four to a power of two.
func TestLatencyBucketsTileTheDurations(t *testing.T) {
	assert.Equal(t, 0, latencyBucket(-time.Second))
	for i := 1; i < latencyBuckets; i++ {
		low, top := bucketTop(i-1), bucketTop(i)
		require.Less(t, low, top)
		assert.Equal(t, i, latencyBucket(low), "the bottom of bucket %d", i)
		assert.Equal(t, i, latencyBucket(top-1), "the last of bucket %d", i)
		if i >= 2*subBuckets {
			assert.LessOrEqual(t, float64(top-low)/float64(low), 0.25, "bucket %d is at most a quarter of its bottom wide", i)
		}
	}
	assert.Equal(t, latencyBuckets-1, latencyBucket(time.Hour), "longer latencies count in the last bucket")
	// 10ms lies in [2^23, 5*2^21): its bucket's top is 10.48576ms.
	assert.Equal(t, 10485760*time.Nanosecond, bucketTop(latencyBucket(10*time.Millisecond)))
}

func TestLatencyQuantile(t *testing.T) {
	ms := time.Millisecond
	top := func(d time.Duration) time.Duration { return bucketTop(latencyBucket(d)) }
	tests := []struct {
		name    string
		samples map[time.Duration]int
		q       float64
		want    time.Duration
		ok      bool
	}{
		{"too few to say", map[time.Duration]int{ms: minSamples - 1}, 0.5, 0, false},
		{"all alike", map[time.Duration]int{10 * ms: 100}, 0.95, top(10 * ms), true},
		{"the slowest twentieth is beyond the 0.95-quantile", map[time.Duration]int{5 * ms: 95, 50 * ms: 5}, 0.95, top(5 * ms), true},
		{"one more slow one moves it", map[time.Duration]int{5 * ms: 94, 50 * ms: 6}, 0.95, top(50 * ms), true},
		{"the median", map[time.Duration]int{ms: 50, 2 * ms: 1, 3 * ms: 49}, 0.5, top(ms), true},
		{"just past the median", map[time.Duration]int{ms: 49, 2 * ms: 2, 3 * ms: 49}, 0.5, top(2 * ms), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lk latencyKeys
			l := lk.of("api", 0, time.Minute)
			for d, n := range tt.samples {
				for range n {
					l.record(d)
				}
			}
			got, ok := l.quantile(tt.q)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// The quantile is of the last latencyWindow to 2*latencyWindow latencies: older ones are forgotten.
func TestLatencyWindowsForgetTheOldest(t *testing.T) {
	var lk latencyKeys
	l := lk.of("api", 0, time.Minute)
	record := func(d time.Duration, n int) {
		for range n {
			l.record(d)
		}
	}
	record(time.Millisecond, latencyWindow)
	record(40*time.Millisecond, latencyWindow-1)
	q, _ := l.quantile(0.5)
	assert.Equal(t, bucketTop(latencyBucket(time.Millisecond)), q, "half of what is kept is 1ms")
	record(40*time.Millisecond, 1) // the second window fills: the first is forgotten
	q, _ = l.quantile(0.01)
	assert.Equal(t, bucketTop(latencyBucket(40*time.Millisecond)), q)
	assert.Same(t, l, lk.of("api", 0, time.Minute), "made once")
}

func TestLatencyKeysAreBounded(t *testing.T) {
	var lk latencyKeys
	for i := range maxLatencyKeys {
		require.NotNil(t, lk.of(fmt.Sprint(i), 0, time.Minute))
	}
	assert.Nil(t, lk.of("one too many", 0, time.Minute))
	assert.NotNil(t, lk.of("0", 0, time.Minute), "a key learnt already")
}

func TestIdleLatencyKeysAreForgotten(t *testing.T) {
	var lk latencyKeys
	minute := int64(time.Minute)
	old := lk.of("old", 0, time.Minute)
	for i := range minLatencySweep - 1 {
		lk.of(fmt.Sprint(i), minute, time.Minute) // used a minute later: not idle for longer yet
	}
	lk.of("new", minute+1, time.Minute) // the records have reached the sweep's mark
	assert.EqualValues(t, minLatencySweep, lk.n.Load(), "old, idle for just over a minute, is gone")
	assert.NotSame(t, old, lk.of("old", minute+2, time.Minute), "learnt afresh")
	assert.Same(t, lk.of("new", minute+3, time.Minute), lk.of("new", minute+4, time.Minute))
}
