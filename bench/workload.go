package bench

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// errTransient is what a flaky call returns while it still has failures to go.
var errTransient = errors.New("bench: transient failure")

// flaky is a batch of n operations, each of which fails `fails` times and then succeeds. Its
// counters are allocated up front, so that a batch's measurements see only the contender's
// allocations (and the one closure each contender wraps around the operation per call).
type flaky struct {
	fails int32
	tries []atomic.Int32
}

func newFlaky(n, fails int) *flaky {
	return &flaky{fails: int32(fails), tries: make([]atomic.Int32, n)}
}

func (f *flaky) op(i int) error {
	if f.tries[i].Add(1) <= f.fails {
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
