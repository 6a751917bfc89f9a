package bench

import "fmt"

// throttleGoals holds recur against issue 13's goals in the throttle scenario, on engine
// defaults: at least 95% of the calls succeed, at most twice the minimum requests (the first
// wave cannot know the limit), goodput at least 90% of the limit; with first attempts paced
// too, at most 1.2 times the minimum requests.
func throttleGoals(results []Result) []GoalCheck {
	var checks []GoalCheck
	for _, r := range results {
		if groupOf(r.Scenario) != "throttle" {
			continue
		}
		check := func(contender, metric string, bound float64, atLeast bool) {
			if r.Contender != contender || r.Metric != metric {
				return
			}
			met, target := r.Value <= bound, fmt.Sprintf("≤ %g", bound)
			if atLeast {
				met, target = r.Value >= bound, fmt.Sprintf("≥ %g", bound)
			}
			checks = append(checks, GoalCheck{Goal: fmt.Sprintf("%s %s: %s", r.Scenario, metric, contender),
				Target: target, Measured: r.Value, Unit: metric, Met: met})
		}
		check(Recur, SuccessPct, 95, true)
		check(Recur, RequestsPerCall, 2, false)
		check(Recur, GoodputPct, 90, true)
		check(RecurPaceAll, RequestsPerCall, 1.2, false)
	}
	return checks
}
