package backoff

import (
	"fmt"
	"time"
)

// Capped returns a Strategy that never waits longer than maxDelay:
// Delay(n, prev) = min(s.Delay(n, prev), maxDelay). The cap is a true
// maximum because it applies to whatever s returns, jitter included; to
// jitter over a capped curve instead (so the cap does not pile probability at
// maxDelay), cap first and jitter the result, as [Default] does.
//
// [Validate] reports a negative maxDelay (which waits 0), a nil s, and a
// maxDelay below the first delay s intends, which would make the cap the
// whole strategy.
func Capped(s Strategy, maxDelay time.Duration) Strategy {
	return &capped{wrapped: wrapped{s}, maxDelay: maxDelay, ceiling: max(maxDelay, 0)}
}

type capped struct {
	wrapped
	maxDelay time.Duration // as given
	ceiling  time.Duration // clamped to >= 0
}

func (c *capped) Delay(n int, prev time.Duration) time.Duration {
	return min(c.innerDelay(n, prev), c.ceiling)
}

func (c *capped) firstDelay() (time.Duration, bool) {
	d, ok := firstDelay(c.inner)
	return min(d, c.ceiling), ok
}

func (c *capped) String() string { return fmt.Sprintf("Capped(%v, %v)", c.inner, c.maxDelay) }

func (c *capped) Validate() error {
	if err := nonNegative("Capped", "max", c.maxDelay); err != nil {
		return err
	}
	if err := validateInner("Capped", c.inner); err != nil {
		return err
	}
	if first, ok := firstDelay(c.inner); ok && c.maxDelay < first {
		return &ParamError{Strategy: "Capped", Param: "max", Value: c.maxDelay, Reason: fmt.Sprintf("< initial delay %v", first)}
	}
	return nil
}

// defaultStrategy is shared: strategies are stateless, and the default
// random source is safe for concurrent use.
var defaultStrategy = FullJitter(Capped(Exponential(time.Second, 2), time.Minute))

// Default returns the engine's documented default: exponential from 1s with
// factor 2, capped at 60s, with full jitter over the capped curve:
//
//	Delay(n, prev) = uniform(0, min(60s, 1s * 2^(n-1)))
//
// It never exceeds 60s, and its mean is half the capped curve.
func Default() Strategy { return defaultStrategy }
