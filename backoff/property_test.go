package backoff_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/recur-go/recur/backoff"
)

const trials = 2000 // random parameter sets per property

// params draws strategy parameters over their whole valid range, edges
// included: durations log-uniform from 1ns to the largest Duration, factors
// in [1, 10], fractions in [0, 1].
type params struct{ r *rand.Rand }

func (p params) duration() time.Duration {
	switch p.r.IntN(10) {
	case 0:
		return 1
	case 1:
		return math.MaxInt64
	default:
		return max(1, time.Duration(math.Exp(p.r.Float64()*math.Log(math.MaxInt64/2))))
	}
}

func (p params) factor() float64 {
	switch p.r.IntN(10) {
	case 0:
		return 1
	case 1:
		return 10
	default:
		return 1 + 9*p.r.Float64()
	}
}

// ns returns ascending retry numbers: every n up to 80 (through the
// exponential table's end), random ones up to 1e6, and the extremes.
func (p params) ns() []int {
	ns := []int{math.MinInt, 0}
	for n := 1; n <= 80; n++ {
		ns = append(ns, n)
	}
	for range 40 {
		ns = append(ns, 81+p.r.IntN(1_000_000))
	}
	ns = append(ns, 1_000_000, math.MaxInt)
	slices.Sort(ns)
	return ns
}

// TestPropertyMonotone: the unjittered strategies never decrease as n grows,
// never go negative, and match their formulas exactly (Linear) or to float
// precision (Exponential) wherever the result fits in a Duration.
func TestPropertyMonotone(t *testing.T) {
	t.Parallel()
	p := params{rand.New(seeded(30))}
	for range trials {
		initial, step, ceiling, factor := p.duration(), p.duration(), p.duration(), p.factor()
		exp, lin := backoff.Exponential(initial, factor), backoff.Linear(initial, step)
		strategies := []backoff.Strategy{exp, lin, backoff.Capped(exp, ceiling), backoff.Capped(lin, ceiling)}
		prev := make([]time.Duration, len(strategies))
		for _, n := range p.ns() {
			for i, s := range strategies {
				d := s.Delay(n, 0)
				if d < prev[i] {
					t.Fatalf("%v: Delay(%d) = %v, below the previous %v", s, n, d, prev[i])
				}
				prev[i] = d
			}
			steps := max(n, 1) - 1
			got := float64(exp.Delay(n, 0))
			want := float64(initial) * math.Pow(factor, float64(steps))
			if want >= 1<<62 {
				want = max(got, 1<<62) // saturating: anything from 2^62 up to 2^63
			}
			if math.Abs(got-want) > 1+want*1e-9 {
				t.Fatalf("%v: Delay(%d) = %v, want %v", exp, n, got, want)
			}
			wantLin := new(big.Int).Mul(big.NewInt(int64(step)), big.NewInt(int64(steps)))
			wantLin.Add(wantLin, big.NewInt(int64(initial)))
			if !wantLin.IsInt64() {
				wantLin.SetInt64(math.MaxInt64)
			}
			if got := lin.Delay(n, 0); got != time.Duration(wantLin.Int64()) {
				t.Fatalf("%v: Delay(%d) = %v, want %v", lin, n, got, wantLin)
			}
			for _, s := range strategies[2:] {
				if got := s.Delay(n, 0); got > ceiling {
					t.Fatalf("%v: Delay(%d) = %v, above the cap", s, n, got)
				}
			}
		}
	}
}

// TestPropertyJitterBounds: each jitter stays inside its documented range
// around the delay it wraps, and a cap applied after jitter always holds.
func TestPropertyJitterBounds(t *testing.T) {
	t.Parallel()
	p := params{rand.New(seeded(31))}
	for trial := range trials {
		var opts []backoff.JitterOption
		if trial%2 == 0 { // half the trials use the default source
			opts = append(opts, backoff.WithSource(seeded(uint64(trial))))
		}
		inner := backoff.Capped(backoff.Exponential(p.duration(), p.factor()), p.duration())
		frac, ceiling := p.r.Float64(), p.duration()
		full, equal := backoff.FullJitter(inner, opts...), backoff.EqualJitter(inner, opts...)
		prop := backoff.ProportionalJitter(inner, frac, opts...)
		capped := []backoff.Strategy{backoff.Capped(full, ceiling), backoff.Capped(equal, ceiling), backoff.Capped(prop, ceiling)}
		for _, n := range p.ns() {
			d := inner.Delay(n, 0)
			got := full.Delay(n, 0)
			check(t, 0 <= got && got <= d, "FullJitter: %v not in [0, %v]", got, d)
			got = equal.Delay(n, 0)
			check(t, d/2 <= got && got <= d, "EqualJitter: %v not in [%v, %v]", got, d/2, d)
			got = prop.Delay(n, 0)
			spread := frac*float64(d) + 1
			check(t, float64(d)-spread <= float64(got) && float64(got) <= min(float64(d)+spread, math.MaxInt64),
				"ProportionalJitter(%v): %v not in %v ± %v", frac, got, d, spread)
			for _, s := range capped {
				if got := s.Delay(n, 0); got > ceiling {
					t.Fatalf("%v: Delay(%d) = %v, above the cap", s, n, got)
				}
			}
		}
	}
}

// TestPropertyDecorrelatedBounds: whatever the previous delay, a
// decorrelated delay lies in [base, min(max, max(base, 3*prev))].
func TestPropertyDecorrelatedBounds(t *testing.T) {
	t.Parallel()
	p := params{rand.New(seeded(32))}
	for trial := range trials {
		base := p.duration()
		ceiling := max(base, p.duration())
		s := backoff.Decorrelated(base, ceiling, backoff.WithSource(seeded(uint64(trial))))
		for range 50 {
			prev := p.duration()
			got := s.Delay(1, prev)
			high := ceiling
			if prev <= math.MaxInt64/3 {
				high = min(ceiling, max(base, 3*prev))
			}
			check(t, base <= got && got <= high, "%v: Delay(prev=%v) = %v not in [%v, %v]", s, prev, got, base, high)
		}
	}
}

// TestPropertyAdaptiveBounds: an Adaptive's delay lies between the delay it
// wraps and that delay times the max multiplier, whatever it observed.
func TestPropertyAdaptiveBounds(t *testing.T) {
	t.Parallel()
	p := params{rand.New(seeded(33))}
	for range trials {
		inner := backoff.Exponential(p.duration(), p.factor())
		multiplier := 1 + 99*p.r.Float64()
		a := backoff.NewAdaptive(inner, backoff.WithAlpha(p.r.Float64()+1e-9), backoff.WithMaxMultiplier(multiplier))
		for range p.r.IntN(200) {
			a.Observe(p.r.IntN(3) == 0)
		}
		for _, n := range p.ns() {
			d, got := inner.Delay(n, 0), a.Delay(n, 0)
			if got < d || float64(got) > min(float64(d)*multiplier*(1+1e-12), math.MaxInt64) {
				t.Fatalf("%v: Delay(%d) = %v, not in [%v, %v * %v]", a, n, got, d, d, multiplier)
			}
		}
	}
}

func check(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}
