package recurotel_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
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

// fourCalls runs, one after the other: on key a, a success and a success after one retry; on
// key b, a permanent failure and a call whose two failures open the breaker (of an engine whose
// breakers open after two failures in a row).
func fourCalls(ctx context.Context, t *testing.T, e *engine.Engine) {
	_, err := engine.Do(ctx, e, failing(0, nil), engine.Key("a"))
	require.NoError(t, err)
	_, err = engine.Do(ctx, e, failing(1, errDown), engine.Key("a"), engine.Name("fetch"))
	require.NoError(t, err)
	_, err = engine.Do(ctx, e, failing(1, engine.Permanent(errDown)), engine.Key("b"))
	require.ErrorIs(t, err, engine.ErrPermanent)
	_, err = engine.Do(ctx, e, failing(5, errDown), engine.Key("b"))
	require.ErrorIs(t, err, breaker.ErrOpen)
}

// collect reads r and returns its metrics by name.
func collect(t *testing.T, r *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// id writes an attribute set as k=v,k=v in key order.
func id(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// points returns an Int64 sum's or gauge's points by attributes.
func points(t *testing.T, m metricdata.Metrics) map[string]int64 {
	t.Helper()
	var dps []metricdata.DataPoint[int64]
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		dps = d.DataPoints
	case metricdata.Gauge[int64]:
		dps = d.DataPoints
	default:
		t.Fatalf("%s: %T is not an int64 sum or gauge", m.Name, m.Data)
	}
	out := map[string]int64{}
	for _, dp := range dps {
		out[id(dp.Attributes)] = dp.Value
	}
	return out
}

// histogram returns a float64 histogram's counts and sums by attributes.
func histogram(t *testing.T, m metricdata.Metrics) map[string][2]float64 {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s: %T", m.Name, m.Data)
	out := map[string][2]float64{}
	for _, dp := range h.DataPoints {
		out[id(dp.Attributes)] = [2]float64{float64(dp.Count), dp.Sum}
	}
	return out
}
