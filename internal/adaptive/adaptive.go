// Package adaptive is the algorithm behind the engine's adaptive concurrency limits: a limit that
// follows the latency and the failures of the attempts it admits. It is a pure function of the
// samples it is given, with no clock, no goroutine and no lock; the engine calls it under the
// lock of the key it limits.
package adaptive

import "time"

// The algorithm is Netflix concurrency-limits' Gradient2 (Gradient2Limit.java, with its current
// defaults), plus a loss response of our own taken from its AIMDLimit.
//
// Gradient2 compares each sample's latency (the short RTT) with a long, exponentially smoothed
// average of the latency (the long RTT):
//
//	gradient = clamp(tolerance · long / short, 0.5, 1)
//	limit    = (1 − smoothing) · limit + smoothing · (gradient · limit + headroom)
//
// A latency up to tolerance times the usual one lets the limit grow by smoothing · headroom a
// sample; a slower one pulls it down, by at most half of smoothing a sample, so that one outlier
// cannot halve it. The long average adapts to a new normal over hundreds of samples, and falls
// fast when the latency drops well below it (a load that has passed), so that the limit recovers
// soon after the dependency does. While fewer than half the slots are in use the limit holds: a
// quiet key proves nothing about how many attempts the dependency can take.
//
// Why Gradient2, of the three studied:
//   - Vegas (VegasLimit.java) measures queueing against the minimum latency ever seen. A minimum
//     is biased low for RPCs, whose latency varies from request to request, and Vegas re-learns
//     it by resetting at random intervals, which makes its limit a sawtooth and no pure function
//     of its samples. Gradient2's author replaced it for that reason.
//   - failsafe-go's adaptivelimiter judges windows of at least 50 samples and 1s with a p90 from
//     a t-digest and the correlations of inflight with throughput and latency: a clock, a
//     dependency and many parameters, tuned for a server shedding its own load; it waits a whole
//     window to react and ignores failures (a dropped sample is only left out).
//   - Gradient2 reacts on every sample with two numbers of state, and its averages suit calls
//     whose latency varies. It has no response to failures at all, which a client needs: a
//     dependency that times out or pushes back is overloaded whatever its latency says. So a drop
//     cuts the limit by AIMDLimit's backoff ratio, once per flight: the attempts in flight at a
//     cut were sent under the old limit, and their drops tell of the same overload (TCP cuts once
//     per round trip for the same reason). Drops are left out of the latency averages, as
//     failsafe-go leaves them out: a timeout's latency is the timeout's, not the dependency's.
const (
	tolerance  = 1.5  // Gradient2: latency this many times the usual one is not queueing yet
	smoothing  = 0.2  // Gradient2: the weight of a sample's estimate in the limit
	headroom   = 4    // Gradient2's queueSize: how far above the latency's verdict the limit probes
	longWindow = 600  // Gradient2: the long RTT averages about this many samples
	warmup     = 10   // Gradient2 (ExpAvgMeasurement): a plain mean of the first samples
	minGrad    = 0.5  // Gradient2: a sample pulls the limit down by at most half of smoothing
	fastDrop   = 2    // Gradient2: a latency this many times below the long RTT (a load has passed)
	longDecay  = 0.95 // Gradient2: ...pulls the long RTT down by this factor a sample
	backoff    = 0.9  // AIMDLimit: a drop's cut
)

// Limit is one key's adaptive concurrency limit. Its zero value is not usable: make it with New.
// It is not safe for concurrent use.
type Limit struct {
	min, max float64
	initial  float64
	limit    float64
	long     float64 // the long RTT, in nanoseconds
	samples  int     // latency samples taken, counted up to warmup
	flight   int     // samples still to come from the flight the last cut was made for
}

// New returns a limit that starts at initial and stays within [min, max]; the caller has checked
// that 1 <= min <= initial <= max.
func New(min, max, initial int) Limit {
	return Limit{min: float64(min), max: float64(max), initial: float64(initial), limit: float64(initial)}
}

// Current returns the number of attempts the limit admits at once.
func (l *Limit) Current() int { return int(l.limit) }

// Learnt reports whether the limit has learnt anything: one that has not is as a new one.
func (l *Limit) Learnt() bool { return l.samples > 0 || l.limit != l.initial }

// Observe takes the sample of one attempt: how long it took, how many attempts were in flight
// when it ended (itself included), and whether it was dropped (failed in a way that tells of
// overload: a timeout, a server error, pushback). It returns the new limit.
func (l *Limit) Observe(rtt time.Duration, inflight int, dropped bool) int {
	if dropped {
		l.drop(inflight)
	} else {
		l.sample(float64(max(rtt, 1)), inflight)
	}
	return l.Current()
}

// drop cuts the limit, unless the cut for this drop's flight was made already.
func (l *Limit) drop(inflight int) {
	if l.flight > 0 {
		l.flight--
		return
	}
	// At least one slot less, or a small limit would never fall (9 · 0.9 is still above 8).
	l.limit = max(l.min, min(l.limit*backoff, l.limit-1))
	l.flight = inflight - 1 // the others in flight now
}

// sample moves the limit after an attempt that was not dropped.
func (l *Limit) sample(short float64, inflight int) {
	if l.flight > 0 {
		l.flight--
	}
	if l.samples < warmup {
		l.samples++
		l.long += (short - l.long) / float64(l.samples)
	} else {
		l.long += (short - l.long) * 2 / (longWindow + 1)
	}
	if l.long/short > fastDrop {
		l.long *= longDecay
	}
	if float64(inflight) < l.limit/2 {
		return
	}
	grad := min(max(tolerance*l.long/short, minGrad), 1)
	next := (1-smoothing)*l.limit + smoothing*(grad*l.limit+headroom)
	l.limit = min(max(next, l.min), l.max)
}
