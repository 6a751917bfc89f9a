package engine_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// TestExactlyOnceUnderChaos submits many calls whose operations succeed, fail, fail
// permanently, panic, hang past their attempt timeout, ignore their context or hint a delay,
// while callers cancel at random and Close arrives at a random moment. Every Future must
// settle exactly once, and the counts in Stats must add up to the calls submitted.
func TestExactlyOnceUnderChaos(t *testing.T) {
	calls := 100_000
	if testing.Short() || raceEnabled {
		calls = 20_000
	}
	for seed := range uint64(3) {
		synctest.Test(t, func(t *testing.T) { chaosRound(t, seed, calls) })
	}
}

func chaosRound(t *testing.T, seed uint64, calls int) {
	rng := rand.New(rand.NewPCG(seed, 42))
	// A small capacity, so that the budget, which starts full, still runs dry and denies retries.
	budget, err := engine.NewBudget(0.5, 100, 200)
	require.NoError(t, err)
	var settledEvents atomic.Int64
	e, err := engine.New(engine.WithMaxConcurrency(64),
		engine.WithHooks(engine.Hooks{OnSettled: func(engine.Settled) { settledEvents.Add(1) }}), engine.WithQueueSize(256), engine.WithBudget(budget),
		engine.WithBreaker(breaker.FailureRatio(0.9, 200, 100), breaker.OpenFor(50*time.Millisecond), breaker.HalfOpenProbes(4)),
		engine.Defaults(engine.MaxAttempts(4), engine.AttemptTimeout(20*time.Millisecond),
			engine.Backoff(backoff.FullJitter(backoff.Exponential(time.Millisecond, 2)))))
	require.NoError(t, err)

	futures := make([]*engine.Future[int], 0, calls)
	closeAt := rng.IntN(calls)
	closeDone := make(chan error, 1)
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for i := range calls {
		if i == closeAt {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(50))*time.Millisecond)
			go func() { defer cancel(); closeDone <- e.Close(ctx) }()
		}
		ctx, cancel := context.WithCancel(context.Background())
		kind := rng.IntN(8)
		f, err := engine.Submit(ctx, e, chaosOp(kind, rng.Uint64()), engine.OnBreakerOpen(engine.BreakerMode(rng.IntN(3))))
		if err != nil {
			cancel()
			require.True(t, errors.Is(err, engine.ErrClosed) || errors.Is(err, breaker.ErrOpen), "admission error: %v", err)
			continue
		}
		futures = append(futures, f)
		switch rng.IntN(10) {
		case 0:
			cancel()
		case 1:
			f.Cancel(errors.New("caller gave up"))
			cancel()
		default:
			cancels = append(cancels, cancel)
		}
		if i%1000 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	if closeAt >= calls {
		closeDone <- e.Close(context.Background())
	}
	for _, f := range futures {
		<-f.Done() // never blocks forever: synctest fails the test on a deadlock
	}
	<-closeDone
	synctest.Wait() // let abandoned attempts return, so that late results are counted
	s := e.Stats()
	assert.Equal(t, int64(len(futures)), settledEvents.Load(), "one settle per call, never two")
	assert.Equal(t, uint64(len(futures)), s.Submitted)
	assert.Equal(t, s.Submitted, s.Succeeded+s.Failed(), "every accepted call settled and was counted once: %+v", s)
	assert.Zero(t, s.Pending)
}

var errChaos = errors.New("chaos")

func chaosOp(kind int, r uint64) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		switch kind {
		case 0, 1:
			return 1, nil
		case 2:
			if r%2 == 0 {
				return 0, errChaos
			}
			return 2, nil
		case 3:
			return 0, engine.Permanent(errChaos)
		case 4:
			panic("chaos")
		case 5: // hangs past its attempt timeout but honours ctx
			<-ctx.Done()
			return 0, ctx.Err()
		case 6: // ignores ctx
			time.Sleep(time.Duration(r%40) * time.Millisecond)
			return 6, nil
		}
		return 0, engine.RetryAfter(errChaos, time.Duration(r%10)*time.Millisecond)
	}
}

func TestNoGoroutinePerWaitingRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(8))
		const calls = 100_000
		fs := make([]*engine.Future[int], calls)
		for i := range fs {
			var err error
			fs[i], err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky },
				engine.Backoff(backoff.Constant(time.Hour)), engine.MaxAttempts(2))
			require.NoError(t, err)
		}
		synctest.Wait()
		require.Equal(t, calls, e.Stats().Waiting)
		assert.LessOrEqual(t, e.Stats().Workers, 8, "no more workers than the cap")
		time.Sleep(engine.DefaultIdleTimeout) // idle workers leave; the retries are due in an hour
		synctest.Wait()
		// The engine's other goroutines are its scheduler and its retry dispatcher, whatever waits.
		assert.LessOrEqual(t, e.Stats().Workers, engine.DefaultMinWorkers(),
			"100,000 waiting retries, no goroutine but the idle floor")
		for _, f := range fs {
			f.Cancel(nil)
		}
	})
}
