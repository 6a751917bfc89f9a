package backoff

import (
	"fmt"
	"math"
	"time"
)

// Decorrelated returns AWS's "decorrelated jitter" strategy: each delay is
// drawn from the delay this call used before, not from the attempt number:
//
//	Delay(n, prev) = min(maxDelay, uniform(base, 3*prev)), prev = base when prev is 0
//
// so a call's delays wander upwards from base, about tripling at most per
// retry, while calls that started together drift apart. The caller must pass
// the previous delay (the engine does); deriving it from the attempt number
// instead turns this into plain capped exponential jitter.
//
// base must be positive and maxDelay >= base; [Validate] reports otherwise.
// Invalid values are still safe: negative ones count as 0, and the result
// never exceeds maxDelay.
func Decorrelated(base, maxDelay time.Duration, opts ...JitterOption) Strategy {
	return &decorrelated{
		base: base, maxDelay: maxDelay,
		low: max(base, 0), ceiling: max(maxDelay, 0),
		rng: newRandom(opts),
	}
}

type decorrelated struct {
	base, maxDelay time.Duration // as given
	low, ceiling   time.Duration // clamped to >= 0
	rng            random
}

func (d *decorrelated) Delay(_ int, prev time.Duration) time.Duration {
	if prev <= 0 {
		prev = d.low
	}
	var high time.Duration
	if prev > math.MaxInt64/3 {
		high = math.MaxInt64
	} else {
		high = max(3*prev, d.low) // a prev below base/3 must not invert the range
	}
	return min(d.low+d.rng.upTo(high-d.low), d.ceiling)
}

func (d *decorrelated) firstDelay() (time.Duration, bool) { return min(d.low, d.ceiling), true }

func (d *decorrelated) String() string {
	return fmt.Sprintf("Decorrelated(%v, %v)", d.base, d.maxDelay)
}

func (d *decorrelated) Validate() error {
	if err := nonNegative("Decorrelated", "base", d.base); err != nil {
		return err
	}
	if err := positive("Decorrelated", "base", d.base); err != nil {
		return err
	}
	if d.maxDelay < d.base {
		return &ParamError{Strategy: "Decorrelated", Param: "max", Value: d.maxDelay, Reason: fmt.Sprintf("< base %v", d.base)}
	}
	return nil
}
