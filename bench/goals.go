package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
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

	if r, ok := find(results, "call/ok", Recur, NsPerOp); ok {
		checks = append(checks, GoalCheck{Goal: "call/ok ns/op: recur's Submit and Await of a call that succeeds at once",
			Target: "< 800 ns", Measured: r.Value, Unit: "ns", Met: r.Value < 800})
	}

	fan := "fanout/k=2/delay=1ms"
	faster(fan, NsPerBatch, FailsafeGo, 3, false)
	faster(fan, NsPerBatch, BackoffV5, 2, false)
	faster(fan, NsPerBatch, RetryGo, 2, false)
	faster(fan, NsPerBatch, Naive, 1.2, false)
	// A fan-out inside a request: every call under one cancelable context.
	faster("fanout/k=0/delay=0s/ctx=cancelable", NsPerBatch, Naive, 1, false)

	for _, r := range results {
		if groupOf(r.Scenario) == "latency" && r.Contender == Recur && r.Metric == NsPerBatch {
			for _, peer := range []string{FailsafeGo, BackoffV5, RetryGo} {
				faster(r.Scenario, NsPerBatch, peer, 1, true)
			}
			checks = append(checks, latencyGoals(results, r.Scenario)...)
		}
	}

	for _, r := range results {
		if groupOf(r.Scenario) == "hol" && r.Contender == RecurAlone && r.Metric == P99 && !math.IsNaN(r.VsRecur) {
			adv := r.Advantage()
			checks = append(checks, GoalCheck{Goal: fmt.Sprintf("%s %s: recur vs %s (the fast key's p99 ≤ %g× alone's)", r.Scenario, P99, RecurAlone, HOLSlack),
				Target: fmt.Sprintf("≥ %s×", formatRatio(1/HOLSlack)), Measured: adv, Unit: "×", Met: adv >= 1/HOLSlack})
		}
	}

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
	checks = append(checks, peakHeapGoal(results, "scaling/n=1000000")...)
	for _, peer := range []string{Gobreaker, FailsafeGo} {
		faster("breaker/mode=parallel", NsPerOp, peer, 3, false)
	}

	// A call costs its operation's closure (the harness makes one per call) and at most two
	// allocations of recur's.
	for _, scenario := range []string{"fanout/k=0/delay=0s", "fanout/k=0/delay=0s/ctx=cancelable"} {
		if r, ok := find(results, scenario, Recur, AllocsPerCall); ok {
			checks = append(checks, GoalCheck{Goal: scenario + " recur allocs/call, the op's closure included",
				Target: "≤ 3", Measured: r.Value, Unit: "allocs", Met: r.Value <= 3})
		}
	}
	checks = append(checks, throttleGoals(results)...)
	checks = append(checks, hedgeGoals(results)...)
	checks = append(checks, rateLimitGoals(results)...)
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

// NaiveSlack is how much longer than the naive baseline recur may take in a latency scenario:
// with attempts that take real time, an engine that runs them all at once costs little beside
// them, and a user who swaps a goroutine per call for recur must not lose more than this.
const NaiveSlack = 1.1

// HOLSlack is how much a slow key may stretch a fast key's p99 in the head-of-line scenario,
// against the fast key running alone: with per-key limits the slow key's calls wait in its own
// queue, and what is left is the cost of sharing the engine and the machine with them.
const HOLSlack = 2.0

// latencyGoals holds recur against naive in one latency scenario: its wall time within
// NaiveSlack of naive's, and its peak goroutines about its running attempts.
//
// Every call's first attempt starts at once, so running attempts peak at n, the scenario's
// calls, and n goroutines is what one per running attempt costs; the bound, 1.1n + 64, leaves
// room for the engine's own goroutines and for idle workers not yet gone. It cannot tell one
// goroutine per running attempt from one per call (naive, with n, meets it too), nor an engine
// that caps its attempts well below n (which the wall-time goal catches): that a waiting retry
// holds no goroutine is the waiting scenario's B/waiting goal.
func latencyGoals(results []Result, scenario string) []GoalCheck {
	var checks []GoalCheck
	if r, ok := find(results, scenario, Naive, NsPerBatch); ok && !math.IsNaN(r.VsRecur) {
		adv := r.Advantage()
		checks = append(checks, GoalCheck{Goal: fmt.Sprintf("%s %s: recur vs naive (recur's time ≤ %g× naive's)", scenario, NsPerBatch, NaiveSlack),
			Target: fmt.Sprintf("≥ %s×", formatRatio(1/NaiveSlack)), Measured: adv, Unit: "×", Met: adv >= 1/NaiveSlack})
	}
	n, okN := param(scenario, "n")
	g, okG := find(results, scenario, Recur, PeakGoroutines)
	if okN && okG {
		bound := 1.1*float64(n) + 64
		checks = append(checks, GoalCheck{Goal: fmt.Sprintf("%s %s: recur", scenario, PeakGoroutines),
			Target: fmt.Sprintf("≤ %.0f (1.1n + 64)", bound), Measured: g.Value, Unit: "goroutines", Met: g.Value <= bound})
	}
	return checks
}

// param returns the integer value of key in a key=value scenario path.
func param(scenario, key string) (int, bool) {
	for _, kv := range strings.Split(scenario, "/") {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			n, err := strconv.Atoi(v)
			return n, err == nil
		}
	}
	return 0, false
}

// WriteGoals writes the checks as a Markdown table.
func WriteGoals(w io.Writer, checks []GoalCheck) error {
	var b strings.Builder
	b.WriteString("| goal | target | measured | met |\n|---|---|---:|---|\n")
	for _, c := range checks {
		measured := formatRatio(c.Measured) + "×"
		if c.Unit != "×" {
			measured = fmt.Sprintf("%.2f %s", c.Measured, c.Unit)
			if c.Unit == "B" || c.Unit == "goroutines" {
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

// peakHeapGoal holds recur's peak heap in a scenario to the lowest of its peers'.
func peakHeapGoal(results []Result, scenario string) []GoalCheck {
	r, ok := find(results, scenario, Recur, PeakHeap)
	if !ok {
		return nil
	}
	best := math.Inf(1)
	for _, p := range results {
		if p.Scenario == scenario && p.Metric == PeakHeap && p.Contender != Recur {
			best = min(best, p.Value)
		}
	}
	if math.IsInf(best, 1) {
		return nil
	}
	return []GoalCheck{{Goal: scenario + " " + PeakHeap + ": recur vs the lowest peer",
		Target: "≤ " + formatMiB(best/(1<<20)), Measured: r.Value / (1 << 20), Unit: "MiB", Met: r.Value <= best}}
}
