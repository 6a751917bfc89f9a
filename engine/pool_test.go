package engine_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// latency is an operation that takes d, like a call to a dependency, and counts how many of its
// kind run at once.
type latency struct {
	d            time.Duration
	now, highest atomic.Int64
}

func (s *latency) op(ctx context.Context) (int, error) {
	n := s.now.Add(1)
	defer s.now.Add(-1)
	for {
		h := s.highest.Load()
		if n <= h || s.highest.CompareAndSwap(h, n) {
			break
		}
	}
	select {
	case <-time.After(s.d):
		return 1, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func TestDefaultsRunThousandsOfSlowCallsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		const calls = 10_000
		s := &latency{d: 100 * time.Millisecond}
		start := time.Now()
		fs := make([]*engine.Future[int], calls)
		for i := range fs {
			var err error
			fs[i], err = engine.Submit(t.Context(), e, s.op)
			require.NoError(t, err)
		}
		_, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "every call ran at once")
		assert.EqualValues(t, calls, s.highest.Load())
	})
}

func TestRetriesOfSlowCallsRunAtOnceToo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
		const calls = 2_000
		start := time.Now()
		fs := make([]*engine.Future[int], calls)
		for i := range fs {
			op, _ := failing(2, errFlaky, 1)
			slow := func(ctx context.Context) (int, error) {
				time.Sleep(10 * time.Millisecond)
				return op(ctx)
			}
			var err error
			fs[i], err = engine.Submit(t.Context(), e, slow)
			require.NoError(t, err)
		}
		_, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		assert.Equal(t, 32*time.Millisecond, time.Since(start), "three rounds of 10ms, two delays of 1ms")
	})
}

func TestMaxConcurrencyCapsRunningAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(10))
		s := &latency{d: 100 * time.Millisecond}
		start := time.Now()
		fs := make([]*engine.Future[int], 100)
		for i := range fs {
			var err error
			fs[i], err = engine.Submit(t.Context(), e, s.op)
			require.NoError(t, err)
		}
		_, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		assert.EqualValues(t, 10, s.highest.Load())
		assert.Equal(t, time.Second, time.Since(start), "ten waves of ten")
		assert.LessOrEqual(t, e.Stats().Workers, 10)
	})
}

func TestPoolShrinksAfterIdling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMinWorkers(3), engine.WithIdleTimeout(5*time.Second))
		s := &latency{d: 10 * time.Millisecond}
		fs := make([]*engine.Future[int], 500)
		for i := range fs {
			var err error
			fs[i], err = engine.Submit(t.Context(), e, s.op)
			require.NoError(t, err)
		}
		_, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		synctest.Wait()
		assert.Equal(t, 500, e.Stats().Workers, "grown to the work")
		assert.Equal(t, 500, e.Stats().IdleWorkers)

		time.Sleep(5*time.Second - time.Nanosecond)
		synctest.Wait()
		assert.Equal(t, 500, e.Stats().Workers, "idle, not yet for long enough")
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		assert.Equal(t, 3, e.Stats().Workers, "back to the floor")
		assert.Equal(t, 3, e.Stats().IdleWorkers)

		// Idle workers take new work before any new one starts.
		_, err = engine.Do(t.Context(), e, s.op)
		require.NoError(t, err)
		assert.Equal(t, 3, e.Stats().Workers)
	})
}

func TestIdleEngineCanHoldNoWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMinWorkers(0))
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil })
		require.NoError(t, err)
		time.Sleep(engine.DefaultIdleTimeout)
		synctest.Wait()
		assert.Equal(t, 0, e.Stats().Workers, "only the scheduler and the retry dispatcher are left")
	})
}

func TestRetryWaitsForAWorkerAtTheCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1),
			engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
		op, calls := failing(1, errFlaky, 7)
		flaky, err := engine.Submit(t.Context(), e, op)
		require.NoError(t, err)
		synctest.Wait() // the first attempt failed; its retry is due in 1ms
		release := make(chan struct{})
		_, err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { <-release; return 1, nil })
		require.NoError(t, err)
		goroutines := runtime.NumGoroutine()

		time.Sleep(time.Second)
		synctest.Wait()
		assert.Equal(t, 1, *calls, "the retry waits: the only worker is busy")
		assert.Equal(t, 1, e.Stats().Queued)
		assert.Equal(t, goroutines, runtime.NumGoroutine(), "no goroutine for a waiting retry")
		close(release)
		v, err := flaky.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 7, v)
	})
}

func TestHardCloseSettlesQueuedCallsBehindStuckWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New(engine.WithMaxConcurrency(1))
		require.NoError(t, err)
		stuck := func(context.Context) (int, error) { time.Sleep(time.Hour); return 1, nil }
		running, err := engine.Submit(t.Context(), e, stuck)
		require.NoError(t, err)
		synctest.Wait()
		queued, err := engine.Submit(t.Context(), e, stuck)
		require.NoError(t, err)
		assert.Equal(t, 1, e.Stats().Queued)

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		closed := make(chan error, 1)
		start := time.Now()
		go func() { closed <- e.Close(ctx) }()
		<-queued.Done()
		assert.Equal(t, time.Second, time.Since(start), "settled when Close gave up, not when the worker freed")
		_, err = queued.Result()
		assert.ErrorIs(t, err, engine.ErrClosed)
		_, err = running.Result()
		assert.ErrorIs(t, err, engine.ErrClosed)
		assert.ErrorIs(t, <-closed, context.DeadlineExceeded)
		assert.Equal(t, time.Hour, time.Since(start), "Close joins the worker")
	})
}

// A worker going idle while an attempt is queued, or a dispatcher waiting for room while a
// worker goes idle, would leave the attempt stuck with every worker idle. Hammer the cap with
// every queue size that matters, on the real clock, where those interleavings happen.
func TestNoAttemptIsStrandedAtTheCap(t *testing.T) {
	for _, queue := range []int{0, 1, 4} {
		e := newEngine(t, engine.WithMaxConcurrency(2), engine.WithQueueSize(queue),
			engine.WithMinWorkers(0), engine.WithIdleTimeout(time.Millisecond),
			engine.Defaults(engine.Backoff(backoff.Immediate())))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		var wg sync.WaitGroup
		var admitted atomic.Int64
		for s := range 3 {
			wg.Go(func() {
				for i := range 2000 {
					// A submitter that gives up waiting for room must not hide the room from the
					// next one.
					impatient, stop := context.WithTimeout(ctx, time.Duration(i%3)*time.Microsecond)
					if f, err := engine.Submit(impatient, e, func(context.Context) (int, error) { return 0, nil }); err == nil {
						admitted.Add(1)
						_, _ = f.Await(ctx)
					}
					stop()
					op, _ := failing((s+i)%2, errFlaky, i)
					v, err := engine.Do(ctx, e, op)
					if !assert.NoError(t, err, "queue %d: stranded", queue) {
						return
					}
					assert.Equal(t, i, v)
				}
			})
		}
		wg.Wait()
		cancel()
		s := e.Stats()
		assert.EqualValues(t, 3*2000+admitted.Load(), s.Submitted)
		assert.Zero(t, s.Pending)
		assert.Zero(t, s.Queued)
	}
}

func TestADispatcherThatGaveUpWaitingDoesNotHideTheNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1), engine.WithQueueSize(0))
		release := make(chan struct{})
		busy, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { <-release; return 1, nil })
		require.NoError(t, err)
		synctest.Wait()
		// A submitter waits for room and gives up, just as room comes.
		ctx, cancel := context.WithCancel(t.Context())
		gaveUp := make(chan error, 1)
		go func() {
			_, err := engine.Submit(ctx, e, func(context.Context) (int, error) { return 2, nil })
			gaveUp <- err
		}()
		synctest.Wait()
		close(release)
		cancel()
		<-gaveUp // admitted or not, either is fine
		_, err = busy.Await(t.Context())
		require.NoError(t, err)
		synctest.Wait()
		// Every worker is busy again; the next submitter must be woken when room comes.
		release2 := make(chan struct{})
		_, err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { <-release2; return 3, nil })
		require.NoError(t, err)
		synctest.Wait()
		next := make(chan error, 1)
		go func() {
			_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return 4, nil })
			next <- err
		}()
		synctest.Wait()
		close(release2)
		require.NoError(t, <-next)
	})
}
