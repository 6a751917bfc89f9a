package bench

import (
	"context"
	"errors"
	"time"
)

// Call is the per-call scenario: one call at a time, whose operation succeeds at once, made
// calls times in a row through each contender's own way to start a call and wait for it (for
// recur, Submit and Await on an engine with default options; for the naive baseline, a
// goroutine and a wait). It measures what a library adds to a call that needs no retry, the
// common case. It reports ns/op, per call.
func Call(rounds, calls int) Scenario {
	s := Scenario{Name: "call/ok", Rounds: rounds}
	p := Policy{Attempts: 3, Delay: time.Millisecond}
	for _, c := range RetrierContenders() {
		s.Entries = append(s.Entries, Entry{Contender: c.Name, run: func() ([]Measurement, error) {
			r, err := c.New(p, 1)
			if err != nil {
				return nil, err
			}
			defer r.Close()
			ok := func(int) error { return nil }
			ctx := context.Background()
			start := time.Now()
			for range calls {
				wait, err := r.Start(ctx, ok)
				if err != nil {
					return nil, err
				}
				if err := wait(); err != nil {
					return nil, errors.Join(errors.New("a call that cannot fail failed"), err)
				}
			}
			return []Measurement{{NsPerOp, float64(time.Since(start).Nanoseconds()) / float64(calls)}}, nil
		}})
	}
	return s
}
