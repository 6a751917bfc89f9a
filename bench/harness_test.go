package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScenariosTiny runs every scenario once at a tiny size: every contender must do the work
// (runBatch and measureWaiting check each call's attempts) and yield every metric of its
// scenario.
func TestScenariosTiny(t *testing.T) {
	scenarios := Scenarios(TinySizes)
	samples, err := Run(scenarios, nil)
	require.NoError(t, err)
	results := Summarize(samples)

	want := map[string][]string{ // metrics by group
		"call":      {NsPerOp},
		"fanout":    {NsPerBatch, AllocsPerCall, PeakGoroutines, PeakHeap},
		"latency":   {NsPerBatch, PeakGoroutines, PeakHeap},
		"batch":     {NsPerBatch, AllocsPerCall, PeakGoroutines, PeakHeap},
		"hol":       {P50, P99, PeakGoroutines},
		"scaling":   {NsPerBatch, PeakHeap},
		"waiting":   {BytesWaiting},
		"breaker":   {NsPerOp},
		"scheduler": {OpsPerSecond},
		"throttle":  {SuccessPct, RequestsPerCall, GoodputPct, NsPerBatch, PeakGoroutines},
		"hedge":     {P50, P99, P999, ExtraLoadPct, NsPerBatch, PeakGoroutines},
		"ratelimit": {NsPerBatch, PeakGoroutines, PeakHeap, PeakRatePct},
	}
	for _, s := range scenarios {
		metrics := want[s.Group()]
		if strings.HasSuffix(s.Name, "/ctx=cancelable") {
			metrics = []string{NsPerBatch, AllocsPerCall}
		}
		require.NotEmpty(t, metrics, "scenario %s has an unknown group", s.Name)
		for _, e := range s.Entries {
			for _, m := range metrics {
				r, ok := find(results, s.Name, e.Contender, m)
				require.True(t, ok, "%s: no %s for %s", s.Name, m, e.Contender)
				assert.Equal(t, 1, r.Rounds)
				switch m {
				// A tiny batch may end between two samples; a peer may fail every call; no-hedge
				// sends no request beyond each call's first.
				case PeakGoroutines, PeakHeap, SuccessPct, ExtraLoadPct:
					assert.GreaterOrEqual(t, r.Value, 0.0, "%s %s %s", s.Name, e.Contender, m)
				default:
					assert.Greater(t, r.Value, 0.0, "%s %s %s", s.Name, e.Contender, m)
				}
				if e.Contender == Recur {
					assert.Equal(t, 1.0, r.VsRecur)
				}
			}
		}
	}
	assert.Equal(t, []string{"call", "fanout", "latency", "batch", "hol", "scaling", "waiting", "breaker", "scheduler", "throttle", "hedge", "ratelimit"}, groups(results))
}

// retriesNothing runs every call once, whatever the policy: a contender doing less work than
// the others, which the harness must refuse to measure.
type retriesNothing struct{ n int }

func (r retriesNothing) Start(_ context.Context, op Op) (func() error, error) {
	for i := range r.n {
		_ = op(i)
	}
	return func() error { return nil }, nil
}

func (retriesNothing) Close() error { return nil }

func TestRunBatchRefusesWrongWork(t *testing.T) {
	lazy := RetrierContender{Name: "lazy", New: func(_ Policy, n int) (Retrier, error) { return retriesNothing{n}, nil }}
	_, err := runBatch(lazy, Policy{Attempts: 3}, 10, newFlaky(10, 2), false)
	require.EqualError(t, err, "call 0 ran 1 attempts, want 3")
}

// TestSlowFlaky checks that an attempt takes its latency and that the attempts are counted as
// without it.
func TestSlowFlaky(t *testing.T) {
	const latency = 5 * time.Millisecond
	w := newSlowFlaky(1, 2, latency)
	for attempt := 1; attempt <= 3; attempt++ {
		start := time.Now()
		err := w.op(0)
		assert.GreaterOrEqual(t, time.Since(start), latency, "attempt %d", attempt)
		if attempt < 3 {
			assert.ErrorIs(t, err, errTransient, "attempt %d", attempt)
		} else {
			assert.NoError(t, err)
		}
	}
	require.NoError(t, w.check(3))
}

func TestPolicyValidation(t *testing.T) {
	for _, c := range RetrierContenders() {
		_, err := c.New(Policy{Attempts: 0}, 1)
		require.EqualError(t, err, "bench: Policy.Attempts 0: must be at least 1", c.Name)
		_, err = c.New(Policy{Attempts: 1, Delay: -1}, 1)
		require.EqualError(t, err, "bench: Policy.Delay -1ns: must not be negative", c.Name)
	}
}

func TestScenarioGroup(t *testing.T) {
	assert.Equal(t, "fanout", Scenario{Name: "fanout/k=2/delay=1ms"}.Group())
	assert.Equal(t, "breaker", Scenario{Name: "breaker"}.Group())
}

func TestMachine(t *testing.T) {
	assert.NotEmpty(t, CPUModel())
	assert.NotEmpty(t, LoadAverage())
}
