package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/hedgepolicy"

	"github.com/recur-go/recur/engine"
)

// The hedge scenario's metrics, beside P50, P99, ns/batch and peak-goroutines.
const (
	P999         = "p99.9-ns"     // the 99.9th percentile of the calls' latency
	ExtraLoadPct = "extra-load-%" // requests beyond one per call, in percent of the calls
)

// HedgeDelay and HedgeMax are the hedge policy of recur and failsafe-go alike in the hedge
// scenario: one more request once the first has not answered within 8 ms, 2 ms past the end
// of the server's body of answers (bodyHi, about its p95), so that a timer a little late on a
// busy machine does not hedge a request that was about to answer.
const (
	HedgeDelay = 8 * time.Millisecond
	HedgeMax   = 1
)

// NoHedge is the hedge scenario's baseline: each call sends one request and waits for it.
const NoHedge = "no-hedge"

// HedgeFanOut calls leave at once every HedgeWave in the hedge scenario, as a request that fans
// out to a hundred shards (a search, a scatter-gather read) sends them, a hundred such requests
// a second: 10,000 calls a second, which a two-core machine serves with room to spare, so that
// the latencies measured are the server's and the hedging's rather than the machine's (all
// 3,000 at once, the hedged calls' p50 grew three to seven times on a two-core VM, their callers
// stalled in GC assists, and late first answers drew hedges that a quiet machine would not).
const (
	HedgeFanOut = 100
	HedgeWave   = 10 * time.Millisecond
)

// Hedging is the hedge scenario: calls calls, HedgeFanOut at once every HedgeWave, each from a
// goroutine of its own as requests reach a service, to a server with a long latency tail
// (tailServer: p50 5 ms, p99 52 ms); recur (engine.Do with Hedge(HedgeDelay, HedgeMax), on
// engine defaults) and failsafe-go (a hedgepolicy with the same delay and maximum, through Get)
// against no-hedge. It reports the calls' p50-ns, p99-ns and p99.9-ns (each from its call's
// start to its return, as the caller sees it), extra-load-% (the requests the server got beyond
// one a call: losers count, the server began them), ns/batch (the wall time) and
// peak-goroutines (the callers' own included).
func Hedging(rounds, calls int) Scenario {
	s := Scenario{Name: fmt.Sprintf("hedge/n=%d/fanout=%d/delay=%v/max=%d", calls, HedgeFanOut, HedgeDelay, HedgeMax), Rounds: rounds}
	for _, c := range []struct {
		name string
		new  func() (hedger, error)
	}{
		{Recur, newRecurHedger},
		{FailsafeGo, newFailsafeHedger},
		{NoHedge, func() (hedger, error) { return noHedger{}, nil }},
	} {
		s.Entries = append(s.Entries, Entry{Contender: c.name, run: func() ([]Measurement, error) {
			return runHedge(c.new, calls)
		}})
	}
	return s
}

// hedger makes one call of op, hedged as its library does, and returns its outcome.
type hedger interface {
	call(op func(context.Context) error) error
	close() error
}

func runHedge(newHedger func() (hedger, error), calls int) ([]Measurement, error) {
	before := newReader().read()
	srv := newTailServer(calls, 1+HedgeMax)
	h, err := newHedger()
	if err != nil {
		return nil, err
	}
	probe := startPeakProbe()
	lat := make([]time.Duration, calls)
	errs := new(firstError)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range calls {
		// Due times are absolute: a late wake-up sends the wave at once rather than shifting
		// the ones after it.
		if i%HedgeFanOut == 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i/HedgeFanOut) * HedgeWave)))
		}
		wg.Go(func() {
			t0 := time.Now()
			err := h.call(func(ctx context.Context) error { return srv.serve(ctx, i) })
			lat[i] = time.Since(t0)
			errs.set(err)
		})
	}
	wg.Wait()
	wall := time.Since(start)
	peak := probe.Stop()
	if err := errors.Join(errs.get(), h.close()); err != nil {
		return nil, err
	}
	extra, err := srv.extraLoad()
	if err != nil {
		return nil, err
	}
	slices.Sort(lat)
	return []Measurement{
		{P50, float64(percentile(lat, 0.50).Nanoseconds())},
		{P99, float64(percentile(lat, 0.99).Nanoseconds())},
		{P999, float64(percentile(lat, 0.999).Nanoseconds())},
		{ExtraLoadPct, extra},
		{NsPerBatch, float64(wall.Nanoseconds())},
		// The probe's own goroutine is not the contender's.
		{PeakGoroutines, float64(peak.goroutines) - float64(before.goroutines) - 1},
	}, nil
}

// recurHedger calls through engine.Do on an engine with default options: the first attempt
// runs on the caller's goroutine, a hedge on a worker.
type recurHedger struct {
	e    *engine.Engine
	opts []engine.CallOption
}

func newRecurHedger() (hedger, error) {
	e, err := engine.New()
	if err != nil {
		return nil, err
	}
	return &recurHedger{e: e, opts: []engine.CallOption{engine.Hedge(HedgeDelay, HedgeMax)}}, nil
}

func (r *recurHedger) call(op func(context.Context) error) error {
	_, err := engine.Do(context.Background(), r.e, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, op(ctx)
	}, r.opts...)
	return err
}

func (r *recurHedger) close() error { return r.e.Close(context.Background()) }

// failsafeHedger calls through failsafe-go's Get with a hedge policy, built once and shared as
// failsafe-go recommends; each attempt runs on a goroutine of its own, under a context of its
// own that the policy cancels when another attempt wins.
type failsafeHedger struct {
	exec failsafe.Executor[struct{}]
}

func newFailsafeHedger() (hedger, error) {
	policy := hedgepolicy.NewBuilderWithDelay[struct{}](HedgeDelay).WithMaxHedges(HedgeMax).Build()
	return &failsafeHedger{exec: failsafe.With(policy).WithContext(context.Background())}, nil
}

func (f *failsafeHedger) call(op func(context.Context) error) error {
	_, err := f.exec.GetWithExecution(func(e failsafe.Execution[struct{}]) (struct{}, error) {
		return struct{}{}, op(e.Context())
	})
	return err
}

func (f *failsafeHedger) close() error { return nil }

// noHedger sends one request per call, on the caller's goroutine.
type noHedger struct{}

func (noHedger) call(op func(context.Context) error) error { return op(context.Background()) }

func (noHedger) close() error { return nil }
