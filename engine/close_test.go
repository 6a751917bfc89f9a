package engine_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestCloseDrainsPendingCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		op, _ := failing(1, errFlaky, "done")
		f, err := engine.Submit(t.Context(), e, op, engine.Backoff(backoff.Constant(time.Minute)))
		require.NoError(t, err)
		synctest.Wait()
		start := time.Now()
		require.NoError(t, e.Close(t.Context()), "everything finished on its own")
		assert.Equal(t, time.Minute, time.Since(start), "Close waited for the retry")
		v, err := f.Result()
		require.NoError(t, err)
		assert.Equal(t, "done", v)
	})
}

func TestCloseSettlesWhatIsLeftWhenItsContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New(engine.WithMaxConcurrency(2))
		require.NoError(t, err)
		waiting, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky },
			engine.Backoff(backoff.Constant(time.Hour)))
		require.NoError(t, err)
		canceled := make(chan error, 1)
		running, err := engine.Submit(t.Context(), e, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			canceled <- context.Cause(ctx)
			return 0, ctx.Err()
		})
		require.NoError(t, err)
		synctest.Wait()

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		assert.ErrorIs(t, e.Close(ctx), context.DeadlineExceeded)
		for _, f := range []*engine.Future[int]{waiting, running} {
			_, err := f.Result()
			assert.ErrorIs(t, err, engine.ErrClosed)
		}
		assert.ErrorIs(t, <-canceled, engine.ErrClosed, "running attempts see why")
		s := e.Stats()
		assert.Equal(t, uint64(2), s.FailedBy[engine.ReasonClosed])
		assert.Equal(t, s.Submitted, s.Succeeded+s.Failed())
	})
}

func TestSubmitAfterCloseAndCloseTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		require.NoError(t, e.Close(t.Context()))
		require.NoError(t, e.Close(t.Context()), "idempotent")
		_, err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 1, nil })
		assert.ErrorIs(t, err, engine.ErrClosed)
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 1, nil })
		assert.ErrorIs(t, err, engine.ErrClosed)
	})
}

func TestCloseReleasesBlockedSubmitters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New(engine.WithMaxConcurrency(1), engine.WithQueueSize(0))
		require.NoError(t, err)
		release := make(chan struct{})
		busy := func(context.Context) (int, error) { <-release; return 1, nil }
		first, err := engine.Submit(t.Context(), e, busy)
		require.NoError(t, err)
		synctest.Wait()
		blocked := make(chan error, 1)
		go func() {
			_, err := engine.Submit(t.Context(), e, busy)
			blocked <- err
		}()
		synctest.Wait()
		closed := make(chan error, 1)
		go func() { closed <- e.Close(context.Background()) }()
		assert.ErrorIs(t, <-blocked, engine.ErrClosed)
		close(release)
		require.NoError(t, <-closed)
		v, err := first.Result()
		require.NoError(t, err)
		assert.Equal(t, 1, v)
	})
}

func TestBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithMaxConcurrency(1), engine.WithQueueSize(1))
		release := make(chan struct{})
		busy := func(context.Context) (int, error) { <-release; return 1, nil }
		_, err := engine.Submit(t.Context(), e, busy) // running
		require.NoError(t, err)
		synctest.Wait()
		_, err = engine.TrySubmit(t.Context(), e, busy) // queued
		require.NoError(t, err)
		_, err = engine.TrySubmit(t.Context(), e, busy)
		assert.ErrorIs(t, err, engine.ErrQueueFull)

		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err = engine.Submit(ctx, e, busy)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "Submit blocks until ctx ends")
		close(release)
		s := e.Stats()
		assert.Equal(t, uint64(2), s.Submitted)
		assert.Equal(t, uint64(2), s.Rejected)
	})
}

func TestHardCloseGivesBackTheSlotsOfQueuedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New(engine.WithMaxConcurrency(1), engine.WithQueueSize(1), engine.WithBulkhead(5, 0))
		require.NoError(t, err)
		stuck := func(context.Context) (int, error) { time.Sleep(time.Hour); return 1, nil }
		for range 2 { // one runs, one waits in the work queue holding a slot of its key
			_, err := engine.Submit(t.Context(), e, stuck, engine.Key("k"))
			require.NoError(t, err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		assert.ErrorIs(t, e.Close(ctx), context.Canceled)
		ks, ok := e.KeyStats("k")
		require.True(t, ok)
		assert.Zero(t, ks.Running, "every slot given back")
		assert.Zero(t, e.Stats().Workers, "no worker left")
	})
}

// TestConcurrentCloseInABubble: the second Close waits for the first on a channel, which a
// synctest bubble sees as durably blocked, so that time can pass and the first one finish.
func TestConcurrentCloseInABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		f, err := engine.Submit(t.Context(), e, sleeper(time.Second, 1, nil))
		require.NoError(t, err)
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- e.Close(context.Background()) }()
		}
		synctest.Wait() // both Close calls wait: one for the call, one for the other
		start := time.Now()
		require.NoError(t, <-errs)
		require.NoError(t, <-errs)
		assert.Equal(t, time.Second, time.Since(start))
		v, err := f.Result()
		require.NoError(t, err)
		assert.Equal(t, 1, v)
	})
}

// TestCloseNilIsAnErrorThatChangesNothing: a nil context is refused before Close stops anything,
// so that the engine can still be used, and closed with a real one.
func TestCloseNilIsAnErrorThatChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		var nilCtx context.Context
		assert.EqualError(t, e.Close(nilCtx), "engine: nil Context")
		v, err := engine.Do(t.Context(), e, sleeper(time.Second, 1, nil))
		require.NoError(t, err, "the engine still runs calls")
		assert.Equal(t, 1, v)
		require.NoError(t, e.Close(t.Context()))
	})
}
