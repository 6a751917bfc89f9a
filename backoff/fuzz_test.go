package backoff_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/internal/fuzzbytes"
)

// FuzzStrategy builds a strategy tree from the fuzzer's bytes (every constructor, every
// decorator, any parameters, nil strategies included) and checks the package's promises:
// Validate never panics and reports invalid parameters as a *ParamError; Delay never panics,
// is never negative, never exceeds what the tree's caps and jitters allow, and deterministic
// strategies give exactly what their formula says.
func FuzzStrategy(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte, n int, prev int64) {
		r := &fuzzReader{fuzzbytes.New(prog)}
		node := r.strategy(0)
		err := backoff.Validate(node.s)
		if err != nil {
			var pe *backoff.ParamError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "backoff: ") {
				t.Fatalf("Validate(%v) = %v (%T), want a *ParamError", node.s, err, err)
			}
		}
		if !node.valid && err == nil {
			t.Fatalf("Validate(%v) accepted an invalid strategy", node.s)
		}
		if node.valid && err != nil && !node.capped {
			t.Fatalf("Validate(%v) = %v for a valid strategy", node.s, err)
		}
		_ = fmt.Sprint(node.s) // String never panics either
		if node.s == nil {
			return // Validate reported it; a nil interface has no Delay to call
		}
		for _, k := range []int{n, 1, 2, 64, 65, math.MinInt, math.MaxInt} {
			d := node.s.Delay(k, time.Duration(prev))
			switch {
			case d < 0:
				t.Fatalf("%v.Delay(%d, %v) = %v < 0", node.s, k, time.Duration(prev), d)
			case d > node.hi:
				t.Fatalf("%v.Delay(%d, %v) = %v over its bound %v", node.s, k, time.Duration(prev), d, node.hi)
			case d < node.lo:
				t.Fatalf("%v.Delay(%d, %v) = %v under its bound %v", node.s, k, time.Duration(prev), d, node.lo)
			case node.exact != nil && d != node.exact(k):
				t.Fatalf("%v.Delay(%d, %v) = %v, want %v", node.s, k, time.Duration(prev), d, node.exact(k))
			}
		}
		if node.monotone {
			for k := 1; k < 200; k++ {
				if a, b := node.s.Delay(k, 0), node.s.Delay(k+1, 0); b < a {
					t.Fatalf("%v is not monotone: Delay(%d) = %v > Delay(%d) = %v", node.s, k, a, k+1, b)
				}
			}
		}
	})
}

// fuzzNode is a strategy with what the fuzz test knows about it from the documentation.
type fuzzNode struct {
	s        backoff.Strategy
	lo, hi   time.Duration           // every delay lies in [lo, hi], whatever n and prev
	exact    func(int) time.Duration // the delay for n, for deterministic strategies without prev
	valid    bool                    // the documented rules accept every parameter
	capped   bool                    // Capped's rule against a cap below the first delay may apply
	monotone bool                    // non-decreasing in n (Linear, Exponential)
}

// fuzzReader reads a strategy program: one byte picks a constructor, then its parameters.
// Missing bytes read as zero.
type fuzzReader struct{ *fuzzbytes.Reader }

func (r *fuzzReader) jitterOpts() []backoff.JitterOption {
	if c := r.Byte(); c%2 == 0 {
		return nil // the top-level generator, safe for concurrent use
	} else if c%4 == 1 {
		return []backoff.JitterOption{backoff.WithSource(nil)}
	}
	return []backoff.JitterOption{backoff.WithSource(rand.NewPCG(r.Uint64(), 1))}
}

const fuzzMaxDepth = 6

func (r *fuzzReader) strategy(depth int) fuzzNode {
	op := r.Byte() % 13
	if depth >= fuzzMaxDepth && op >= 5 && op <= 9 {
		op = 0 // decorators stop here
	}
	switch op {
	case 0:
		return fuzzNode{s: backoff.Immediate(), valid: true, exact: func(int) time.Duration { return 0 }}
	case 1:
		d := r.Duration()
		return fuzzNode{s: backoff.Constant(d), lo: max(d, 0), hi: max(d, 0), valid: d >= 0,
			exact: func(int) time.Duration { return max(d, 0) }}
	case 2:
		a, b := r.Duration(), r.Duration()
		exact := func(n int) time.Duration { return linearDelay(max(a, 0), max(b, 0), max(n, 1)) }
		return fuzzNode{s: backoff.Linear(a, b), lo: max(a, 0), hi: math.MaxInt64, valid: a >= 0 && b >= 0,
			exact: exact, monotone: true}
	case 3:
		d, factor := r.Duration(), r.Float(16)
		valid := d > 0 && !math.IsNaN(factor) && !math.IsInf(factor, 0) && factor >= 1
		return fuzzNode{s: backoff.Exponential(d, factor), hi: math.MaxInt64, valid: valid, monotone: true}
	case 4:
		base, ceiling := r.Duration(), r.Duration()
		s := backoff.Decorrelated(base, ceiling, r.jitterOpts()...)
		hi := max(ceiling, 0)
		return fuzzNode{s: s, lo: min(max(base, 0), hi), hi: hi, valid: base > 0 && ceiling >= base}
	case 5:
		in := r.strategy(depth + 1)
		return fuzzNode{s: backoff.FullJitter(in.s, r.jitterOpts()...), hi: in.hi, valid: in.valid, capped: in.capped}
	case 6:
		in := r.strategy(depth + 1)
		return fuzzNode{s: backoff.EqualJitter(in.s, r.jitterOpts()...), lo: in.lo / 2, hi: in.hi, valid: in.valid, capped: in.capped}
	case 7:
		in, frac := r.strategy(depth+1), r.Float(16)
		valid := in.valid && !math.IsNaN(frac) && frac >= 0 && frac <= 1
		hi := in.hi + min(in.hi, math.MaxInt64-in.hi) // d*(1+frac) <= 2d, saturating
		return fuzzNode{s: backoff.ProportionalJitter(in.s, frac, r.jitterOpts()...), hi: hi, valid: valid, capped: in.capped}
	case 8:
		in, ceiling := r.strategy(depth+1), r.Duration()
		c := max(ceiling, 0)
		return fuzzNode{s: backoff.Capped(in.s, ceiling), lo: min(in.lo, c), hi: min(in.hi, c),
			valid: in.valid && ceiling >= 0, capped: true}
	case 9:
		in, alpha, mult := r.strategy(depth+1), r.Float(16), r.Float(16)
		a := backoff.NewAdaptive(in.s, backoff.WithAlpha(alpha), backoff.WithMaxMultiplier(mult))
		for range r.Byte() % 32 {
			a.Observe(r.Byte()%3 != 0)
		}
		validMult := mult >= 1 && !math.IsInf(mult, 1)
		if !validMult {
			mult = backoff.DefaultMaxMultiplier
		}
		valid := in.valid && alpha > 0 && alpha <= 1 && validMult
		// Stretching goes through float64, which may round a delay over 2^53ns down a little.
		return fuzzNode{s: a, lo: in.lo - in.lo>>50, hi: stretch(in.hi, mult), valid: valid, capped: in.capped}
	case 10:
		k := r.Duration()
		fn := func(n int, _ time.Duration) time.Duration { return k / time.Duration(n) } // negative for k < 0
		return fuzzNode{s: backoff.Func(fn), hi: max(k, 0), valid: true,
			exact: func(n int) time.Duration { return max(k/time.Duration(max(n, 1)), 0) }}
	case 11:
		return fuzzNode{s: backoff.Default(), hi: time.Minute, valid: true}
	}
	if r.Byte()%2 == 0 {
		return fuzzNode{s: nil} // a nil strategy: decorators wait 0 and Validate reports it
	}
	return fuzzNode{s: backoff.Func(nil), exact: func(int) time.Duration { return 0 }}
}

// linearDelay is initial + step*(n-1), saturating at the largest Duration.
func linearDelay(initial, step time.Duration, n int) time.Duration {
	steps := time.Duration(n - 1)
	if step != 0 && steps > (math.MaxInt64-initial)/step {
		return math.MaxInt64
	}
	return initial + step*steps
}

// stretch is d*m for m >= 1, saturating, with room for float rounding.
func stretch(d time.Duration, m float64) time.Duration {
	x := float64(d) * m * (1 + 1e-12)
	if x >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(x) + 1
}
