package breaker_test

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/recur-go/recur/breaker"
)

// FuzzOptions builds up to three options from the fuzzer's bytes, with any parameters, and
// checks that New never panics, accepts exactly the options the documentation allows, and
// names every invalid option in its error. A breaker it accepts must then work.
func FuzzOptions(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte) {
		r := &fuzzBytes{b: prog}
		var opts []breaker.Option
		var bad []string
		for range 1 + r.byte()%3 {
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
type fuzzBytes struct{ b []byte }

func (r *fuzzBytes) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzBytes) uint64() uint64 {
	var buf [8]byte
	n := copy(buf[:], r.b)
	r.b = r.b[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

// int reads a small int (around the limits that matter) or any int at all.
func (r *fuzzBytes) int() int {
	switch r.byte() % 4 {
	case 0:
		return int(int8(r.byte()))
	case 1:
		return 32767 + int(int8(r.byte())) // around the largest count
	case 2:
		return 1<<18 + int(int8(r.byte())) // around the largest window
	}
	return int(r.uint64())
}

func (r *fuzzBytes) float() float64 {
	if r.byte()%2 == 0 {
		return float64(int8(r.byte())) / 64 // around 0 and 1
	}
	return math.Float64frombits(r.uint64())
}

func (r *fuzzBytes) duration() time.Duration {
	switch r.byte() % 3 {
	case 0:
		return time.Duration(int8(r.byte())) * time.Millisecond
	case 1:
		return time.Duration(int8(r.byte())) * 100 * time.Microsecond // around the 1ms bucket minimum
	}
	return time.Duration(r.uint64())
}

// option reads one option, its name and whether the documentation says it is valid.
func (r *fuzzBytes) option() (breaker.Option, string, bool) {
	ratioOK := func(x float64) bool { return x > 0 && x <= 1 }
	countOK := func(n int) bool { return n >= 1 && n <= 32767 }
	switch r.byte() % 11 {
	case 0:
		n := r.int()
		return breaker.ConsecutiveFailures(n), "ConsecutiveFailures", countOK(n)
	case 1:
		x, w, m := r.float(), r.int(), r.int()
		return breaker.FailureRatio(x, w, m), "FailureRatio", ratioOK(x) && w >= 1 && w <= 1<<18 && m >= 1 && m <= w
	case 2:
		x, d, n, m := r.float(), r.duration(), r.int(), r.int()
		ok := ratioOK(x) && n >= 1 && n <= 4096 && d > 0 && d%time.Duration(max(n, 1)) == 0 &&
			d/time.Duration(max(n, 1)) >= time.Millisecond && m >= 1
		return breaker.FailureRatioOver(x, d, n, m), "FailureRatioOver", ok
	case 3:
		d, x, w, m := r.duration(), r.float(), r.int(), r.int()
		return breaker.SlowCalls(d, x, w, m), "SlowCalls", d > 0 && ratioOK(x) && w >= 1 && w <= 1<<18 && m >= 1 && m <= w
	case 4:
		d := r.duration()
		return breaker.OpenFor(d), "OpenFor", d > 0
	case 5:
		if r.byte()%2 == 0 {
			return breaker.OpenBackoff(nil), "OpenBackoff", false
		}
		d := r.duration()
		return breaker.OpenBackoff(func(n int) time.Duration { return d * time.Duration(n) }), "OpenBackoff", true
	case 6:
		x := r.float()
		return breaker.OpenJitter(x), "OpenJitter", x >= 0 && x < 1
	case 7:
		n := r.int()
		return breaker.HalfOpenProbes(n), "HalfOpenProbes", countOK(n)
	case 8:
		n := r.int()
		return breaker.CloseAfter(n), "CloseAfter", countOK(n)
	case 9:
		if r.byte()%2 == 0 {
			return breaker.OnStateChange(nil), "OnStateChange", false
		}
		return breaker.OnStateChange(func(from, to breaker.State) {}), "OnStateChange", true
	}
	return nil, "is nil", false
}
