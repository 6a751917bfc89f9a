package recurotel_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	recurotel "github.com/recur-go/recur/integrations/otel"
	"github.com/recur-go/recur/recurtest"
)

// newMetered returns a manual reader of the metrics of an engine made in the test's bubble,
// whose breakers open after two failures in a row and whose retries wait a second.
func newMetered(t *testing.T, opts ...engine.Option) (*sdkmetric.ManualReader, *engine.Engine) {
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	h, err := recurotel.Hooks(mp, nil)
	require.NoError(t, err)
	e := recurtest.New(t, append([]engine.Option{engine.WithHooks(h),
		engine.WithBreaker(breaker.ConsecutiveFailures(2), breaker.OpenFor(time.Minute)),
		engine.Defaults(engine.Backoff(backoff.Constant(time.Second)))}, opts...)...)
	reg, err := recurotel.ObserveEngine(e, mp)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, reg.Unregister()) })
	return r, e
}

func TestMetricsCountCallsAttemptsAndRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e := newMetered(t)
		fourCalls(t.Context(), t, e)
		got := collect(t, r)

		assert.Equal(t, map[string]int64{
			"recur.key=a,recur.outcome=success":      2,
			"recur.key=b,recur.outcome=permanent":    1,
			"recur.key=b,recur.outcome=breaker_open": 1,
		}, points(t, got["recur.calls"]))
		assert.Equal(t, map[string]int64{
			"recur.attempt.result=ok,recur.key=a":    2,
			"recur.attempt.result=error,recur.key=a": 1,
			"recur.attempt.result=error,recur.key=b": 3,
		}, points(t, got["recur.attempts"]))
		assert.Equal(t, map[string]int64{"recur.key=a": 1, "recur.key=b": 1}, points(t, got["recur.retries"]))
		assert.Equal(t, map[string]int64{"recur.breaker.from=closed,recur.breaker.to=open,recur.key=b": 1},
			points(t, got["recur.breaker.transitions"]))
		assert.Equal(t, "{call}", got["recur.calls"].Unit)
	})
}

func TestMetricsHistogramsHaveFakeTimeExactly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e := newMetered(t)
		fourCalls(t.Context(), t, e)
		got := collect(t, r)

		// In the bubble each attempt took 10ms exactly and each retry waited 1s.
		assert.Equal(t, map[string][2]float64{
			"recur.attempt.result=ok,recur.key=a":    {2, 0.02},
			"recur.attempt.result=error,recur.key=a": {1, 0.01},
			"recur.attempt.result=error,recur.key=b": {3, 0.03},
		}, histogram(t, got["recur.attempt.duration"]))
		assert.Equal(t, map[string][2]float64{"recur.key=a": {1, 1}, "recur.key=b": {1, 1}},
			histogram(t, got["recur.retry.delay"]))
		assert.Equal(t, map[string][2]float64{
			"recur.key=a,recur.outcome=success":      {2, 0.01 + 1.02},
			"recur.key=b,recur.outcome=permanent":    {1, 0.01},
			"recur.key=b,recur.outcome=breaker_open": {1, 1.02},
		}, histogram(t, got["recur.call.duration"]))
		assert.Equal(t, "s", got["recur.call.duration"].Unit)
	})
}

func TestObserveEngineReadsGauges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e := newMetered(t)
		f, err := engine.Submit(t.Context(), e, failing(1, errDown), engine.Key("a"))
		require.NoError(t, err)
		time.Sleep(20 * time.Millisecond) // the first attempt failed; its retry waits a second

		got := collect(t, r)
		assert.Equal(t, map[string]int64{"": 1}, points(t, got["recur.calls.pending"]))
		assert.Equal(t, map[string]int64{"": 1}, points(t, got["recur.retries.waiting"]))
		assert.Equal(t, map[string]int64{"": 0}, points(t, got["recur.attempts.running"]))
		state := points(t, got["recur.breaker.state"])
		assert.Equal(t, int64(1), state["recur.breaker.state=closed,recur.key=a"])
		assert.Equal(t, int64(0), state["recur.breaker.state=open,recur.key=a"])

		_, err = f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, map[string]int64{"": 0}, points(t, collect(t, r)["recur.calls.pending"]))

		_, err = engine.Do(t.Context(), e, failing(5, errDown), engine.Key("a"),
			engine.Fallback(func(context.Context, error) (int, error) { return -1, nil }))
		require.NoError(t, err)
		assert.Equal(t, map[string]int64{"": 1}, points(t, collect(t, r)["recur.fallbacks"]))
	})
}

func TestHooksWithNeitherProviderDoNothing(t *testing.T) {
	h, err := recurotel.Hooks(nil, nil)
	require.NoError(t, err)
	assert.Equal(t, engine.Hooks{}, h)
	_, err = recurotel.ObserveEngine(nil, nil)
	assert.Error(t, err)
}
