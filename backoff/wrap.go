package backoff

import "time"

// wrapped holds the strategy a decorator ([Capped], the jitters, [Adaptive])
// wraps and gives the decorator the behaviour they all share: a nil inner
// strategy waits 0 instead of panicking (and [Validate] reports it), outcomes
// reach an inner [Observer], and the first delay is the inner one.
type wrapped struct {
	inner Strategy
}

func (w wrapped) innerDelay(n int, prev time.Duration) time.Duration {
	if w.inner == nil {
		return 0
	}
	return max(w.inner.Delay(n, prev), 0) // a user's Strategy may break the rules
}

// Observe forwards the outcome to the wrapped strategy if it learns from
// outcomes, so decorating an [Adaptive] never stops it learning.
func (w wrapped) Observe(success bool) {
	if o, ok := w.inner.(Observer); ok {
		o.Observe(success)
	}
}

func (w wrapped) firstDelay() (time.Duration, bool) { return firstDelay(w.inner) }
