package bench

import (
	"math"
	"slices"
)

// Result is the median of one metric of one contender in one scenario over the rounds, with
// its ratio to recur's median.
type Result struct {
	Scenario  string
	Contender string
	Metric    string
	Value     float64 // the median
	Spread    float64 // (max-min)/median over the rounds: how noisy the value is
	Rounds    int
	// VsRecur is Value divided by recur's Value for the same scenario and metric: 1 for recur
	// itself, NaN when recur has no such value or it is 0.
	VsRecur float64
}

// HigherIsBetter reports whether a larger value of metric is better (throughput); for every
// other metric, a cost, smaller is better.
func HigherIsBetter(metric string) bool {
	return metric == OpsPerSecond || metric == SuccessPct || metric == GoodputPct
}

// Advantage returns how many times better recur is than the contender of r: r.VsRecur for
// costs, its inverse for throughput. Above 1, recur is better.
func (r Result) Advantage() float64 {
	if HigherIsBetter(r.Metric) {
		return 1 / r.VsRecur
	}
	return r.VsRecur
}

// Summarize takes the median of every (scenario, contender, metric) over its samples. Results
// keep the order in which their first samples came: scenario by scenario, and within a
// scenario, contender by contender as the first round ran them, metric by metric.
func Summarize(samples []Sample) []Result {
	type key struct{ scenario, contender, metric string }
	values := map[key][]float64{}
	var order []key
	for _, s := range samples {
		k := key{s.Scenario, s.Contender, s.Metric}
		if _, ok := values[k]; !ok {
			order = append(order, k)
		}
		values[k] = append(values[k], s.Value)
	}
	results := make([]Result, len(order))
	for i, k := range order {
		v := values[k]
		m := median(v)
		spread := 0.0
		if m != 0 {
			spread = (slices.Max(v) - slices.Min(v)) / m
		}
		results[i] = Result{Scenario: k.scenario, Contender: k.contender, Metric: k.metric, Value: m,
			Spread: spread, Rounds: len(v)}
	}
	for i := range results {
		r := &results[i]
		recur := values[key{r.Scenario, Recur, r.Metric}]
		r.VsRecur = math.NaN()
		if base := median(recur); len(recur) > 0 && base != 0 {
			r.VsRecur = r.Value / base
		}
	}
	return results
}

// median returns the middle value of v (the mean of the two middle ones for an even count),
// NaN for none. It does not change v.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
