package bench

import (
	"fmt"
	"math"
)

// The hedge scenario's goals (issue 14), each with the reason for its bound.
const (
	// HedgeTailRatio bounds recur's hedged p99 to this many times its p50. With the server's
	// latencies (tailServer) a perfect hedge gives about 2.7×: a slow first answer is beaten by a
	// hedge that leaves at 8 ms and takes 4 to 6 ms.
	HedgeTailRatio = 3.0
	// HedgeVsNone is how many times lower than no-hedge's recur's p99 must be: 52 ms without
	// hedging, about 14 ms with a perfect one (3.8×).
	HedgeVsNone = 3.0
	// HedgeLoadPct bounds recur's extra load, in percent of the calls: a perfect hedge costs
	// tailShare (5%), the first answers slower than HedgeDelay; the rest is for timers late on a
	// busy machine.
	HedgeLoadPct = 10.0
	// HedgeParity is the least recur's p99 advantage over failsafe-go's may be: both hedge once
	// after the same delay, so the same p99 is the best either can do, and a run's p99 moves by a
	// few percent; 0.95 reads "no worse, within the noise".
	HedgeParity = 0.95
)

// hedgeGoals holds recur against the goals of issue 14 in the hedge scenario: a p99 within
// HedgeTailRatio of its p50 and HedgeVsNone times below no-hedge's, at most HedgeLoadPct of
// extra load, a p99 no worse than failsafe-go's (HedgeParity) and fewer peak goroutines.
func hedgeGoals(results []Result) []GoalCheck {
	var checks []GoalCheck
	for _, r := range results {
		if groupOf(r.Scenario) != "hedge" || r.Contender != Recur {
			continue
		}
		s := r.Scenario
		switch r.Metric {
		case P99:
			if p50, ok := find(results, s, Recur, P50); ok && p50.Value > 0 {
				ratio := r.Value / p50.Value
				checks = append(checks, GoalCheck{Goal: s + " p99 ÷ p50: recur", Target: fmt.Sprintf("≤ %g×", HedgeTailRatio),
					Measured: ratio, Unit: "×", Met: ratio <= HedgeTailRatio})
			}
			checks = append(checks, hedgeAdvantage(results, s, P99, NoHedge, HedgeVsNone)...)
			checks = append(checks, hedgeAdvantage(results, s, P99, FailsafeGo, HedgeParity)...)
		case ExtraLoadPct:
			checks = append(checks, GoalCheck{Goal: s + " " + ExtraLoadPct + ": recur", Target: fmt.Sprintf("≤ %g", HedgeLoadPct),
				Measured: r.Value, Unit: ExtraLoadPct, Met: r.Value <= HedgeLoadPct})
		case PeakGoroutines:
			if p, ok := find(results, s, FailsafeGo, PeakGoroutines); ok && !math.IsNaN(p.VsRecur) {
				adv := p.Advantage()
				checks = append(checks, GoalCheck{Goal: s + " " + PeakGoroutines + ": recur vs " + FailsafeGo, Target: "> 1×",
					Measured: adv, Unit: "×", Met: adv > 1})
			}
		}
	}
	return checks
}

// hedgeAdvantage holds recur's advantage over peer in metric to at least atLeast.
func hedgeAdvantage(results []Result, scenario, metric, peer string, atLeast float64) []GoalCheck {
	p, ok := find(results, scenario, peer, metric)
	if !ok || math.IsNaN(p.VsRecur) {
		return nil
	}
	adv := p.Advantage()
	return []GoalCheck{{Goal: fmt.Sprintf("%s %s: recur vs %s", scenario, metric, peer), Target: fmt.Sprintf("≥ %g×", atLeast),
		Measured: adv, Unit: "×", Met: adv >= atLeast}}
}
