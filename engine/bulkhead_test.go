package engine_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// order records the order in which operations start.
type order struct {
	mu      sync.Mutex
	started []int
}

func (o *order) op(i int, d time.Duration) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		o.mu.Lock()
		o.started = append(o.started, i)
		o.mu.Unlock()
		select {
		case <-time.After(d):
			return i, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func TestBulkheadLimitIsExactAndFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(3, 100))
		s := &latency{d: 10 * time.Millisecond}
		var o order
		start := time.Now()
		fs := make([]*engine.Future[int], 30)
		for i := range fs {
			var err error
			fs[i], err = engine.Submit(t.Context(), e, func(ctx context.Context) (int, error) {
				if _, err := o.op(i, 0)(ctx); err != nil {
					return 0, err
				}
				return s.op(ctx)
			}, engine.Key("db"))
			require.NoError(t, err)
		}
		synctest.Wait()
		ks, ok := e.KeyStats("db")
		require.True(t, ok)
		assert.Equal(t, 3, ks.Running)
		assert.Equal(t, 27, ks.SlotWaiting)
		assert.EqualValues(t, 27, e.Stats().SlotWaiting)

		_, err := engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)
		assert.EqualValues(t, 3, s.highest.Load(), "never more than the limit at once")
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "ten waves of three")
		// Three slots free at once and are handed to the three oldest waiters, which then start
		// in any order: first come, first served, wave by wave.
		for wave := range 10 {
			assert.ElementsMatch(t, []int{3 * wave, 3*wave + 1, 3*wave + 2}, o.started[3*wave:3*wave+3])
		}
		synctest.Wait() // a worker gives its slot back after its call settles
		ks, _ = e.KeyStats("db")
		assert.Equal(t, engine.KeyStats{Key: "db"}, ks)
	})
}

func TestBulkheadRefusesWhenItsQueueIsFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(1, 2))
		slow := (&latency{d: time.Second}).op
		for range 3 { // one runs, two wait
			_, err := engine.TrySubmit(t.Context(), e, slow, engine.Key("a"))
			require.NoError(t, err)
		}
		_, err := engine.TrySubmit(t.Context(), e, slow, engine.Key("a"))
		assert.ErrorIs(t, err, engine.ErrBulkheadFull)
		_, err = engine.Submit(t.Context(), e, slow, engine.Key("a"))
		assert.ErrorIs(t, err, engine.ErrBulkheadFull, "Submit does not wait for a key's queue")
		_, err = engine.TrySubmit(t.Context(), e, slow, engine.Key("b"))
		assert.NoError(t, err, "another key has room of its own")
		s := e.Stats()
		assert.EqualValues(t, 2, s.Rejected)
		assert.EqualValues(t, 4, s.Submitted)
	})
}

func TestSlowKeyDoesNotDelayFastKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(16, 1000))
		slow := (&latency{d: 500 * time.Millisecond}).op
		for range 256 {
			_, err := engine.Submit(t.Context(), e, slow, engine.Key("slow.example"))
			require.NoError(t, err)
		}
		start := time.Now()
		_, err := engine.Do(t.Context(), e, (&latency{d: time.Millisecond}).op, engine.Key("fast.example"))
		require.NoError(t, err)
		assert.Equal(t, time.Millisecond, time.Since(start))
	})
}

func TestSlotWaitersSettleAtOnceOnDeadlineAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(1, 10))
		var o order
		_, err := engine.Submit(t.Context(), e, o.op(0, time.Second), engine.Key("k"))
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		late, err := engine.Submit(ctx, e, o.op(1, time.Second), engine.Key("k"))
		require.NoError(t, err)
		canceled, err := engine.Submit(t.Context(), e, o.op(2, time.Second), engine.Key("k"))
		require.NoError(t, err)
		next, err := engine.Submit(t.Context(), e, o.op(3, time.Second), engine.Key("k"))
		require.NoError(t, err)

		canceled.Cancel(nil)
		_, err = canceled.Result()
		assert.ErrorIs(t, err, engine.ErrCanceled, "settled at once")
		<-late.Done()
		assert.Equal(t, 50*time.Millisecond, time.Since(start))
		_, err = late.Result()
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.EqualValues(t, 1, e.Stats().SlotWaiting)

		v, err := next.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		assert.Equal(t, 2*time.Second, time.Since(start), "the next live waiter took the slot")
		assert.Equal(t, []int{0, 3}, o.started, "no attempt of a settled waiter ran")
	})
}

func TestRetriesWaitForTheirKeysSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(1, 0),
			engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
		op, calls := failing(1, errFlaky, 1)
		flaky, err := engine.Submit(t.Context(), e, op, engine.Key("k"))
		require.NoError(t, err)
		synctest.Wait()
		// The slot is free again, then taken before the retry comes due; the retry waits in
		// the key's queue although its bound (0) admits no first attempt.
		start := time.Now()
		_, err = engine.Submit(t.Context(), e, (&latency{d: time.Second}).op, engine.Key("k"))
		require.NoError(t, err)
		v, err := flaky.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		assert.Equal(t, 2, *calls)
		assert.Equal(t, time.Second, time.Since(start))
	})
}

func TestZeroDelayRetryQueuesBehindWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithBulkhead(1, 10),
			engine.Defaults(engine.Backoff(backoff.Immediate())))
		var o order
		calls := 0
		flaky, err := engine.Submit(t.Context(), e, func(ctx context.Context) (int, error) {
			o.mu.Lock()
			o.started = append(o.started, 0)
			o.mu.Unlock()
			time.Sleep(time.Millisecond)
			if calls++; calls == 1 {
				return 0, errFlaky
			}
			return 0, nil
		}, engine.Key("k"))
		require.NoError(t, err)
		other, err := engine.Submit(t.Context(), e, o.op(1, time.Millisecond), engine.Key("k"))
		require.NoError(t, err)
		_, err = engine.AwaitAll(t.Context(), flaky, other)
		require.NoError(t, err)
		assert.Equal(t, []int{0, 1, 0}, o.started, "the waiter ran before the retry")
	})
}

func TestCloseWithCallsWaitingForSlots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New(engine.WithBulkhead(1, 10))
		require.NoError(t, err)
		var fs []*engine.Future[int]
		for range 3 {
			f, err := engine.Submit(t.Context(), e, (&latency{d: time.Second}).op, engine.Key("k"))
			require.NoError(t, err)
			fs = append(fs, f)
		}
		start := time.Now()
		require.NoError(t, e.Close(t.Context()), "a graceful Close lets the waiters run")
		assert.Equal(t, 3*time.Second, time.Since(start))
		_, err = engine.AwaitAll(t.Context(), fs...)
		require.NoError(t, err)

		e, err = engine.New(engine.WithBulkhead(1, 10))
		require.NoError(t, err)
		fs = fs[:0]
		for range 3 {
			f, err := engine.Submit(t.Context(), e, (&latency{d: time.Second}).op, engine.Key("k"))
			require.NoError(t, err)
			fs = append(fs, f)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start = time.Now()
		assert.ErrorIs(t, e.Close(ctx), context.DeadlineExceeded)
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "the running attempt heeds its context")
		for _, f := range fs {
			_, err := f.Result()
			assert.ErrorIs(t, err, engine.ErrClosed)
		}
		assert.Zero(t, e.Stats().SlotWaiting)
	})
}
