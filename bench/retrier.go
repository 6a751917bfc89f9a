package bench

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Policy is the retry work every contender is configured for: Attempts attempts in all (the
// first one included), Delay apart, without jitter.
type Policy struct {
	Attempts int
	Delay    time.Duration
	// Interruptible says that the waits must end when the calls' context does: the waiting
	// scenario stops its calls that way. The libraries always watch the context; the naive
	// baseline sleeps with time.Sleep, which nothing interrupts, unless this is set.
	Interruptible bool
}

func (p Policy) validate() error {
	if p.Attempts < 1 {
		return fmt.Errorf("bench: Policy.Attempts %d: must be at least 1", p.Attempts)
	}
	if p.Delay < 0 {
		return fmt.Errorf("bench: Policy.Delay %v: must not be negative", p.Delay)
	}
	return nil
}

// Op is the operation of call i of a batch; a non-nil error asks for a retry.
type Op func(i int) error

// A Retrier runs batches of concurrent calls, each retried under one Policy. It is made for
// one batch size and used for one batch at a time.
type Retrier interface {
	// Start starts calls 0 to n-1 of op, n being the size the Retrier was made for, and
	// returns without waiting for them. wait blocks until every call has settled and returns
	// the error of one that failed, or nil. ctx is every call's context: ending it ends them.
	Start(ctx context.Context, op Op) (wait func() error, err error)
	// Close releases what the Retrier holds, goroutines included. Calls must have settled.
	Close() error
}

// RetrierContender is a retry library under test: its name and how to make a Retrier for
// batches of n calls under p.
type RetrierContender struct {
	Name string
	New  func(p Policy, n int) (Retrier, error)
}

// The contenders' names, as reports use them.
const (
	Recur      = "recur"
	FailsafeGo = "failsafe-go"
	BackoffV5  = "backoff-v5"
	RetryGo    = "retry-go"
	Gobreaker  = "gobreaker"
	Naive      = "naive"
	AfterFunc  = "afterfunc"
)

// RetrierContenders returns the retry contenders, recur first.
func RetrierContenders() []RetrierContender {
	return []RetrierContender{
		{Recur, newRecurRetrier},
		{FailsafeGo, newFailsafeRetrier},
		{BackoffV5, newBackoffRetrier},
		{RetryGo, newRetryGoRetrier},
		{Naive, newNaiveRetrier},
	}
}

// firstError keeps the first error it is given; safe for concurrent use.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// goroutinePerCall starts call(i) on a goroutine of its own for every i in [0, n), which is how
// the synchronous libraries (and the naive baseline) fan out, and returns the batch's wait.
func goroutinePerCall(n int, call func(i int) error) (wait func() error) {
	var wg sync.WaitGroup
	errs := new(firstError)
	for i := range n {
		wg.Go(func() {
			if err := call(i); err != nil {
				errs.set(err)
			}
		})
	}
	return func() error {
		wg.Wait()
		return errs.get()
	}
}
