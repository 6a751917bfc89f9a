package bench

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/recur-go/recur/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func measured(t *testing.T, ms []Measurement, metric string) float64 {
	t.Helper()
	for _, m := range ms {
		if m.Metric == metric {
			return m.Value
		}
	}
	t.Fatalf("no %s in %v", metric, ms)
	return 0
}

// TestHOLShowsHeadOfLine checks that the scenario sees head-of-line blocking where there is
// some: an engine capped at 4 running attempts queues the fast calls behind 8 slow ones, two
// waves of slowOp, while per-key limits let them through. A fast call sent before any slow
// one finished (runHOL refuses the run otherwise) waits at least until the second wave ends,
// 2×slowOp after the burst, so more than slowOp; bounds are far from both sides' latencies.
func TestHOLShowsHeadOfLine(t *testing.T) {
	const slowOp = 200 * time.Millisecond
	z := holSize{slow: 8, fast: 10, slowOp: slowOp}
	for _, c := range holContenders() {
		if c.name != Recur {
			continue
		}
		ms, err := runHOL(c, z)
		require.NoError(t, err)
		assert.Less(t, measured(t, ms, P99), float64(slowOp/2), "with per-key limits")
	}
	capped := holContender{name: "capped", withSlow: true, new: func() (holTarget, error) {
		e, err := engine.New(engine.WithMaxConcurrency(4))
		return recurTarget{e}, err
	}}
	ms, err := runHOL(capped, z)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, measured(t, ms, P50), float64(slowOp), "capped at 4 running attempts")
}

func TestFastTrafficRefusesAnIdleSlowKey(t *testing.T) {
	var done atomic.Int64
	done.Store(1)
	target := &naiveTarget{}
	_, err := fastTraffic(target, holSize{slow: 1, fast: 3, slowOp: 10 * time.Millisecond}, &done)
	require.ErrorIs(t, err, errSlowKeyIdle)
	require.NoError(t, target.close())
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i))
	}
	assert.Equal(t, time.Duration(100), percentile(lat, 0.50))
	assert.Equal(t, time.Duration(198), percentile(lat, 0.99))
	assert.Equal(t, time.Duration(200), percentile(lat, 1))
	assert.Equal(t, time.Duration(1), percentile(lat[:1], 0.99))
	assert.Zero(t, percentile(nil, 0.5))
}
