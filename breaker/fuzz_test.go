package breaker_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/internal/fuzzbytes"
)

// FuzzOptions builds up to three options from the fuzzer's bytes, with any parameters, and
// checks that New never panics, accepts exactly the options the documentation allows, and
// names every invalid option in its error. A breaker it accepts must then work.
func FuzzOptions(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte) {
		r := &fuzzBytes{fuzzbytes.New(prog)}
		var opts []breaker.Option
		var bad []string
		for range 1 + r.Byte()%3 {
			o, name, valid := r.option()
			opts = append(opts, o)
			if !valid {
				bad = append(bad, name)
			}
		}
		b, err := breaker.New(opts...)
		if len(bad) == 0 {
			if err != nil {
				t.Fatalf("New rejected valid options: %v", err)
			}
			exercise(b)
			return
		}
		if err == nil {
			t.Fatalf("New accepted invalid options %v", bad)
		}
		for _, name := range bad {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("the error %q does not name the invalid option %s", err, name)
			}
		}
		for line := range strings.SplitSeq(err.Error(), "\n") {
			if !strings.HasPrefix(line, "breaker: ") {
				t.Fatalf("error line %q does not say where it comes from", line)
			}
		}
	})
}

// exercise makes a few calls through a breaker built from fuzzed options.
func exercise(b *breaker.Breaker) {
	for i := range 50 {
		if tk, err := b.Admit(); err == nil {
			b.Report(tk, breaker.Outcome(i%3), time.Duration(i)*time.Millisecond)
		} else if !errors.Is(err, breaker.ErrOpen) {
			panic("Admit: " + err.Error())
		}
	}
	_, _ = b.HalfOpenAt()
	_ = b.Counts()
	_ = b.State()
}

// fuzzBytes reads values from the fuzzer's bytes; missing bytes read as zero.
type fuzzBytes struct{ *fuzzbytes.Reader }

// int reads a small int (around the limits that matter) or any int at all.
func (r *fuzzBytes) int() int {
	switch r.Byte() % 4 {
	case 0:
		return int(int8(r.Byte()))
	case 1:
		return 32767 + int(int8(r.Byte())) // around the largest count
	case 2:
		return 1<<18 + int(int8(r.Byte())) // around the largest window
	}
	return int(r.Uint64())
}

func (r *fuzzBytes) duration() time.Duration {
	switch r.Byte() % 3 {
	case 0:
		return time.Duration(int8(r.Byte())) * time.Millisecond
	case 1:
		return time.Duration(int8(r.Byte())) * 100 * time.Microsecond // around the 1ms bucket minimum
	}
	return time.Duration(r.Uint64())
}

// option reads one option, its name and whether the documentation says it is valid.
func (r *fuzzBytes) option() (breaker.Option, string, bool) {
	ratioOK := func(x float64) bool { return x > 0 && x <= 1 }
	countOK := func(n int) bool { return n >= 1 && n <= 32767 }
	switch r.Byte() % 11 {
	case 0:
		n := r.int()
		return breaker.ConsecutiveFailures(n), "ConsecutiveFailures", countOK(n)
	case 1:
		x, w, m := r.Float(64), r.int(), r.int()
		return breaker.FailureRatio(x, w, m), "FailureRatio", ratioOK(x) && w >= 1 && w <= 1<<18 && m >= 1 && m <= w
	case 2:
		x, d, n, m := r.Float(64), r.duration(), r.int(), r.int()
		ok := ratioOK(x) && n >= 1 && n <= 4096 && d > 0 && d%time.Duration(max(n, 1)) == 0 &&
			d/time.Duration(max(n, 1)) >= time.Millisecond && m >= 1
		return breaker.FailureRatioOver(x, d, n, m), "FailureRatioOver", ok
	case 3:
		d, x, w, m := r.duration(), r.Float(64), r.int(), r.int()
		return breaker.SlowCalls(d, x, w, m), "SlowCalls", d > 0 && ratioOK(x) && w >= 1 && w <= 1<<18 && m >= 1 && m <= w
	case 4:
		d := r.duration()
		return breaker.OpenFor(d), "OpenFor", d > 0
	case 5:
		if r.Byte()%2 == 0 {
			return breaker.OpenBackoff(nil), "OpenBackoff", false
		}
		d := r.duration()
		return breaker.OpenBackoff(func(n int) time.Duration { return d * time.Duration(n) }), "OpenBackoff", true
	case 6:
		x := r.Float(64)
		return breaker.OpenJitter(x), "OpenJitter", x >= 0 && x < 1
	case 7:
		n := r.int()
		return breaker.HalfOpenProbes(n), "HalfOpenProbes", countOK(n)
	case 8:
		n := r.int()
		return breaker.CloseAfter(n), "CloseAfter", countOK(n)
	case 9:
		if r.Byte()%2 == 0 {
			return breaker.OnStateChange(nil), "OnStateChange", false
		}
		return breaker.OnStateChange(func(from, to breaker.State) {}), "OnStateChange", true
	}
	return nil, "is nil", false
}
