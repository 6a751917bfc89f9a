package backoff

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// Defaults of [NewAdaptive].
const (
	// DefaultAlpha is the weight of the newest outcome in the success rate:
	// the rate forgets an outcome over about 10 more.
	DefaultAlpha = 0.1
	// DefaultMaxMultiplier bounds how far failures stretch the delays.
	DefaultMaxMultiplier = 10.0
)

// AdaptiveOption configures [NewAdaptive].
type AdaptiveOption interface {
	applyAdaptive(*Adaptive)
}

type adaptiveOptionFunc func(*Adaptive)

func (f adaptiveOptionFunc) applyAdaptive(a *Adaptive) { f(a) }

// WithAlpha sets the learning rate, the weight in (0, 1] of each new outcome
// in the success rate (default [DefaultAlpha]). Larger values react faster
// and forget sooner. An invalid value is ignored and reported by [Validate].
func WithAlpha(alpha float64) AdaptiveOption {
	return adaptiveOptionFunc(func(a *Adaptive) { a.alpha = alpha })
}

// WithMaxMultiplier sets the largest factor, finite and >= 1, by which a low
// success rate stretches the delays (default [DefaultMaxMultiplier]). An
// invalid value is ignored and reported by [Validate].
func WithMaxMultiplier(m float64) AdaptiveOption {
	return adaptiveOptionFunc(func(a *Adaptive) { a.maxMultiplier = m })
}

// Adaptive stretches the delays of another strategy as the recent success
// rate falls:
//
//	Delay(n, prev) = s.Delay(n, prev) * min(maxMultiplier, 1/rate)
//	rate = (1-alpha)*rate + alpha*outcome   on each Observe (outcome 1 or 0)
//
// The rate is an exponentially weighted moving average that starts at 1 (so
// a fresh Adaptive waits exactly what s does) and is fed by [Adaptive.Observe],
// which the engine calls after every attempt. The multiplier is bounded, so
// that a rate of 0 cannot divide by zero, and the rate is one atomic word
// updated by compare-and-swap, so that Adaptive is safe for concurrent use
// without a lock.
//
// Unlike the other strategies, an Adaptive has state (the rate), shared by
// every call that uses it; that is the point. Create it with [NewAdaptive]; the
// zero value waits 0. Wrap it in [Capped] to bound the stretched delays.
type Adaptive struct {
	wrapped
	alpha, maxMultiplier float64 // as configured, for Validate
	weight               float64 // alpha, or the default when alpha is invalid
	floor                float64 // 1/maxMultiplier: below it, rate no longer matters
	// failure holds the float64 bits of 1 - rate: its zero value is a rate
	// of 1, so the zero Adaptive is sane without a constructor.
	failure atomic.Uint64
}

// NewAdaptive returns an [Adaptive] over s with the given options. A nil s
// waits 0 and is reported by [Validate].
func NewAdaptive(s Strategy, opts ...AdaptiveOption) *Adaptive {
	a := &Adaptive{wrapped: wrapped{s}, alpha: DefaultAlpha, maxMultiplier: DefaultMaxMultiplier}
	for _, o := range opts {
		if o != nil {
			o.applyAdaptive(a)
		}
	}
	a.weight, a.floor = DefaultAlpha, 1/DefaultMaxMultiplier
	if a.validAlpha() {
		a.weight = a.alpha
	}
	if a.validMaxMultiplier() {
		a.floor = 1 / a.maxMultiplier
	}
	return a
}

func (a *Adaptive) validAlpha() bool { return a.alpha > 0 && a.alpha <= 1 } // false for NaN

func (a *Adaptive) validMaxMultiplier() bool {
	return a.maxMultiplier >= 1 && !math.IsInf(a.maxMultiplier, 1) // false for NaN
}

// Delay returns the wrapped strategy's delay stretched by the current
// failure level, saturating at the largest time.Duration.
func (a *Adaptive) Delay(n int, prev time.Duration) time.Duration {
	if a == nil {
		return 0
	}
	d := a.innerDelay(n, prev)
	failure := math.Float64frombits(a.failure.Load())
	if d == 0 || failure == 0 {
		return d // exact: no float round trip while nothing fails
	}
	return saturate(float64(d) / max(1-failure, a.floor))
}

// Observe feeds one attempt's outcome into the success rate, and forwards it
// to the wrapped strategy if that learns too. Safe for concurrent use: no
// update is lost.
func (a *Adaptive) Observe(success bool) {
	if a == nil {
		return
	}
	failed := 1.0
	if success {
		failed = 0
	}
	for {
		old := a.failure.Load()
		failure := math.Float64frombits(old)
		next := min(max(failure+a.weight*(failed-failure), 0), 1)
		if a.failure.CompareAndSwap(old, math.Float64bits(next)) {
			break
		}
	}
	a.wrapped.Observe(success)
}

// SuccessRate returns the current success rate, in [0, 1]; 1 before any
// outcome is observed.
func (a *Adaptive) SuccessRate() float64 {
	if a == nil {
		return 1
	}
	return 1 - math.Float64frombits(a.failure.Load())
}

// Validate reports an invalid option or wrapped strategy.
func (a *Adaptive) Validate() error {
	if a == nil {
		return &ParamError{Strategy: "Adaptive", Reason: "is nil"}
	}
	if !a.validAlpha() {
		return &ParamError{Strategy: "Adaptive", Param: "alpha", Value: a.alpha, Reason: "outside (0, 1]"}
	}
	if !a.validMaxMultiplier() {
		return &ParamError{Strategy: "Adaptive", Param: "max multiplier", Value: a.maxMultiplier, Reason: "must be finite and >= 1"}
	}
	return validateInner("Adaptive", a.inner)
}

// String describes the strategy and its current success rate.
func (a *Adaptive) String() string {
	return fmt.Sprintf("Adaptive(%v, alpha %v, max multiplier %v, success rate %.3g)",
		a.inner, a.alpha, a.maxMultiplier, a.SuccessRate())
}
