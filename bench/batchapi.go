package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/recur-go/recur/engine"
)

// The batch family measures recur's batch API beside its per-call Submit, on the workloads of
// the fan-out and latency scenarios: the contender named Recur is the loop of Submit calls every
// other scenario uses, so the ratios are the batch forms' against it. The naive baseline is
// there for scale.
const (
	RecurSubmitAll = "recur-submitall" // engine.SubmitAll, then AwaitAll
	RecurMap       = "recur-map"       // a loop over engine.Map
)

// BatchAPILatency is the range the batch family's slow calls take per attempt, each call its own
// time within it, as calls to many endpoints do.
var BatchAPILatency = [2]time.Duration{time.Millisecond, 100 * time.Millisecond}

// BatchAPI returns the batch family at the given sizes: n calls that fail twice, 1 ms apart,
// then succeed; attempts that return at once, under context.Background() and a cancelable
// context, and attempts that take BatchAPILatency, with and without failures.
func BatchAPI(fanOutRounds, latencyRounds, n int) []Scenario {
	cs := batchAPIContenders()
	all := []string{NsPerBatch, AllocsPerCall, PeakGoroutines, PeakHeap}
	p := Policy{Attempts: 3, Delay: time.Millisecond}
	lo, hi := BatchAPILatency[0], BatchAPILatency[1]
	ss := []Scenario{
		batchScenarioAmong(cs, "batch/fanout/k=2/delay=1ms", fanOutRounds, newFlaky(n, 2), p, false, all...),
		batchScenarioAmong(cs, "batch/fanout/k=2/delay=1ms/ctx=cancelable", fanOutRounds, newFlaky(n, 2), p, true, all...),
	}
	for _, k := range LatencyRetries {
		name := fmt.Sprintf("batch/latency/n=%d/op=%v-%v/k=%d", n, lo, hi, k)
		ss = append(ss, batchScenarioAmong(cs, name, latencyRounds, newSpreadFlaky(n, k, lo, hi),
			Policy{Attempts: k + 1, Delay: LatencyDelay}, false, all...))
	}
	return ss
}

func batchAPIContenders() []RetrierContender {
	return []RetrierContender{
		{Recur, newRecurRetrier},
		{RecurSubmitAll, newRecurSubmitAllRetrier},
		{RecurMap, newRecurMapRetrier},
		{Naive, newNaiveRetrier},
	}
}

// recurSubmitAllRetrier submits a batch with engine.SubmitAll, on an engine made as
// recurRetrier makes it; each op binds its index in a closure, as a caller writes it.
type recurSubmitAllRetrier struct {
	*recurRetrier
	ops []func(context.Context) (struct{}, error)
}

func newRecurSubmitAllRetrier(p Policy, n int) (Retrier, error) {
	r, err := newRecurRetrier(p, n)
	if err != nil {
		return nil, err
	}
	return &recurSubmitAllRetrier{recurRetrier: r.(*recurRetrier), ops: make([]func(context.Context) (struct{}, error), n)}, nil
}

func (r *recurSubmitAllRetrier) Start(ctx context.Context, op Op) (func() error, error) {
	for i := range r.ops {
		r.ops[i] = func(context.Context) (struct{}, error) { return struct{}{}, op(i) }
	}
	fs, err := engine.SubmitAll(ctx, r.e, r.ops)
	if err != nil {
		return nil, err
	}
	return func() error {
		_, err := engine.AwaitAll(context.Background(), fs...)
		return err
	}, nil
}

// recurMapRetrier runs a batch as a loop over engine.Map, on an engine made as recurRetrier
// makes it, with no MaxInFlight: every call may run at once, as in the other contenders.
// The loop is the batch's wait: the calls start when it starts, so Start only prepares it
// (runBatch times Start and the wait together).
type recurMapRetrier struct {
	*recurRetrier
	inputs []int
}

func newRecurMapRetrier(p Policy, n int) (Retrier, error) {
	r, err := newRecurRetrier(p, n)
	if err != nil {
		return nil, err
	}
	inputs := make([]int, n)
	for i := range inputs {
		inputs[i] = i
	}
	return &recurMapRetrier{recurRetrier: r.(*recurRetrier), inputs: inputs}, nil
}

func (r *recurMapRetrier) Start(ctx context.Context, op Op) (func() error, error) {
	call := func(_ context.Context, i int) (struct{}, error) { return struct{}{}, op(i) }
	return func() error {
		var first error
		for _, res := range engine.Map(ctx, r.e, r.inputs, call) {
			if res.Err != nil && first == nil {
				first = res.Err // go on: every call must settle, as for the other contenders
			}
		}
		return first
	}, nil
}
