package backoff

import (
	"fmt"
	"math"
	"time"
)

// Strategy computes the wait before a retry.
//
// A Strategy keeps no per-call state and is safe for concurrent use: one
// value is shared by every in-flight call, so the only per-call state, the
// previous delay, is passed in by the caller. (An [Adaptive] does share one
// learned success rate among all its calls; that is its purpose.)
type Strategy interface {
	// Delay returns the wait before retry n (n >= 1: the wait after attempt n
	// failed), given the delay this call used before (0 before the first
	// retry). An n below 1 is treated as 1. The result is never negative.
	Delay(n int, prev time.Duration) time.Duration
}

// Observer is the small optional interface a [Strategy] implements when it
// learns from outcomes. The engine calls Observe once per finished attempt.
// Wrappers ([Capped] and the jitters) implement it by forwarding to the
// strategy they wrap, so a learning strategy keeps learning however it is
// decorated.
type Observer interface {
	Observe(success bool)
}

// Func adapts an ordinary function to a [Strategy], so users can write their
// own: Delay(n, prev) = f(max(n, 1), prev), with negative results clamped to
// 0. A Func is always valid for [Validate] unless it is nil; a nil Func waits
// 0.
type Func func(n int, prev time.Duration) time.Duration

// Delay calls f and clamps a negative result to 0.
func (f Func) Delay(n int, prev time.Duration) time.Duration {
	if f == nil {
		return 0
	}
	return max(f(max(n, 1), prev), 0)
}

// Validate reports a nil Func, the one way a Func can be invalid.
func (f Func) Validate() error {
	if f == nil {
		return &ParamError{Strategy: "Func", Param: "function", Reason: "is nil"}
	}
	return nil
}

// Immediate returns a Strategy that never waits: Delay(n, prev) = 0.
func Immediate() Strategy { return immediate{} }

type immediate struct{}

func (immediate) Delay(int, time.Duration) time.Duration { return 0 }
func (immediate) firstDelay() (time.Duration, bool)      { return 0, true }
func (immediate) String() string                         { return "Immediate" }

// Constant returns a Strategy that waits the same interval before every
// retry: Delay(n, prev) = d. A negative d waits 0 and is reported by
// [Validate].
func Constant(d time.Duration) Strategy { return constant{d: d} }

type constant struct{ d time.Duration }

func (c constant) Delay(int, time.Duration) time.Duration { return max(c.d, 0) }
func (c constant) firstDelay() (time.Duration, bool)      { return max(c.d, 0), true }
func (c constant) String() string                         { return fmt.Sprintf("Constant(%v)", c.d) }

func (c constant) Validate() error {
	return nonNegative("Constant", "delay", c.d)
}

// Linear returns a Strategy whose delay grows by a fixed step (incremental
// backoff): Delay(n, prev) = initial + step*(n-1), saturating at the largest
// time.Duration instead of overflowing. Negative parameters are treated as 0
// and reported by [Validate].
func Linear(initial, step time.Duration) Strategy {
	return linear{initial: initial, step: step}
}

type linear struct{ initial, step time.Duration }

func (l linear) Delay(n int, _ time.Duration) time.Duration {
	initial, step := max(l.initial, 0), max(l.step, 0)
	steps := time.Duration(max(n, 1) - 1)
	if step != 0 && steps > (math.MaxInt64-initial)/step {
		return math.MaxInt64
	}
	return initial + step*steps
}

func (l linear) firstDelay() (time.Duration, bool) { return max(l.initial, 0), true }
func (l linear) String() string                    { return fmt.Sprintf("Linear(%v, %v)", l.initial, l.step) }

func (l linear) Validate() error {
	if err := nonNegative("Linear", "initial", l.initial); err != nil {
		return err
	}
	return nonNegative("Linear", "step", l.step)
}

// saturate converts a non-negative nanosecond count held in a float64 to a
// Duration. Values at or beyond the int64 range saturate at the largest
// Duration (converting them directly is implementation-defined in Go), and
// NaN or negative values give 0, so no arithmetic slip can yield a negative
// or wrapped delay.
func saturate(ns float64) time.Duration {
	switch {
	case ns >= math.MaxInt64: // float64(MaxInt64) is 2^63, itself out of range
		return math.MaxInt64
	case ns > 0:
		return time.Duration(ns)
	default: // negative or NaN
		return 0
	}
}

// addSaturating returns a+b for non-negative a and b, saturating at the
// largest Duration.
func addSaturating(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
