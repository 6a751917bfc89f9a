package bench

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// errTransient is what a flaky call returns while it still has failures to go.
var errTransient = errors.New("bench: transient failure")

// flaky is a batch of n operations, each of which fails `fails` times and then succeeds. Its
// counters are allocated up front, so that a batch's measurements see only the contender's
// allocations (and the one closure each contender wraps around the operation per call).
type flaky struct {
	fails int32
	tries []atomic.Int32
	// latency is how long every attempt takes before it fails or succeeds. It blocks on a
	// timer (time.Sleep), as a network call blocks on the network, holding its goroutine but
	// no CPU: a busy loop would measure the machine's two cores instead of the contender.
	latency time.Duration
	// spread, if set, makes attempts of different calls take from latency to latency+spread,
	// each call always the same, spread evenly over the batch's calls.
	spread time.Duration
}

func newFlaky(n, fails int) *flaky {
	return &flaky{fails: int32(fails), tries: make([]atomic.Int32, n)}
}

// newSlowFlaky is newFlaky whose attempts each take latency.
func newSlowFlaky(n, fails int, latency time.Duration) *flaky {
	f := newFlaky(n, fails)
	f.latency = latency
	return f
}

// newSpreadFlaky is newFlaky whose calls' attempts take from lo to hi, call i always the same.
func newSpreadFlaky(n, fails int, lo, hi time.Duration) *flaky {
	f := newSlowFlaky(n, fails, lo)
	f.spread = hi - lo
	return f
}

// latencyOf returns how long each attempt of call i takes: 37 is prime to 100, so that
// neighbouring calls take far apart times and every hundred calls take each of 100 steps.
func (f *flaky) latencyOf(i int) time.Duration {
	if f.spread == 0 {
		return f.latency
	}
	return f.latency + time.Duration(i*37%100)*f.spread/99
}

func (f *flaky) op(i int) error {
	// The attempt is counted as it starts, so that started() sees calls whose first attempt
	// is still under way; whether it fails was decided then, and is told after the latency.
	fail := f.tries[i].Add(1) <= f.fails
	if d := f.latencyOf(i); d > 0 {
		time.Sleep(d)
	}
	if fail {
		return errTransient
	}
	return nil
}

// started returns how many calls have run their first attempt.
func (f *flaky) started() int {
	n := 0
	for i := range f.tries {
		if f.tries[i].Load() > 0 {
			n++
		}
	}
	return n
}

// check reports the first call that did not run exactly want attempts: a contender that
// retried too little or too much did other work than the rest.
func (f *flaky) check(want int) error {
	for i := range f.tries {
		if got := f.tries[i].Load(); int(got) != want {
			return fmt.Errorf("call %d ran %d attempts, want %d", i, got, want)
		}
	}
	return nil
}

func (f *flaky) reset() {
	for i := range f.tries {
		f.tries[i].Store(0)
	}
}
