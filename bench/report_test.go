package bench

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
)

func samplesOf(scenario, contender, metric string, values ...float64) []Sample {
	var ss []Sample
	for i, v := range values {
		ss = append(ss, Sample{Scenario: scenario, Contender: contender, Round: i, Measurement: Measurement{metric, v}})
	}
	return ss
}

func TestSummarize(t *testing.T) {
	var samples []Sample
	samples = append(samples, samplesOf("fanout/k=2/delay=1ms", Recur, NsPerBatch, 12, 10, 11)...)
	samples = append(samples, samplesOf("fanout/k=2/delay=1ms", FailsafeGo, NsPerBatch, 30, 36, 33, 1000)...)
	samples = append(samples, samplesOf("scheduler/pending=0", AfterFunc, OpsPerSecond, 5)...)
	samples = append(samples, samplesOf("scheduler/pending=0", Recur, OpsPerSecond, 20)...)

	rs := Summarize(samples)
	require.Len(t, rs, 4)
	assert.Equal(t, Result{Scenario: "fanout/k=2/delay=1ms", Contender: Recur, Metric: NsPerBatch,
		Value: 11, Spread: 2.0 / 11, Rounds: 3, VsRecur: 1}, rs[0])
	assert.Equal(t, 34.5, rs[1].Value, "the median of an even count is the mean of the middle two")
	assert.InDelta(t, 34.5/11, rs[1].VsRecur, 1e-12)
	assert.InDelta(t, 34.5/11, rs[1].Advantage(), 1e-12)
	assert.Equal(t, AfterFunc, rs[2].Contender, "results keep the order of the samples")
	assert.Equal(t, 0.25, rs[2].VsRecur)
	assert.Equal(t, 4.0, rs[2].Advantage(), "for throughput, recur's advantage is the inverse ratio")
}

func TestSummarizeWithoutRecur(t *testing.T) {
	rs := Summarize(samplesOf("breaker/mode=serial", Gobreaker, NsPerOp, 100))
	require.Len(t, rs, 1)
	assert.True(t, math.IsNaN(rs[0].VsRecur))
}

func TestWriteJSON(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteJSON(&b, []Result{
		{Scenario: "fanout/k=2/delay=1ms", Contender: FailsafeGo, Metric: NsPerBatch, Value: 4.4e7, VsRecur: 3.1},
		{Scenario: "waiting/n=100000", Contender: Recur, Metric: BytesWaiting, Value: 176.123456789, VsRecur: 1},
		{Scenario: "breaker/mode=serial", Contender: Gobreaker, Metric: NsPerOp, Value: 1.5e-7, VsRecur: math.NaN()},
	}))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	assert.Equal(t, []string{
		`{"scenario": "fanout/k=2/delay=1ms", "contender": "failsafe-go", "metric": "ns/batch", "value": 4.4e7, "vs_recur": 3.1}`,
		`{"scenario": "waiting/n=100000", "contender": "recur", "metric": "B/waiting", "value": 176.123, "vs_recur": 1}`,
		`{"scenario": "breaker/mode=serial", "contender": "gobreaker", "metric": "ns/op", "value": 1.5e-7, "vs_recur": null}`,
	}, lines)
	for _, line := range lines {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v), line)
		assert.Len(t, v, 5)
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		metric string
		value  float64
		want   string
	}{
		{NsPerBatch, 44_000_000, "44.0 ms"},
		{NsPerBatch, 1_600_000_000, "1.60 s"},
		{NsPerOp, 14.8, "14.8 ns"},
		{NsPerOp, 999, "999 ns"},
		{PeakHeap, 3 << 20, "3.00 MiB"},
		{BytesWaiting, 610, "610 B"},
		{OpsPerSecond, 2_260_000, "2.26 M/s"},
		{OpsPerSecond, 512_000, "512 k/s"},
		{PeakGoroutines, 64.6, "65"},
		{AllocsPerCall, 4.0312, "4.03"},
	} {
		assert.Equal(t, tc.want, FormatValue(tc.metric, tc.value), "%s %v", tc.metric, tc.value)
	}
}

func TestWriteMarkdown(t *testing.T) {
	var samples []Sample
	samples = append(samples, samplesOf("fanout/k=2/delay=1ms", Recur, NsPerBatch, 10e6)...)
	samples = append(samples, samplesOf("fanout/k=2/delay=1ms", Naive, NsPerBatch, 25e6)...)
	samples = append(samples, samplesOf("scheduler/pending=0", Recur, OpsPerSecond, 2e6)...)
	samples = append(samples, samplesOf("scheduler/pending=0", AfterFunc, OpsPerSecond, 5e5)...)
	var b strings.Builder
	require.NoError(t, WriteMarkdown(&b, Summarize(samples)))
	out := b.String()
	assert.Contains(t, out, "**fanout**\n\n| scenario | metric | recur | naive |\n|---|---|---:|---:|\n"+
		"| k=2/delay=1ms | ns/batch | 10.0 ms | 25.0 ms (×2.50) |\n")
	assert.Contains(t, out, "**scheduler**\n\n| scenario | metric | recur | afterfunc |\n|---|---|---:|---:|\n"+
		"| pending=0 | ops/s | 2.00 M/s | 500 k/s (×4.00) |\n")
}

func TestCheckGoals(t *testing.T) {
	var samples []Sample
	add := func(scenario, contender, metric string, v float64) {
		samples = append(samples, samplesOf(scenario, contender, metric, v)...)
	}
	fan := "fanout/k=2/delay=1ms"
	add(fan, Recur, NsPerBatch, 10)
	add(fan, FailsafeGo, NsPerBatch, 29) // 2.9×: missed
	add(fan, BackoffV5, NsPerBatch, 20)  // 2×: met
	add(fan, Naive, NsPerBatch, 10)      // not faster: missed
	add("waiting/n=100000", Recur, BytesWaiting, 150)
	add("waiting/n=100000", Naive, BytesWaiting, 3000)
	add("waiting/n=100000", BackoffV5, BytesWaiting, 1500) // the best peer: 10×, missed
	add("fanout/k=0/delay=1ms", Recur, AllocsPerCall, 4)
	add(fan, Recur, AllocsPerCall, 4.5)

	checks := CheckGoals(Summarize(samples))
	met := map[string]bool{}
	for _, c := range checks {
		met[c.Goal] = c.Met
	}
	assert.Equal(t, map[string]bool{
		fan + " ns/batch: recur vs failsafe-go":              false,
		fan + " ns/batch: recur vs backoff-v5":               true,
		fan + " ns/batch: recur vs naive":                    false,
		"waiting/n=100000 B/waiting: recur":                  true,
		"waiting/n=100000 B/waiting: recur vs the best peer": false,
		"fanout/delay=1ms recur allocs/call, k=2 minus k=0":  true,
	}, met, "goals without results (retry-go, scaling, breaker) are left out")

	var b strings.Builder
	require.NoError(t, WriteGoals(&b, checks))
	assert.Contains(t, b.String(), "| "+fan+" ns/batch: recur vs failsafe-go | ≥ 3× | 2.90× | **no** |\n")
	assert.Contains(t, b.String(), "| waiting/n=100000 B/waiting: recur | ≤ 200 B | 150 B | yes |\n")
}

func TestCheckLatencyGoals(t *testing.T) {
	var samples []Sample
	add := func(contender, metric string, v float64) {
		samples = append(samples, samplesOf("latency/n=1000/op=10ms/k=2", contender, metric, v)...)
	}
	add(Recur, NsPerBatch, 32)
	add(Naive, NsPerBatch, 30)      // recur takes 1.07× naive's time: met
	add(FailsafeGo, NsPerBatch, 32) // a tie is not ahead: missed
	add(RetryGo, NsPerBatch, 40)
	add(Recur, PeakGoroutines, 1200) // above 1.1 × 1000 + 64: missed

	checks := CheckGoals(Summarize(samples))
	met := map[string]bool{}
	for _, c := range checks {
		met[c.Goal] = c.Met
	}
	s := "latency/n=1000/op=10ms/k=2 "
	assert.Equal(t, map[string]bool{
		s + "ns/batch: recur vs failsafe-go":                         false,
		s + "ns/batch: recur vs retry-go":                            true,
		s + "ns/batch: recur vs naive (recur's time ≤ 1.1× naive's)": true,
		s + "peak-goroutines: recur":                                 false,
	}, met)

	var b strings.Builder
	require.NoError(t, WriteGoals(&b, checks))
	assert.Contains(t, b.String(), "| "+s+"peak-goroutines: recur | ≤ 1164 (1.1n + 64) | 1200 goroutines | **no** |\n")
	assert.Contains(t, b.String(), "| "+s+"ns/batch: recur vs naive (recur's time ≤ 1.1× naive's) | ≥ 0.91× | 0.94× | yes |\n")
}

func TestCheckHOLGoals(t *testing.T) {
	var samples []Sample
	add := func(scenario, contender string, v float64) {
		samples = append(samples, samplesOf(scenario, contender, P99, v)...)
	}
	met, missed := "hol/slow=2000x500ms/fast=500x1ms", "hol/slow=200x100ms/fast=25x1ms"
	add(met, Recur, 2.4e6)
	add(met, RecurAlone, 1.3e6) // recur's p99 is 1.85× alone's: met
	add(met, RecurDefaults, 9e6)
	add(missed, Recur, 300e6)
	add(missed, RecurAlone, 1.2e6)

	checks := CheckGoals(Summarize(samples))
	require.Len(t, checks, 2, "one goal per scenario, none for recur-defaults")
	var b strings.Builder
	require.NoError(t, WriteGoals(&b, checks))
	assert.Contains(t, b.String(), "| "+met+" p99-ns: recur vs recur-alone (the fast key's p99 ≤ 2× alone's) | ≥ 0.50× | 0.54× | yes |\n")
	assert.Contains(t, b.String(), "| "+missed+" p99-ns: recur vs recur-alone (the fast key's p99 ≤ 2× alone's) | ≥ 0.50× | 0.00× | **no** |\n")
}

func TestParam(t *testing.T) {
	n, ok := param("latency/n=10000/op=1ms/k=2", "n")
	assert.True(t, ok)
	assert.Equal(t, 10000, n)
	_, ok = param("latency/n=10000/op=1ms/k=2", "op")
	assert.False(t, ok, "not an integer")
	_, ok = param("fanout/k=2/delay=1ms", "n")
	assert.False(t, ok)
}

func TestPlot(t *testing.T) {
	var samples []Sample
	for _, c := range []string{Recur, Naive} {
		for i, n := range []string{"1000", "10000", "100000"} {
			samples = append(samples, samplesOf("scaling/n="+n, c, NsPerBatch, float64(i+1)*1e8)...)
			samples = append(samples, samplesOf("scaling/n="+n, c, PeakHeap, float64(i+1)*1e6)...)
		}
		samples = append(samples, samplesOf("breaker/mode=serial", c, NsPerOp, 20)...)
	}
	dir := filepath.Join(t.TempDir(), "charts")
	require.NoError(t, Plot(dir, Summarize(samples)))
	for _, name := range []string{"scaling.svg", "breaker.svg"} {
		svg, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Contains(t, string(svg), "<svg")
		assert.Contains(t, string(svg), ">naive<", "%s has a legend", name)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no chart for groups without results")
}

func TestTicks(t *testing.T) {
	labels := func(ticks []plot.Tick) []string {
		var ls []string
		for _, tk := range ticks {
			if tk.Label != "" {
				ls = append(ls, tk.Label)
			}
		}
		return ls
	}
	assert.Equal(t, []string{"200 ms", "500 ms", "1 s", "2 s", "5 s"}, labels(logTicks{format: formatSeconds}.Ticks(0.102, 8.2)))
	assert.Equal(t, []string{"1k", "10k", "100k", "1M"}, labels(logTicks{format: formatCount, decadesOnly: true}.Ticks(1000, 1e6)))
	assert.Equal(t, []string{"107 ms", "152 ms"}, labels(logTicks{format: formatSeconds}.Ticks(0.107, 0.152)))
	assert.Equal(t, []string{"0", "5", "10", "15", "20"}, labels(linearTicks{}.Ticks(0, 22)))
	assert.Equal(t, []string{"0", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.35"}, labels(linearTicks{}.Ticks(0, 0.35)))
}
