package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"
)

// batchResult is what one batch of calls cost.
type batchResult struct {
	elapsed        time.Duration
	allocsPerCall  float64
	peakGoroutines float64
	peakMemory     float64
}

// runBatch makes a Retrier for n calls under p, runs one batch of w's operations through it
// and checks that every call ran exactly p.Attempts attempts and succeeded. The calls run under
// context.Background(), or, if cancelable, under a context that could be canceled (as a
// server's request context can) but is not: the work ends in success.
func runBatch(c RetrierContender, p Policy, n int, w *flaky, cancelable bool) (batchResult, error) {
	w.reset()
	rd := newReader()
	before := rd.read()
	r, err := c.New(p, n)
	if err != nil {
		return batchResult{}, err
	}
	ctx := context.Background()
	if cancelable {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
	}
	probe := startPeakProbe()
	var start, end runtime.MemStats // exact counts (runtime/metrics counts at span refills)
	runtime.ReadMemStats(&start)
	t0 := time.Now()
	wait, err := r.Start(ctx, w.op)
	if err == nil {
		err = wait()
	}
	elapsed := time.Since(t0)
	runtime.ReadMemStats(&end)
	peak := probe.Stop()
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return batchResult{}, err
	}
	if err := w.check(p.Attempts); err != nil {
		return batchResult{}, err
	}
	return batchResult{
		elapsed:       elapsed,
		allocsPerCall: float64(end.Mallocs-start.Mallocs) / float64(n),
		// The probe's own goroutine is not the contender's.
		peakGoroutines: float64(peak.goroutines) - float64(before.goroutines) - 1,
		peakMemory:     float64(peak.memory) - float64(before.memory),
	}, nil
}

// batchScenario measures batches of n calls that each fail p.Attempts-1 times and then
// succeed, for every retry contender, reporting the metrics named in keep.
func batchScenario(name string, rounds, n int, p Policy, cancelable bool, keep ...string) Scenario {
	return batchScenarioOf(name, rounds, newFlaky(n, p.Attempts-1), p, cancelable, keep...)
}

// batchScenarioOf is batchScenario over the operations of w, one call per operation; w must
// fail p.Attempts-1 times per call.
func batchScenarioOf(name string, rounds int, w *flaky, p Policy, cancelable bool, keep ...string) Scenario {
	return batchScenarioAmong(RetrierContenders(), name, rounds, w, p, cancelable, keep...)
}

// batchScenarioAmong is batchScenarioOf for the given contenders.
func batchScenarioAmong(cs []RetrierContender, name string, rounds int, w *flaky, p Policy, cancelable bool, keep ...string) Scenario {
	n := len(w.tries)
	s := Scenario{Name: name, Rounds: rounds}
	for _, c := range cs {
		s.Entries = append(s.Entries, Entry{Contender: c.Name, run: func() ([]Measurement, error) {
			res, err := runBatch(c, p, n, w, cancelable)
			if err != nil {
				return nil, err
			}
			all := []Measurement{
				{NsPerBatch, float64(res.elapsed.Nanoseconds())},
				{AllocsPerCall, res.allocsPerCall},
				{PeakGoroutines, res.peakGoroutines},
				{PeakHeap, res.peakMemory},
			}
			return slices.DeleteFunc(all, func(m Measurement) bool { return !slices.Contains(keep, m.Metric) }), nil
		}})
	}
	return s
}

// FanOut is scenario 1: n concurrent calls (10,000 in the report) that each fail k times,
// delay apart, then succeed, under context.Background().
func FanOut(rounds, n, k int, delay time.Duration) Scenario {
	return batchScenario(fmt.Sprintf("fanout/k=%d/delay=%v", k, delay), rounds, n,
		Policy{Attempts: k + 1, Delay: delay}, false, NsPerBatch, AllocsPerCall, PeakGoroutines, PeakHeap)
}

// FanOutCancelable is FanOut under a context that can be canceled, as a server's request
// context can: contenders that watch the caller's context pay for it here. It reports
// ns/batch and allocs/call (goroutines and memory hardly differ).
func FanOutCancelable(rounds, n, k int, delay time.Duration) Scenario {
	return batchScenario(fmt.Sprintf("fanout/k=%d/delay=%v/ctx=cancelable", k, delay), rounds, n,
		Policy{Attempts: k + 1, Delay: delay}, true, NsPerBatch, AllocsPerCall)
}

// ScalingDelay is the wait before the one retry of every call in the scaling scenario.
const ScalingDelay = 100 * time.Millisecond

// Scaling is scenario 2: n concurrent calls that each fail once and succeed on a retry
// ScalingDelay later.
func Scaling(rounds, n int) Scenario {
	return batchScenario(fmt.Sprintf("scaling/n=%d", n), rounds, n,
		Policy{Attempts: 2, Delay: ScalingDelay}, false, NsPerBatch, PeakHeap)
}
