package bench

import (
	"context"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// recurRetrier submits every call to one engine made for the batch on the engine's default
// options, with the policy as the calls' defaults: the benchmarks measure recur as a user who
// tunes nothing gets it, so a default that is wrong for some workload shows here rather than
// being hidden by a setting chosen for the benchmark.
type recurRetrier struct {
	e  *engine.Engine
	fs []*engine.Future[struct{}]
}

func newRecurRetrier(p Policy, n int) (Retrier, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	e, err := engine.New(engine.Defaults(
		engine.MaxAttempts(p.Attempts),
		engine.Backoff(backoff.Constant(p.Delay)),
		engine.MaxDelay(max(p.Delay, engine.DefaultMaxDelay)), // the waiting scenario waits an hour
	))
	if err != nil {
		return nil, err
	}
	return &recurRetrier{e: e, fs: make([]*engine.Future[struct{}], n)}, nil
}

// Start submits the calls one by one; Submit blocks while the engine's queue is full, and that
// time counts in the batch's, as it would for a user.
func (r *recurRetrier) Start(ctx context.Context, op Op) (func() error, error) {
	for i := range r.fs {
		f, err := engine.Submit(ctx, r.e, func(context.Context) (struct{}, error) { return struct{}{}, op(i) })
		if err != nil {
			return nil, err
		}
		r.fs[i] = f
	}
	return func() error {
		_, err := engine.AwaitAll(context.Background(), r.fs...)
		return err
	}, nil
}

// Waiting reports the retries waiting in the engine's scheduler, so that the waiting scenario
// knows when every call is parked.
func (r *recurRetrier) Waiting() int { return r.e.Stats().Waiting }

func (r *recurRetrier) Close() error { return r.e.Close(context.Background()) }
