package bench

import (
	"context"
	"time"

	"github.com/avast/retry-go/v4"
	"github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
)

// failsafeRetrier runs every call with failsafe-go's async API, GetAsync, which starts a
// goroutine per call and waits out each delay on a timer of its own. The policy and the
// executor are built once per batch and shared, as failsafe-go recommends.
type failsafeRetrier struct {
	policy  retrypolicy.RetryPolicy[struct{}]
	results []failsafe.ExecutionResult[struct{}]
}

func newFailsafeRetrier(p Policy, n int) (Retrier, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	policy := retrypolicy.NewBuilder[struct{}]().
		WithMaxAttempts(p.Attempts).
		WithDelay(p.Delay).
		Build()
	return &failsafeRetrier{policy: policy, results: make([]failsafe.ExecutionResult[struct{}], n)}, nil
}

func (r *failsafeRetrier) Start(ctx context.Context, op Op) (func() error, error) {
	exec := failsafe.With(r.policy).WithContext(ctx)
	for i := range r.results {
		r.results[i] = exec.GetAsync(func() (struct{}, error) { return struct{}{}, op(i) })
	}
	return func() error {
		var first error
		for _, res := range r.results {
			if _, err := res.Get(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}, nil
}

func (r *failsafeRetrier) Close() error { return nil }

// backoffRetrier runs every call with backoff.Retry on a goroutine of its own, the library's
// recommended entry point, with a ConstantBackOff and WithMaxTries.
type backoffRetrier struct {
	p Policy
	n int
}

func newBackoffRetrier(p Policy, n int) (Retrier, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &backoffRetrier{p: p, n: n}, nil
}

func (r *backoffRetrier) Start(ctx context.Context, op Op) (func() error, error) {
	// ConstantBackOff has no state (its Reset does nothing), so one value serves every call.
	opts := []backoff.RetryOption{
		backoff.WithBackOff(backoff.NewConstantBackOff(r.p.Delay)),
		backoff.WithMaxTries(uint(r.p.Attempts)),
		backoff.WithMaxElapsedTime(0), // no limit but the attempts, as for the other contenders
	}
	return goroutinePerCall(r.n, func(i int) error {
		_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, op(i) }, opts...)
		return err
	}), nil
}

func (r *backoffRetrier) Close() error { return nil }

// retryGoRetrier runs every call with retry.Do on a goroutine of its own, with a FixedDelay.
type retryGoRetrier struct {
	p Policy
	n int
}

func newRetryGoRetrier(p Policy, n int) (Retrier, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &retryGoRetrier{p: p, n: n}, nil
}

func (r *retryGoRetrier) Start(ctx context.Context, op Op) (func() error, error) {
	// The options are built once per batch and shared: each is a pure setter.
	opts := []retry.Option{
		retry.Attempts(uint(r.p.Attempts)),
		retry.Delay(r.p.Delay),
		retry.DelayType(retry.FixedDelay),
		retry.LastErrorOnly(true),
		retry.Context(ctx),
	}
	return goroutinePerCall(r.n, func(i int) error {
		return retry.Do(func() error { return op(i) }, opts...)
	}), nil
}

func (r *retryGoRetrier) Close() error { return nil }

// naiveRetrier is the baseline: one goroutine per call, which sleeps between attempts with
// time.Sleep. When the policy is Interruptible it waits on a timer and the context instead,
// made once per call and reset, since nothing interrupts time.Sleep.
type naiveRetrier struct {
	p Policy
	n int
}

func newNaiveRetrier(p Policy, n int) (Retrier, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &naiveRetrier{p: p, n: n}, nil
}

func (r *naiveRetrier) Start(ctx context.Context, op Op) (func() error, error) {
	if !r.p.Interruptible {
		return goroutinePerCall(r.n, func(i int) error {
			for attempt := 1; ; attempt++ {
				err := op(i)
				if err == nil || attempt == r.p.Attempts {
					return err
				}
				time.Sleep(r.p.Delay)
			}
		}), nil
	}
	return goroutinePerCall(r.n, func(i int) error {
		var t *time.Timer
		for attempt := 1; ; attempt++ {
			err := op(i)
			if err == nil || attempt == r.p.Attempts {
				return err
			}
			if t == nil {
				t = time.NewTimer(r.p.Delay)
			} else {
				t.Reset(r.p.Delay)
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return context.Cause(ctx)
			}
		}
	}), nil
}

func (r *naiveRetrier) Close() error { return nil }
