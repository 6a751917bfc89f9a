package backoff

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"time"
)

// JitterOption configures a randomised strategy: the jitters and
// [Decorrelated].
type JitterOption interface {
	applyJitter(*random)
}

type jitterOptionFunc func(*random)

func (f jitterOptionFunc) applyJitter(r *random) { f(r) }

// WithSource makes a randomised strategy draw from src instead of the
// math/rand/v2 top-level generator, so that a seeded source (for example
// rand.NewPCG(1, 2)) makes its delays reproducible in tests. The sources of
// math/rand/v2 are not safe for concurrent use: when the strategy is shared
// by concurrent calls, src must be made safe by the caller. A nil src keeps
// the default, which is safe for concurrent use and takes no lock.
func WithSource(src rand.Source) JitterOption {
	return jitterOptionFunc(func(r *random) { r.src = src })
}

// random draws uniform delays from its source, or from the top-level
// math/rand/v2 generator when it has none.
type random struct {
	src rand.Source
}

func newRandom(opts []JitterOption) random {
	var r random
	for _, o := range opts {
		if o != nil {
			o.applyJitter(&r)
		}
	}
	return r
}

// upTo returns a uniform delay in [0, d] (0 for d <= 0). It maps 64 random
// bits onto [0, d] by a 128-bit multiply (Lemire's method without the
// rejection step): exact integer bounds, no float rounding, no division, and
// a bias below d/2^64, under 1e-6 for any delay shorter than 5 hours.
func (r random) upTo(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	var x uint64
	if r.src != nil {
		x = r.src.Uint64()
	} else {
		x = rand.Uint64()
	}
	hi, _ := bits.Mul64(x, uint64(d)+1) // d+1 <= 2^63: no overflow
	return time.Duration(hi)
}

// FullJitter returns a Strategy that draws each delay uniformly from [0, d],
// where d is what s returns: Delay(n, prev) = uniform(0, s.Delay(n, prev)).
// Mean d/2. It spreads synchronised clients the most. A nil s waits 0 and is
// reported by [Validate].
func FullJitter(s Strategy, opts ...JitterOption) Strategy {
	return &fullJitter{wrapped: wrapped{s}, rng: newRandom(opts)}
}

type fullJitter struct {
	wrapped
	rng random
}

func (j *fullJitter) Delay(n int, prev time.Duration) time.Duration {
	return j.rng.upTo(j.innerDelay(n, prev))
}

func (j *fullJitter) Validate() error { return validateInner("FullJitter", j.inner) }
func (j *fullJitter) String() string  { return fmt.Sprintf("FullJitter(%v)", j.inner) }

// EqualJitter returns a Strategy that keeps half of each delay and
// randomises the other half: Delay(n, prev) = d/2 + uniform(0, d/2) with
// d = s.Delay(n, prev), so it lies in [d/2, d] with mean 3d/4. It never waits
// much less than s intends. A nil s waits 0 and is reported by [Validate].
func EqualJitter(s Strategy, opts ...JitterOption) Strategy {
	return &equalJitter{wrapped: wrapped{s}, rng: newRandom(opts)}
}

type equalJitter struct {
	wrapped
	rng random
}

func (j *equalJitter) Delay(n int, prev time.Duration) time.Duration {
	d := j.innerDelay(n, prev)
	half := d / 2
	return half + j.rng.upTo(d-half) // d-half, not half: an odd d still reaches d
}

func (j *equalJitter) Validate() error { return validateInner("EqualJitter", j.inner) }
func (j *equalJitter) String() string  { return fmt.Sprintf("EqualJitter(%v)", j.inner) }

// ProportionalJitter returns a Strategy that varies each delay by up to frac
// of itself either way: Delay(n, prev) = uniform(d*(1-frac), d*(1+frac)) with
// d = s.Delay(n, prev), mean d (the upper end saturates at the largest
// time.Duration). frac must be in [0, 1]; outside it, or NaN, it is clamped
// into [0, 1] (NaN to 0) and reported by [Validate], as is a nil s.
func ProportionalJitter(s Strategy, frac float64, opts ...JitterOption) Strategy {
	clamped := 0.0
	if !math.IsNaN(frac) {
		clamped = min(max(frac, 0), 1)
	}
	return &proportionalJitter{wrapped: wrapped{s}, frac: frac, clamped: clamped, rng: newRandom(opts)}
}

type proportionalJitter struct {
	wrapped
	frac    float64 // as given
	clamped float64 // frac clamped into [0, 1]
	rng     random
}

func (j *proportionalJitter) Delay(n int, prev time.Duration) time.Duration {
	d := j.innerDelay(n, prev)
	// min: float64(d) may round up past d, and the spread must stay <= d.
	spread := min(saturate(j.clamped*float64(d)), d)
	low, high := d-spread, addSaturating(d, spread)
	return low + j.rng.upTo(high-low)
}

func (j *proportionalJitter) Validate() error {
	if math.IsNaN(j.frac) || j.frac < 0 || j.frac > 1 {
		return &ParamError{Strategy: "ProportionalJitter", Param: "fraction", Value: j.frac, Reason: "outside [0, 1]"}
	}
	return validateInner("ProportionalJitter", j.inner)
}

func (j *proportionalJitter) String() string {
	return fmt.Sprintf("ProportionalJitter(%v, %v)", j.inner, j.frac)
}
