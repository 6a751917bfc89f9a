package recurprom_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	recurprom "github.com/recur-go/recur/integrations/prometheus"
	"github.com/recur-go/recur/recurtest"
)

var errDown = errors.New("down")

// failing returns an operation that takes 10ms and fails its first n attempts.
func failing(n int, err error) func(context.Context) (int, error) {
	calls := 0
	return func(context.Context) (int, error) {
		time.Sleep(10 * time.Millisecond)
		calls++
		if calls <= n {
			return 0, err
		}
		return calls, nil
	}
}

// newObserved returns a Collector observing an engine made in the test's bubble with key stats,
// breakers that open after two failures in a row, and retries a second apart.
func newObserved(t *testing.T, opts ...engine.Option) (*recurprom.Collector, *engine.Engine) {
	c := recurprom.New()
	e := recurtest.New(t, append([]engine.Option{engine.WithHooks(c.Hooks()), engine.WithKeyStats(),
		engine.WithBreaker(breaker.ConsecutiveFailures(2), breaker.OpenFor(time.Minute)),
		engine.Defaults(engine.Backoff(backoff.Constant(time.Second)))}, opts...)...)
	c.Observe(e)
	return c, e
}

// fourCalls runs, one after the other: on key a, a success and a success after one retry; on
// key b, a permanent failure and a call whose two failures open the breaker.
func fourCalls(t *testing.T, e *engine.Engine) {
	ctx := t.Context()
	_, err := engine.Do(ctx, e, failing(0, nil), engine.Key("a"))
	require.NoError(t, err)
	_, err = engine.Do(ctx, e, failing(1, errDown), engine.Key("a"))
	require.NoError(t, err)
	_, err = engine.Do(ctx, e, failing(1, engine.Permanent(errDown)), engine.Key("b"))
	require.ErrorIs(t, err, engine.ErrPermanent)
	_, err = engine.Do(ctx, e, failing(5, errDown), engine.Key("b"))
	require.ErrorIs(t, err, breaker.ErrOpen)
}

func TestCollectorCountsCallsByKeyAndOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newObserved(t)
		fourCalls(t, e)

		require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP recur_calls_total Calls accepted by the engine.
# TYPE recur_calls_total counter
recur_calls_total 4
# HELP recur_attempts_total Attempts started.
# TYPE recur_attempts_total counter
recur_attempts_total 6
# HELP recur_retries_total Retries scheduled.
# TYPE recur_retries_total counter
recur_retries_total 2
# HELP recur_calls_pending Calls accepted and not settled yet.
# TYPE recur_calls_pending gauge
recur_calls_pending 0
# HELP recur_breaker_refusals_total Calls failed or refused because a breaker was open.
# TYPE recur_breaker_refusals_total counter
recur_breaker_refusals_total 1
# HELP recur_calls_settled_total Calls settled, by outcome: success or why they failed.
# TYPE recur_calls_settled_total counter
recur_calls_settled_total{outcome="breaker_open"} 1
recur_calls_settled_total{outcome="budget"} 0
recur_calls_settled_total{outcome="canceled"} 0
recur_calls_settled_total{outcome="closed"} 0
recur_calls_settled_total{outcome="deadline"} 0
recur_calls_settled_total{outcome="exhausted"} 0
recur_calls_settled_total{outcome="hint_too_long"} 0
recur_calls_settled_total{outcome="permanent"} 1
recur_calls_settled_total{outcome="rate_limited"} 0
recur_calls_settled_total{outcome="success"} 2
# HELP recur_key_attempts_total Attempts started, per key (engine.WithKeyStats).
# TYPE recur_key_attempts_total counter
recur_key_attempts_total{key="a"} 3
recur_key_attempts_total{key="b"} 3
# HELP recur_key_retries_total Retries scheduled, per key (engine.WithKeyStats).
# TYPE recur_key_retries_total counter
recur_key_retries_total{key="a"} 1
recur_key_retries_total{key="b"} 1
# HELP recur_breaker_state 1 for the current state of each key's breaker, 0 for the others.
# TYPE recur_breaker_state gauge
recur_breaker_state{key="",state="closed"} 1
recur_breaker_state{key="",state="disabled"} 0
recur_breaker_state{key="",state="forced-open"} 0
recur_breaker_state{key="",state="half-open"} 0
recur_breaker_state{key="",state="open"} 0
recur_breaker_state{key="a",state="closed"} 1
recur_breaker_state{key="a",state="disabled"} 0
recur_breaker_state{key="a",state="forced-open"} 0
recur_breaker_state{key="a",state="half-open"} 0
recur_breaker_state{key="a",state="open"} 0
recur_breaker_state{key="b",state="closed"} 0
recur_breaker_state{key="b",state="disabled"} 0
recur_breaker_state{key="b",state="forced-open"} 0
recur_breaker_state{key="b",state="half-open"} 0
recur_breaker_state{key="b",state="open"} 1
# HELP recur_breaker_transitions_total Breaker state transitions, per key.
# TYPE recur_breaker_transitions_total counter
recur_breaker_transitions_total{from="closed",key="b",to="open"} 1
`), "recur_calls_total", "recur_attempts_total", "recur_retries_total", "recur_calls_pending",
			"recur_breaker_refusals_total", "recur_calls_settled_total", "recur_key_attempts_total",
			"recur_key_retries_total", "recur_breaker_state", "recur_breaker_transitions_total"))

		assert.Equal(t, 2.0, settledFor(t, c, "b", "breaker_open")+settledFor(t, c, "b", "permanent"))
		assert.Equal(t, 2.0, settledFor(t, c, "a", "success"))
	})
}

// gather returns what c exports, by metric name.
func gather(t *testing.T, c prometheus.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	families, err := reg.Gather()
	require.NoError(t, err)
	byName := make(map[string]*dto.MetricFamily, len(families))
	for _, f := range families {
		byName[f.GetName()] = f
	}
	return byName
}

// labelsOf returns m's labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	return labels
}

// settledFor returns recur_key_calls_settled_total for key and outcome.
func settledFor(t *testing.T, c prometheus.Collector, key, outcome string) float64 {
	t.Helper()
	for _, m := range gather(t, c)["recur_key_calls_settled_total"].GetMetric() {
		if l := labelsOf(m); l["key"] == key && l["outcome"] == outcome {
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no recur_key_calls_settled_total{key=%q,outcome=%q}", key, outcome)
	return 0
}

// observed returns the number and the sum of the observations of histogram name, per series
// (its labels written as k=v,k=v in label order).
func observed(t *testing.T, c prometheus.Collector, name string) map[string][2]float64 {
	t.Helper()
	out := map[string][2]float64{}
	for _, m := range gather(t, c)[name].GetMetric() {
		var id []string
		for _, l := range m.GetLabel() {
			id = append(id, l.GetName()+"="+l.GetValue())
		}
		h := m.GetHistogram()
		out[strings.Join(id, ",")] = [2]float64{float64(h.GetSampleCount()), h.GetSampleSum()}
	}
	return out
}

func TestCollectorHistogramsHaveFakeTimeExactly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newObserved(t)
		fourCalls(t, e)

		// In the bubble, time moves only when everything waits: each attempt took 10ms exactly,
		// each retry waited 1s, and a call lasted its attempts and its waits.
		assert.Equal(t, map[string][2]float64{
			"key=a,result=ok":    {2, 0.02},
			"key=a,result=error": {1, 0.01},
			"key=b,result=error": {3, 0.03},
			"key=b,result=ok":    {0, 0}, // both results are made with the key
		}, observed(t, c, "recur_attempt_duration_seconds"))
		assert.Equal(t, map[string][2]float64{
			"key=a": {1, 1},
			"key=b": {1, 1},
		}, observed(t, c, "recur_retry_delay_seconds"))
		assert.Equal(t, map[string][2]float64{
			"key=a,outcome=success":      {2, 0.01 + 1.02},
			"key=b,outcome=permanent":    {1, 0.01},
			"key=b,outcome=breaker_open": {1, 1.02},
		}, observed(t, c, "recur_call_duration_seconds"))
	})
}

func TestCollectorShowsWhatWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newObserved(t)
		f, err := engine.Submit(t.Context(), e, failing(1, errDown), engine.Key("a"))
		require.NoError(t, err)
		time.Sleep(20 * time.Millisecond) // the first attempt failed; its retry waits a second
		require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP recur_calls_pending Calls accepted and not settled yet.
# TYPE recur_calls_pending gauge
recur_calls_pending 1
# HELP recur_retries_waiting Retries waiting for their delay.
# TYPE recur_retries_waiting gauge
recur_retries_waiting 1
# HELP recur_attempts_running Attempts running now.
# TYPE recur_attempts_running gauge
recur_attempts_running 0
`), "recur_calls_pending", "recur_retries_waiting", "recur_attempts_running"))
		_, err = f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 0.0, testutil.ToFloat64(gaugeOf(t, c, "recur_calls_pending")))
	})
}

// gaugeOf returns a collector of metric name alone, for testutil.ToFloat64.
func gaugeOf(t *testing.T, c prometheus.Collector, name string) prometheus.Collector {
	t.Helper()
	f := gather(t, c)[name]
	require.NotNil(t, f, name)
	require.Len(t, f.GetMetric(), 1)
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: "copy"}, f.GetMetric()[0].GetGauge().GetValue)
}

func TestCollectorWithoutKeyStatsOrEngine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := recurprom.New(recurprom.Namespace("app"))
		// Before Observe, a scrape has what the hooks fed and nothing else.
		assert.Empty(t, gather(t, c))

		e := recurtest.New(t, engine.WithHooks(c.Hooks()), engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
		c.Observe(e)
		_, err := engine.Do(t.Context(), e, failing(1, errDown), engine.Key("a"))
		require.NoError(t, err)
		got := gather(t, c)
		assert.Contains(t, got, "app_calls_total")
		assert.Contains(t, got, "app_call_duration_seconds")
		assert.NotContains(t, got, "app_key_calls_total", "keys are counted only WithKeyStats")
		assert.NotContains(t, got, "app_breaker_state", "an engine without breakers has no breaker states")
	})
}

func TestCollectorLints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newObserved(t)
		fourCalls(t, e)
		problems, err := testutil.CollectAndLint(c)
		require.NoError(t, err)
		assert.Empty(t, problems)
	})
}

func TestCollectorCountsFallbacks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, e := newObserved(t)
		v, err := engine.Do(t.Context(), e, failing(5, errDown), engine.Key("a"), engine.MaxAttempts(2),
			engine.Fallback(func(context.Context, error) (int, error) { return -1, nil }))
		require.NoError(t, err)
		assert.Equal(t, -1, v)
		require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
# HELP recur_fallbacks_total Calls whose Fallback gave a result (failed ones are counted as failed too).
# TYPE recur_fallbacks_total counter
recur_fallbacks_total 1
`), "recur_fallbacks_total"))
		assert.Equal(t, 1.0, settledFor(t, c, "a", "exhausted"), "the call failed, and fell back")
	})
}
