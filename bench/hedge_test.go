package bench

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTailServerLatencies checks the drawn latencies against the distribution the hedge
// scenario's goals are reasoned from: p50 about 5 ms, p99 about ten times more, 95% of the
// answers by the end of the body, which HedgeDelay waits past; and that every run draws the same
// ones.
func TestTailServerLatencies(t *testing.T) {
	s := newTailServer(3000, 2)
	var lat []time.Duration
	for _, l := range s.lat {
		lat = append(lat, l...)
	}
	slices.Sort(lat)
	p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
	assert.InDelta(t, 5*time.Millisecond, p50, float64(250*time.Microsecond), "p50")
	assert.InDelta(t, 10, float64(p99)/float64(p50), 1.5, "p99 %v ÷ p50 %v", p99, p50)
	body, _ := slices.BinarySearch(lat, bodyHi+1)
	assert.InDelta(t, 1-tailShare, float64(body)/float64(len(lat)), 0.01, "answers within the body")
	assert.Less(t, bodyHi, HedgeDelay)
	assert.Equal(t, s.lat, newTailServer(3000, 2).lat, "the draws are seeded")
}

func TestTailServerCounts(t *testing.T) {
	s := newTailServer(2, 2)
	s.lat = [][]time.Duration{{0, 0}, {0, 0}} // answer at once
	ctx := context.Background()
	_, err := s.extraLoad()
	require.EqualError(t, err, "call 0 sent no request")
	require.NoError(t, s.serve(ctx, 0))
	require.NoError(t, s.serve(ctx, 0))
	require.ErrorIs(t, s.serve(ctx, 0), errTooManyRequests)
	require.NoError(t, s.serve(ctx, 1))
	load, err := s.extraLoad()
	require.NoError(t, err)
	assert.Equal(t, 100.0, load, "call 0 sent 3 requests and call 1 one: 2 extra for 2 calls")

	s.lat[1][1] = time.Hour
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, s.serve(canceled, 1), context.Canceled, "a loser's request ends with its context")
}

// TestHedgersHedge runs a call whose first request is stuck through each contender: recur and
// failsafe-go answer from the hedge, cancel the stuck request, and return soon after
// HedgeDelay; no-hedge waits it out.
func TestHedgersHedge(t *testing.T) {
	for _, c := range []struct {
		name   string
		new    func() (hedger, error)
		hedges bool
	}{
		{Recur, newRecurHedger, true},
		{FailsafeGo, newFailsafeHedger, true},
		{NoHedge, func() (hedger, error) { return noHedger{}, nil }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newTailServer(1, 2)
			stuck := 300 * time.Millisecond
			s.lat[0] = []time.Duration{stuck, time.Millisecond}
			h, err := c.new()
			require.NoError(t, err)
			start := time.Now()
			err = h.call(func(ctx context.Context) error { return s.serve(ctx, 0) })
			took := time.Since(start)
			require.NoError(t, err)
			require.NoError(t, h.close())
			load, err := s.extraLoad()
			require.NoError(t, err)
			if c.hedges {
				assert.Less(t, took, stuck/2, "the hedge answers")
				assert.Equal(t, 100.0, load)
			} else {
				assert.GreaterOrEqual(t, took, stuck)
				assert.Zero(t, load)
			}
		})
	}
}

func TestCheckHedgeGoals(t *testing.T) {
	var samples []Sample
	const s = "hedge/n=3000/fanout=100/delay=8ms/max=1"
	add := func(contender, metric string, v float64) {
		samples = append(samples, samplesOf(s, contender, metric, v)...)
	}
	add(Recur, P50, 5e6)
	add(Recur, P99, 16e6) // 3.2× its p50: missed
	add(NoHedge, P99, 52e6)
	add(FailsafeGo, P99, 15.5e6) // 0.97×: met, within the noise
	add(Recur, ExtraLoadPct, 6)
	add(FailsafeGo, ExtraLoadPct, 6)
	add(Recur, PeakGoroutines, 140)
	add(FailsafeGo, PeakGoroutines, 140) // a tie is not fewer: missed

	checks := CheckGoals(Summarize(samples))
	met := map[string]bool{}
	for _, c := range checks {
		met[strings.TrimPrefix(c.Goal, s+" ")] = c.Met
	}
	assert.Equal(t, map[string]bool{
		"p99 ÷ p50: recur":                      false,
		"p99-ns: recur vs no-hedge":             true,
		"p99-ns: recur vs failsafe-go":          true,
		"extra-load-%: recur":                   true,
		"peak-goroutines: recur vs failsafe-go": false,
	}, met)

	var b strings.Builder
	require.NoError(t, WriteGoals(&b, checks))
	assert.Contains(t, b.String(), "| "+s+" p99 ÷ p50: recur | ≤ 3× | 3.20× | **no** |\n")
	assert.Contains(t, b.String(), "| "+s+" extra-load-%: recur | ≤ 10 | 6.00 extra-load-% | yes |\n")
}
