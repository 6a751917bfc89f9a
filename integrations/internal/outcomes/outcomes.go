// Package outcomes names how a call settled, for the metric labels of the integrations: success,
// or the engine.Reason it failed for, in snake case ("breaker_open"). The names are made once, so
// that no scrape or hook builds a string.
package outcomes

import (
	"strings"

	"github.com/recur-go/recur/engine"
)

// numReasons is how many failure reasons the engine counts: the length of Stats.FailedBy, a
// constant the engine is free to grow.
const numReasons = len(engine.Stats{}.FailedBy)

// Count is the number of outcomes: success and every reason.
const Count = numReasons + 1

// Success is the outcome index of a success; a failure's is its reason's.
const Success = numReasons

// Names are the label values of the outcomes, by index.
var Names = func() (n [Count]string) {
	for r := range numReasons {
		n[r] = strings.ReplaceAll(engine.Reason(r).String(), " ", "_")
	}
	n[Success] = "success"
	return n
}()

// Of returns the outcome index of a settled call.
func Of(s engine.Settled) int {
	switch {
	case s.Success:
		return Success
	case int(s.Reason) < numReasons:
		return int(s.Reason)
	}
	return 0 // a reason newer than this build: the engine it is built with has none
}
