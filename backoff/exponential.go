package backoff

import (
	"fmt"
	"math"
	"time"
)

// expTableSize bounds the delays an exponential strategy precomputes. 64
// covers every factor >= 2 from 1ns up to saturation, and factor >= 1.6 from
// 1ms; only factors closer to 1 reach the computed path.
const expTableSize = 64

// Exponential returns a Strategy whose delay grows geometrically:
// Delay(n, prev) = initial * factor^(n-1), non-decreasing in n and saturating
// at the largest time.Duration (about 292 years) instead of overflowing;
// combine it with [Capped] for a useful maximum.
//
// The first delays are precomputed, so Delay is a table lookup for every n
// that matters in practice. initial must be positive (from 0 nothing grows)
// and factor finite and >= 1; [Validate] reports otherwise. Invalid values
// are still safe: a negative initial counts as 0, a factor below 1 or NaN as
// 1, and an infinite factor saturates from the second delay on.
func Exponential(initial time.Duration, factor float64) Strategy {
	e := &exponential{initial: initial, factor: factor}
	e.base = float64(max(initial, 0))
	e.growth = factor
	if math.IsNaN(factor) || factor < 1 {
		e.growth = 1
	}
	e.logGrow = math.Log(e.growth)
	e.fill()
	return e
}

type exponential struct {
	initial time.Duration // as given, for Validate and String
	factor  float64       // as given
	base    float64       // initial clamped to >= 0, in nanoseconds
	growth  float64       // factor clamped to >= 1
	logGrow float64       // ln(growth), for delays beyond the table
	table   []time.Duration
	// flat reports that the sequence no longer changes after the table: it
	// saturated, or it never grows (factor 1 or initial 0).
	flat bool
}

func (e *exponential) fill() {
	e.table = make([]time.Duration, 0, expTableSize)
	prev := time.Duration(0)
	for k := range expTableSize {
		// Pow rather than repeated multiplication: no accumulated rounding.
		// max keeps the table non-decreasing even if Pow's last bit wobbles.
		d := max(saturate(e.base*math.Pow(e.growth, float64(k))), prev)
		e.table = append(e.table, d)
		if d == math.MaxInt64 || e.growth == 1 || e.base == 0 {
			e.flat = true
			return
		}
		prev = d
	}
}

func (e *exponential) Delay(n int, _ time.Duration) time.Duration {
	k := max(n, 1) - 1
	if k < len(e.table) {
		return e.table[k]
	}
	last := e.table[len(e.table)-1]
	if e.flat {
		return last
	}
	// Exp of a product, not Pow: 4x faster and as accurate here (relative
	// error about 1e-14); max keeps the sequence non-decreasing across the
	// switch from table to formula.
	return max(saturate(e.base*math.Exp(float64(k)*e.logGrow)), last)
}

func (e *exponential) firstDelay() (time.Duration, bool) { return e.table[0], true }

func (e *exponential) String() string {
	return fmt.Sprintf("Exponential(%v, %v)", e.initial, e.factor)
}

func (e *exponential) Validate() error {
	if err := nonNegative("Exponential", "initial", e.initial); err != nil {
		return err
	}
	if err := positive("Exponential", "initial", e.initial); err != nil {
		return err
	}
	if err := finite("Exponential", "factor", e.factor); err != nil {
		return err
	}
	if e.factor < 1 {
		return &ParamError{Strategy: "Exponential", Param: "factor", Value: e.factor, Reason: "< 1"}
	}
	return nil
}
