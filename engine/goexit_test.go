package engine_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// exits is user code that does what t.FailNow and require do when an assertion fails.
func exits() { runtime.Goexit() }

// observerThatExits is a strategy whose Observe, run after a successful attempt, exits.
type observerThatExits struct{ backoff.Strategy }

func (observerThatExits) Observe(bool) { exits() }

func failsOnce() func(context.Context) (int, error) {
	op, _ := failing(1, errFlaky, 1)
	return op
}

// goexitCases are the places where user code runs during an attempt on a worker.
var goexitCases = []struct {
	name string
	op   func() func(context.Context) (int, error)
	opts []engine.CallOption
}{
	{"operation", func() func(context.Context) (int, error) {
		return func(context.Context) (int, error) { exits(); return 0, nil }
	}, nil},
	{"Classify", failsOnce, []engine.CallOption{engine.Classify(func(error) engine.Decision { exits(); return engine.Retry() })}},
	{"ClassifyResult", failsOnce, []engine.CallOption{engine.ClassifyResult(func(int, error) engine.Decision { exits(); return engine.Retry() })}},
	{"BreakerClassify", failsOnce, []engine.CallOption{engine.BreakerClassify(func(error) breaker.Outcome { exits(); return breaker.Failure })}},
	{"BreakerClassifyResult", failsOnce, []engine.CallOption{engine.BreakerClassifyResult(func(int, error) breaker.Outcome { exits(); return breaker.Failure })}},
	{"Backoff", failsOnce, []engine.CallOption{engine.Backoff(backoff.Func(func(int, time.Duration) time.Duration { exits(); return 0 }))}},
	{"Observer", failsOnce, []engine.CallOption{engine.Backoff(observerThatExits{backoff.Constant(time.Second)})}},
}

// TestGoexitSettlesTheCallAndKeepsTheWorker: runtime.Goexit in user code ends the worker's
// goroutine, which recover does not see. The call settles all the same, with an error that says
// what happened and where, and the engine's one worker is replaced: the call queued behind it
// runs, whether it waits in the work queue or for the bulkhead slot the attempt held.
func TestGoexitSettlesTheCallAndKeepsTheWorker(t *testing.T) {
	engines := map[string][]engine.Option{
		"queue":    {engine.WithMaxConcurrency(1), engine.WithBreaker()},
		"bulkhead": {engine.WithMaxConcurrency(1), engine.WithBreaker(), engine.WithBulkhead(1, 1)},
	}
	for _, tc := range goexitCases {
		for name, opts := range engines {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					e := newEngine(t, opts...)
					f, err := engine.Submit(t.Context(), e, tc.op(), tc.opts...)
					require.NoError(t, err)
					next, err := engine.Submit(t.Context(), e, sleeper(time.Second, 2, nil))
					require.NoError(t, err)

					_, err = f.Await(t.Context())
					assert.ErrorIs(t, err, engine.ErrGoexit)
					assert.ErrorIs(t, err, engine.ErrPermanent, "not retried: the goroutine it ran on is gone")
					var perr *engine.PanicError
					require.ErrorAs(t, err, &perr)
					assert.Contains(t, string(perr.Stack), "runtime.Goexit", "the stack shows who called it")
					assert.Contains(t, perr.Error(), "runtime.Goexit")

					v, err := next.Await(t.Context())
					require.NoError(t, err, "the worker was replaced")
					assert.Equal(t, 2, v)
					synctest.Wait()
					s := e.Stats()
					assert.Zero(t, s.Pending)
					assert.Equal(t, 1, s.Workers, "one worker, counted once")
					assert.Equal(t, 1, s.IdleWorkers)
					assert.Zero(t, s.Running)
				})
			})
		}
	}
}

// TestGoexitGivesBackTheProbeSlot: an attempt that ends in Goexit held the half-open breaker's
// only probe slot; it comes back, as an attempt that told nothing of the dependency.
func TestGoexitGivesBackTheProbeSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1),
			engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Minute), breaker.HalfOpenProbes(1)))
		_, err := engine.Do(t.Context(), e, sleeper(0, 0, engine.Permanent(errFlaky)),
			engine.BreakerClassify(func(error) breaker.Outcome { return breaker.Failure }))
		require.Error(t, err)
		require.Equal(t, breaker.Open, e.Breaker().State())
		time.Sleep(time.Minute)

		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { exits(); return 0, nil })
		assert.ErrorIs(t, err, engine.ErrGoexit)
		assert.Equal(t, breaker.HalfOpen, e.Breaker().State())
		v, err := engine.Do(t.Context(), e, sleeper(0, 3, nil))
		require.NoError(t, err, "the probe slot came back")
		assert.Equal(t, 3, v)
		assert.Equal(t, breaker.Closed, e.Breaker().State())
	})
}

// TestGoexitInAClassifierAtTheAttemptTimeout: an attempt abandoned at its timeout is classified
// on the timeout's own goroutine, not a worker's; a classifier that exits there settles the call.
func TestGoexitInAClassifierAtTheAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1))
		release := make(chan struct{})
		start := time.Now()
		f, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { <-release; return 1, nil },
			engine.AttemptTimeout(time.Second), engine.Classify(func(err error) engine.Decision {
				if errors.Is(err, engine.ErrAttemptTimeout) {
					exits()
				}
				return engine.DefaultClassifier(err)
			}))
		require.NoError(t, err)
		_, err = f.Await(t.Context())
		assert.ErrorIs(t, err, engine.ErrGoexit)
		assert.Equal(t, time.Second, time.Since(start))
		close(release)
		v, err := engine.Do(t.Context(), e, sleeper(0, 2, nil))
		require.NoError(t, err)
		assert.Equal(t, 2, v)
	})
}

// TestGoexitInAStrategyWhileTheBreakerIsOpen: a call that waits for half-open asks its strategy
// when to look again before any attempt of it runs; a strategy that exits there settles it.
func TestGoexitInAStrategyWhileTheBreakerIsOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1), engine.WithBreaker())
		release := make(chan struct{})
		first, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { <-release; return 1, nil })
		require.NoError(t, err)
		synctest.Wait() // running, admitted by the breaker
		f, err := engine.Submit(t.Context(), e, sleeper(0, 2, nil), engine.OnBreakerOpen(engine.WaitForHalfOpen),
			engine.Backoff(backoff.Func(func(int, time.Duration) time.Duration { exits(); return time.Second })))
		require.NoError(t, err)
		e.Breaker().ForceOpen()
		close(release)
		_, err = f.Await(t.Context())
		assert.ErrorIs(t, err, engine.ErrGoexit)
		_, err = first.Await(t.Context())
		require.NoError(t, err)
		e.Breaker().Reset()
		v, err := engine.Do(t.Context(), e, sleeper(0, 3, nil))
		require.NoError(t, err, "the worker was replaced")
		assert.Equal(t, 3, v)
	})
}
