package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// GoalCheck is one of the goals held against a run's results.
type GoalCheck struct {
	Goal     string  // what is claimed
	Target   string  // the bound, as a ratio or a value
	Measured float64 // the measured ratio (recur's advantage) or value
	Unit     string  // "×" for ratios, else the metric's unit
	Met      bool
}

func find(results []Result, scenario, contender, metric string) (Result, bool) {
	i := slices.IndexFunc(results, func(r Result) bool {
		return r.Scenario == scenario && r.Contender == contender && r.Metric == metric
	})
	if i < 0 {
		return Result{}, false
	}
	return results[i], true
}

// CheckGoals holds the results against the goals; goals whose scenario did not run are left out.
func CheckGoals(results []Result) []GoalCheck {
	var checks []GoalCheck
	faster := func(scenario, metric, peer string, atLeast float64, strict bool) {
		r, ok := find(results, scenario, peer, metric)
		if !ok || math.IsNaN(r.VsRecur) {
			return
		}
		adv := r.Advantage()
		met, target := adv >= atLeast, fmt.Sprintf("≥ %g×", atLeast)
		if strict {
			met, target = adv > atLeast, fmt.Sprintf("> %g×", atLeast)
		}
		checks = append(checks, GoalCheck{Goal: fmt.Sprintf("%s %s: recur vs %s", scenario, metric, peer),
			Target: target, Measured: adv, Unit: "×", Met: met})
	}

	fan := "fanout/k=2/delay=1ms"
	faster(fan, NsPerBatch, FailsafeGo, 3, false)
	faster(fan, NsPerBatch, BackoffV5, 2, false)
	faster(fan, NsPerBatch, RetryGo, 2, false)
	faster(fan, NsPerBatch, Naive, 1, true)

	for _, r := range results {
		if groupOf(r.Scenario) != "waiting" || r.Contender != Recur || r.Metric != BytesWaiting {
			continue
		}
		checks = append(checks, GoalCheck{Goal: r.Scenario + " " + BytesWaiting + ": recur",
			Target: "≤ 200 B", Measured: r.Value, Unit: "B", Met: r.Value <= 200})
		best := math.Inf(1)
		for _, p := range results {
			if p.Scenario == r.Scenario && p.Metric == BytesWaiting && p.Contender != Recur {
				best = min(best, p.Advantage())
			}
		}
		if !math.IsInf(best, 1) {
			checks = append(checks, GoalCheck{Goal: r.Scenario + " " + BytesWaiting + ": recur vs the best peer",
				Target: "≥ 13×", Measured: best, Unit: "×", Met: best >= 13})
		}
	}

	for _, peer := range []string{FailsafeGo, BackoffV5, RetryGo, Naive} {
		faster("scaling/n=1000000", NsPerBatch, peer, 2, false)
	}
	for _, peer := range []string{Gobreaker, FailsafeGo} {
		faster("breaker/mode=parallel", NsPerOp, peer, 3, false)
	}

	// Retries must not cost allocations: two of them may add less than one allocation per call.
	for _, delay := range []string{"0s", "1ms"} {
		none, ok0 := find(results, "fanout/k=0/delay="+delay, Recur, AllocsPerCall)
		two, ok2 := find(results, "fanout/k=2/delay="+delay, Recur, AllocsPerCall)
		if ok0 && ok2 {
			growth := two.Value - none.Value
			checks = append(checks, GoalCheck{Goal: "fanout/delay=" + delay + " recur allocs/call, k=2 minus k=0",
				Target: "< 1", Measured: growth, Unit: "allocs", Met: growth < 1})
		}
	}
	return checks
}

// WriteGoals writes the checks as a Markdown table.
func WriteGoals(w io.Writer, checks []GoalCheck) error {
	var b strings.Builder
	b.WriteString("| goal | target | measured | met |\n|---|---|---:|---|\n")
	for _, c := range checks {
		measured := formatRatio(c.Measured) + "×"
		if c.Unit != "×" {
			measured = fmt.Sprintf("%.2f %s", c.Measured, c.Unit)
			if c.Unit == "B" {
				measured = fmt.Sprintf("%.0f %s", c.Measured, c.Unit)
			}
		}
		met := "yes"
		if !c.Met {
			met = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Goal, c.Target, measured, met)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
