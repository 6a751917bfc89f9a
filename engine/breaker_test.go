package engine_test

import (
	"context"
	"sync"
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

func TestBreakerGatesSubmissionsAndEveryRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var changes []string
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(2), breaker.OpenFor(time.Minute)),
			engine.WithHooks(engine.Hooks{OnBreakerChange: func(c engine.BreakerChange) {
				mu.Lock()
				defer mu.Unlock()
				changes = append(changes, c.From.String()+">"+c.To.String())
			}}),
			engine.Defaults(engine.MaxAttempts(5), engine.Backoff(backoff.Constant(time.Second))))
		calls := 0
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { calls++; return 0, errFlaky })
		assert.Equal(t, 2, calls, "the retry after the breaker tripped never ran: the breaker gates retries, not only the first attempt")
		assert.ErrorIs(t, err, breaker.ErrOpen)
		assert.ErrorIs(t, err, errFlaky, "fails fast, wrapping the last attempt's error")
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, engine.ReasonBreakerOpen, re.Reason)

		_, err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 1, nil })
		assert.Equal(t, breaker.ErrOpen, err, "submissions are gated too, and refused as they are")

		time.Sleep(time.Minute)
		v, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 9, nil })
		require.NoError(t, err, "half-open admits a probe, whose success closes the breaker")
		assert.Equal(t, 9, v)
		assert.Equal(t, breaker.Closed, e.Breaker().State())
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, []string{"closed>open", "open>half-open", "half-open>closed"}, changes)
		s := e.Stats()
		assert.Equal(t, uint64(2), s.Breaker, "one call failed fast, one was refused")
	})
}

func TestRetryCanWaitForHalfOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Minute)))
		op, calls := failing(1, errFlaky, "recovered")
		start := time.Now()
		v, err := engine.Do(t.Context(), e, op, engine.OnBreakerOpen(engine.WaitForHalfOpen),
			engine.Backoff(backoff.Constant(time.Second)))
		require.NoError(t, err)
		assert.Equal(t, "recovered", v)
		assert.Equal(t, 2, *calls)
		assert.Equal(t, time.Minute, time.Since(start), "the retry waited for half-open, not for its 1s delay")
	})
}

func TestWaitingForHalfOpenRespectsTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Minute)))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		op, _ := failing(1, errFlaky, 1)
		start := time.Now()
		_, err := engine.Do(ctx, e, op, engine.OnBreakerOpen(engine.WaitForHalfOpen))
		assert.ErrorIs(t, err, breaker.ErrOpen)
		assert.Equal(t, start, time.Now(), "failed at once: half-open comes after the deadline")
	})
}

func TestCallerCancellationIsNotABreakerFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1)))
		for range 5 {
			ctx, cancel := context.WithCancel(t.Context())
			f, err := engine.Submit(ctx, e, func(ctx context.Context) (int, error) {
				<-ctx.Done()
				return 0, ctx.Err()
			})
			require.NoError(t, err)
			synctest.Wait()
			cancel()
			_, err = f.Await(t.Context())
			require.ErrorIs(t, err, context.Canceled)
		}
		synctest.Wait()
		assert.Equal(t, breaker.Closed, e.Breaker().State())
		assert.Zero(t, e.Breaker().Counts().Failures)
	})
}

func TestBypassIgnoresTheBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker())
		e.Breaker().ForceOpen()
		v, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 3, nil }, engine.OnBreakerOpen(engine.Bypass))
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 3, nil })
		assert.ErrorIs(t, err, breaker.ErrOpen)
	})
}

func TestQueuedCallsDoNotSlipPastAnOpenBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1), engine.WithBreaker())
		release := make(chan struct{})
		first, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { <-release; return 1, nil })
		require.NoError(t, err)
		synctest.Wait()
		ran := false
		queued, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { ran = true; return 2, nil })
		require.NoError(t, err, "admitted while the breaker was closed")
		e.Breaker().ForceOpen()
		close(release)
		_, err = queued.Await(t.Context())
		assert.ErrorIs(t, err, breaker.ErrOpen)
		assert.False(t, ran, "the breaker is asked again when the attempt is about to run")
		_, err = first.Await(t.Context())
		require.NoError(t, err)
	})
}

func TestWaitingRetriesWaitAgainWhileProbeSlotsAreTaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(5), breaker.OpenFor(time.Minute)),
			engine.Defaults(engine.OnBreakerOpen(engine.WaitForHalfOpen), engine.Backoff(backoff.Constant(time.Second))))
		var healthy atomic.Bool // set while every goroutine is blocked, read on a timer's wake-up
		var fs []*engine.Future[int]
		for range 5 {
			f, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) {
				if !healthy.Load() {
					return 0, errFlaky
				}
				time.Sleep(100 * time.Millisecond) // the probe takes a while
				return 1, nil
			})
			require.NoError(t, err)
			fs = append(fs, f)
		}
		synctest.Wait() // five failures: the breaker is open, five retries wait for half-open
		require.Equal(t, breaker.Open, e.Breaker().State())
		healthy.Store(true)
		_, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err, "one probe at a time, the others wait for it instead of failing")
		assert.Equal(t, uint64(5), e.Stats().Retries, "waiting again is not another retry")
	})
}

func TestCancellationSeenThroughACapturedContextIsNotABreakerFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1)))
		ctx, cancel := context.WithCancel(t.Context())
		f, err := engine.Submit(ctx, e, func(context.Context) (int, error) {
			<-ctx.Done() // the caller's own context, not the one the engine passes
			return 0, ctx.Err()
		})
		require.NoError(t, err)
		synctest.Wait()
		cancel()
		_, err = f.Await(t.Context())
		require.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, engine.ErrCanceled)
		synctest.Wait()
		assert.Equal(t, breaker.Closed, e.Breaker().State())
		assert.Zero(t, e.Breaker().Counts().Failures)
		assert.Equal(t, 1, f.Attempts(), "not retried")
	})
}

func TestQueuedFirstAttemptWaitsForHalfOpenWhenAsked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(1, 10),
			engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Minute)))
		start := time.Now()
		_, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) {
			time.Sleep(time.Second)
			return 0, errFlaky
		}, engine.MaxAttempts(1))
		require.NoError(t, err)
		queued, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 2, nil },
			engine.OnBreakerOpen(engine.WaitForHalfOpen))
		require.NoError(t, err, "admitted while the breaker was closed")
		failFast, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 3, nil })
		require.NoError(t, err)

		v, err := queued.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.Equal(t, time.Minute+time.Second, time.Since(start), "its first attempt waited for half-open")
		assert.Equal(t, 1, queued.Attempts())
		_, err = failFast.Result()
		assert.ErrorIs(t, err, breaker.ErrOpen, "without asking, a queued call fails fast")
	})
}
