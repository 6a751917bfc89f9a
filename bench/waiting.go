package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"time"
)

// WaitingDelay is how long each retry of the waiting scenario would wait: long enough that
// none fires while it is measured.
const WaitingDelay = time.Hour

// parkTimeout bounds how long the waiting scenario waits for every call to park.
const parkTimeout = time.Minute

// waitingReporter is implemented by contenders that can say how many retries they hold
// (recur's engine); the others are parked once every goroutine is.
type waitingReporter interface{ Waiting() int }

// measureWaiting starts n calls that fail once and would retry after WaitingDelay, waits until
// every one of them is parked, and returns the live memory (heap and goroutine stacks, after a
// GC) that each waiting retry holds, above the level before the contender was made.
func measureWaiting(c RetrierContender, n int, w *flaky) (float64, error) {
	w.reset()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := settle()
	r, err := c.New(Policy{Attempts: 2, Delay: WaitingDelay, Interruptible: true}, n)
	if err != nil {
		return 0, err
	}
	wait, err := r.Start(ctx, w.op)
	if err != nil {
		return 0, errors.Join(err, r.Close())
	}
	parkErr := awaitParked(r, n, w)
	after := settle()
	cancel()
	err = wait()
	if !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("after cancel, got %v, want an error matching context.Canceled", err)
	} else {
		err = nil
	}
	if err := errors.Join(parkErr, err, r.Close()); err != nil {
		return 0, err
	}
	if err := w.check(1); err != nil {
		return 0, err
	}
	return (float64(after) - float64(before)) / float64(n), nil
}

// awaitParked waits until every call has run its first attempt and nothing is left to run:
// no goroutine is runnable (the goroutine-per-call contenders have all parked on their
// timers) and, where the contender can tell, it holds n waiting retries.
func awaitParked(r Retrier, n int, w *flaky) error {
	runnable := []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}}
	deadline := time.Now().Add(parkTimeout)
	quiet := 0
	for quiet < 3 { // three quiet looks in a row, a millisecond apart
		if time.Now().After(deadline) {
			return fmt.Errorf("calls not parked after %v: %d of %d started", parkTimeout, w.started(), n)
		}
		time.Sleep(time.Millisecond)
		metrics.Read(runnable)
		parked := w.started() == n && runnable[0].Value.Uint64() == 0
		if wr, ok := r.(waitingReporter); ok {
			parked = parked && wr.Waiting() == n
		}
		if parked {
			quiet++
		} else {
			quiet = 0
		}
	}
	return nil
}

// Waiting is scenario 3: n retries (100,000 in the report) all waiting at once, B/waiting.
func Waiting(rounds, n int) Scenario {
	w := newFlaky(n, 1)
	s := Scenario{Name: fmt.Sprintf("waiting/n=%d", n), Rounds: rounds}
	for _, c := range RetrierContenders() {
		s.Entries = append(s.Entries, Entry{Contender: c.Name, run: func() ([]Measurement, error) {
			b, err := measureWaiting(c, n, w)
			if err != nil {
				return nil, err
			}
			return []Measurement{{BytesWaiting, b}}, nil
		}})
	}
	return s
}
