package recurprom

import (
	"strings"

	"github.com/recur-go/recur/engine"
)

// numReasons is how many failure reasons the engine counts: the length of Stats.FailedBy, a
// constant the engine is free to grow.
const numReasons = len(engine.Stats{}.FailedBy)

// numOutcomes is success and every reason.
const numOutcomes = numReasons + 1

// outcomeSuccess is the outcome index of a success; a failure's is its reason's.
const outcomeSuccess = numReasons

// outcomeNames are the label values of the outcomes, made once so that no scrape or hook builds
// a string.
var outcomeNames = func() (n [numOutcomes]string) {
	for r := range numReasons {
		n[r] = strings.ReplaceAll(engine.Reason(r).String(), " ", "_")
	}
	n[outcomeSuccess] = "success"
	return n
}()

// outcomeOf returns the outcome index of a settled call.
func outcomeOf(s engine.Settled) int {
	switch {
	case s.Success:
		return outcomeSuccess
	case int(s.Reason) < numReasons:
		return int(s.Reason)
	}
	return 0 // a reason newer than this build: the engine it is built with has none
}
