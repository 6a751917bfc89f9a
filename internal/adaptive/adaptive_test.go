package adaptive

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// feed gives l n samples of rtt, each with the limit's slots all in use (a saturated key), and
// returns the limit after them.
func feed(l *Limit, n int, rtt time.Duration) int {
	for range n {
		l.Observe(rtt, l.Current(), false)
	}
	return l.Current()
}

func TestStartsAtInitial(t *testing.T) {
	l := New(1, 200, 20)
	assert.Equal(t, 20, l.Current())
	assert.False(t, l.Learnt())
}

func TestSteadyLatencyGrowsToMax(t *testing.T) {
	l := New(1, 50, 20)
	prev := l.Current()
	for range 200 {
		got := feed(&l, 1, 10*time.Millisecond)
		require.GreaterOrEqual(t, got, prev, "a steady latency never lowers the limit")
		prev = got
	}
	assert.Equal(t, 50, l.Current())
	assert.True(t, l.Learnt())
}

func TestFallsWhenLatencyRisesAndRecoversWhenItDrops(t *testing.T) {
	l := New(1, 100, 20)
	require.Equal(t, 100, feed(&l, 500, 10*time.Millisecond)) // learns 10ms as the usual latency
	high := feed(&l, 50, 50*time.Millisecond)
	assert.Less(t, high, 30, "five times the usual latency: the limit falls steeply")
	low := feed(&l, 100, 10*time.Millisecond)
	assert.Greater(t, low, 80, "back to the usual latency: the limit recovers")
}

func TestToleratesLatencyUpToTolerance(t *testing.T) {
	l := New(1, 200, 20)
	feed(&l, 500, 10*time.Millisecond)
	before := l.Current()
	assert.GreaterOrEqual(t, feed(&l, 20, 14*time.Millisecond), before, "1.4 times the usual latency is no queueing")
}

func TestAdaptsToANewNormal(t *testing.T) {
	l := New(1, 100, 20)
	feed(&l, 200, 10*time.Millisecond)
	low := feed(&l, 100, 40*time.Millisecond)
	assert.Less(t, low, 20)
	assert.Equal(t, 100, feed(&l, 3000, 40*time.Millisecond), "the long average learns 40ms as the usual")
}

func TestHoldsWhileAppLimited(t *testing.T) {
	l := New(1, 200, 20)
	for range 100 {
		l.Observe(10*time.Millisecond, 9, false) // fewer than half the slots in use
	}
	assert.Equal(t, 20, l.Current(), "no evidence that more slots would be used")
	for range 100 {
		l.Observe(100*time.Millisecond, 9, false)
	}
	assert.Equal(t, 20, l.Current(), "nor that fewer are needed")
}

func TestDropCutsOncePerFlight(t *testing.T) {
	tests := []struct {
		name     string
		limit    int
		inflight int
		drops    int
		want     int
	}{
		{"one drop cuts by a tenth", 100, 100, 1, 90},
		{"drops of the same flight cut once", 100, 100, 100, 90},
		{"the next flight's drop cuts again", 100, 100, 101, 81},
		{"a small limit loses a slot", 5, 5, 1, 4},
		{"a lone attempt's drops cut every time", 10, 1, 3, 7},
		{"never below min", 3, 1, 10, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := New(2, 100, tc.limit)
			for range tc.drops {
				l.Observe(time.Second, tc.inflight, true)
			}
			assert.Equal(t, tc.want, l.Current())
			assert.True(t, l.Learnt())
		})
	}
}

func TestSamplesCountTowardsTheFlight(t *testing.T) {
	l := New(1, 200, 100)
	l.Observe(time.Second, 10, true) // cut to 90; 9 more of the flight may still drop
	for range 9 {
		l.Observe(10*time.Millisecond, 10, false) // app-limited: they move nothing but the flight
	}
	assert.Equal(t, 90, l.Current())
	l.Observe(time.Second, 10, true)
	assert.Equal(t, 81, l.Current(), "the flight is over: a new drop is a new overload")
}

func TestDropsAreLeftOutOfTheLatency(t *testing.T) {
	l := New(1, 200, 20)
	feed(&l, 100, 10*time.Millisecond)
	long := l.long
	l.Observe(time.Minute, l.Current(), true)
	assert.Equal(t, long, l.long, "a timeout's latency is the timeout's")
}

func TestBoundsHold(t *testing.T) {
	bounds := []struct{ min, max, initial int }{{1, 1, 1}, {1, 200, 20}, {5, 10, 10}, {50, 1000, 50}}
	for _, b := range bounds {
		rng := rand.New(rand.NewPCG(uint64(b.min), uint64(b.max)))
		l := New(b.min, b.max, b.initial)
		for range 20_000 {
			rtt := time.Duration(rng.ExpFloat64() * float64(time.Millisecond) * float64(1+rng.IntN(100)))
			got := l.Observe(rtt, rng.IntN(2*b.max)+1, rng.IntN(10) == 0)
			require.GreaterOrEqual(t, got, b.min)
			require.LessOrEqual(t, got, b.max)
		}
	}
}

func TestZeroLatencyIsASample(t *testing.T) {
	l := New(1, 200, 20)
	assert.NotPanics(t, func() { feed(&l, 20, 0) })
	assert.Greater(t, l.Current(), 20)
}
