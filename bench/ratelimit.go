package bench

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/ratelimiter"

	"github.com/recur-go/recur/engine"
)

// The rate-limit scenario's limit and operation (issue 14): 500 calls a second with bursts of
// 50, and operations of 5ms, a quick dependency behind a quota.
const (
	RateLimitRate  = 500
	RateLimitBurst = 50
	RateLimitOp    = 5 * time.Millisecond
)

// PeakRatePct is the most calls started in any one second of a rate-limit batch, in percent of
// what the limit allows in a second (rate + burst): above 100 the limit was not kept.
const PeakRatePct = "peak-rate-%"

// RateLimit is the rate-limit scenario: n calls at once, each an operation that takes op (a
// timer wait, as a network call), through a limit of rate calls a second with bursts of burst.
// recur's WithRateLimit, on engine defaults otherwise, against failsafe-go's ratelimiter policy
// run with GetAsync: its bursty kind (burst calls every burst/rate, the closer of its two kinds
// to a token bucket), waiting for permits as recur's calls wait for their turn. It reports
// ns/batch (at best (n-burst)/rate + op), peak-goroutines, peak-heap-B and peak-rate-%.
func RateLimit(rounds, n int, rate float64, burst int, op time.Duration) Scenario {
	s := Scenario{Name: fmt.Sprintf("ratelimit/n=%d/limit=%v/burst=%d/op=%v", n, rate, burst, op), Rounds: rounds}
	for _, c := range []struct {
		name  string
		start func(starts *startTimes) (wait func() error, err error)
	}{
		{Recur, func(st *startTimes) (func() error, error) { return recurRateLimited(st, n, rate, burst, op) }},
		{FailsafeGo, func(st *startTimes) (func() error, error) { return failsafeRateLimited(st, n, rate, burst, op) }},
	} {
		s.Entries = append(s.Entries, Entry{Contender: c.name, run: func() ([]Measurement, error) {
			return runRateLimited(c.start, n, rate, burst)
		}})
	}
	return s
}

// startTimes records when each call's operation started.
type startTimes struct {
	next atomic.Int64
	at   []int64 // nanoseconds since the batch's start
	t0   time.Time
}

func (s *startTimes) note() { s.at[s.next.Add(1)-1] = int64(time.Since(s.t0)) }

// peakPerSecond returns the most starts within any one second.
func (s *startTimes) peakPerSecond() int {
	at := slices.Clone(s.at[:s.next.Load()])
	slices.Sort(at)
	peak, lo := 0, 0
	for hi := range at {
		for at[hi]-at[lo] >= int64(time.Second) {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}

func runRateLimited(start func(*startTimes) (func() error, error), n int, rate float64, burst int) ([]Measurement, error) {
	before := newReader().read()
	st := &startTimes{at: make([]int64, n)}
	probe := startPeakProbe()
	st.t0 = time.Now()
	wait, err := start(st)
	if err == nil {
		err = wait()
	}
	wall := time.Since(st.t0)
	peak := probe.Stop()
	if err != nil {
		return nil, err
	}
	if got := st.next.Load(); got != int64(n) {
		return nil, fmt.Errorf("%d operations ran, want %d", got, n)
	}
	return []Measurement{
		{NsPerBatch, float64(wall.Nanoseconds())},
		{PeakGoroutines, float64(peak.goroutines) - float64(before.goroutines) - 1},
		{PeakHeap, max(float64(peak.memory)-float64(before.memory), 0)},
		{PeakRatePct, 100 * float64(st.peakPerSecond()) / (rate + float64(burst))},
	}, nil
}

// recurRateLimited submits the calls to an engine made for the batch with the limit, and awaits
// them; the engine is closed when they have settled.
func recurRateLimited(st *startTimes, n int, rate float64, burst int, op time.Duration) (func() error, error) {
	e, err := engine.New(engine.WithRateLimit(rate, burst))
	if err != nil {
		return nil, err
	}
	call := func(context.Context) (struct{}, error) {
		st.note()
		time.Sleep(op)
		return struct{}{}, nil
	}
	fs := make([]*engine.Future[struct{}], n)
	for i := range fs {
		if fs[i], err = engine.Submit(context.Background(), e, call); err != nil {
			return nil, err
		}
	}
	return func() error {
		_, err := engine.AwaitAll(context.Background(), fs...)
		if cerr := e.Close(context.Background()); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// failsafeRateLimited runs the calls with GetAsync through a bursty rate limiter built for the
// batch, waiting up to a minute for a permit.
func failsafeRateLimited(st *startTimes, n int, rate float64, burst int, op time.Duration) (func() error, error) {
	period := time.Duration(float64(burst) / rate * float64(time.Second))
	limiter := ratelimiter.NewBurstyBuilder[struct{}](uint(burst), period).WithMaxWaitTime(time.Minute).Build()
	exec := failsafe.With[struct{}](limiter)
	results := make([]failsafe.ExecutionResult[struct{}], n)
	for i := range results {
		results[i] = exec.GetAsync(func() (struct{}, error) {
			st.note()
			time.Sleep(op)
			return struct{}{}, nil
		})
	}
	return func() error {
		for _, r := range results {
			if _, err := r.Get(); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// rateLimitGoals holds recur to issue 14's rate limit goals: the limit kept (peak-rate-% ≤ 100),
// wall time within 5% of the best the limit allows and of failsafe-go's, at least 10 times fewer
// goroutines than failsafe-go (whose waiting calls each hold one), and no more peak heap.
func rateLimitGoals(results []Result) []GoalCheck {
	var checks []GoalCheck
	for _, r := range results {
		if groupOf(r.Scenario) != "ratelimit" || r.Contender != Recur {
			continue
		}
		switch r.Metric {
		case PeakRatePct:
			checks = append(checks, GoalCheck{Goal: r.Scenario + " " + PeakRatePct + ": recur keeps the limit",
				Target: "≤ 100", Measured: r.Value, Unit: PeakRatePct, Met: r.Value <= 100})
		case NsPerBatch:
			n, _ := param(r.Scenario, "n")
			best := float64(n-RateLimitBurst)/RateLimitRate*1e9 + float64(RateLimitOp)
			checks = append(checks, GoalCheck{Goal: r.Scenario + " " + NsPerBatch + ": recur vs the best the limit allows",
				Target: "≤ 1.05", Measured: r.Value / best, Unit: "of the best", Met: r.Value <= 1.05*best})
			if p, ok := find(results, r.Scenario, FailsafeGo, NsPerBatch); ok {
				adv := p.Advantage()
				checks = append(checks, GoalCheck{Goal: r.Scenario + " " + NsPerBatch + ": recur vs " + FailsafeGo,
					Target: "≥ 0.95×", Measured: adv, Unit: "×", Met: adv >= 0.95})
			}
		case PeakGoroutines:
			if p, ok := find(results, r.Scenario, FailsafeGo, PeakGoroutines); ok {
				adv := p.Advantage()
				checks = append(checks, GoalCheck{Goal: r.Scenario + " " + PeakGoroutines + ": recur vs " + FailsafeGo,
					Target: "≥ 10×", Measured: adv, Unit: "×", Met: adv >= 10})
			}
		case PeakHeap:
			checks = append(checks, peakHeapGoal(results, r.Scenario)...)
		}
	}
	return checks
}
