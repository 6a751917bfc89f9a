package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// The ways a Map loop ends early: every call the engine accepted settles once, and none is
// left pending.

func TestMapBreakingOutCancelsTheRestAndLeavesNothingPending(t *testing.T) {
	for _, bound := range []int{0, 10} {
		t.Run(fmt.Sprintf("MaxInFlight=%d", bound), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, settled := countingEngine(t)
				var opts []engine.CallOption
				if bound > 0 {
					opts = append(opts, engine.MaxInFlight(bound))
				}
				var started, canceled atomic.Int64
				op := func(ctx context.Context, i int) (int, error) {
					started.Add(1)
					if i < 3 {
						return i, nil
					}
					<-ctx.Done() // the rest run until canceled
					if errors.Is(context.Cause(ctx), context.Canceled) {
						canceled.Add(1)
					}
					return 0, ctx.Err()
				}
				seen := 0
				for _, r := range engine.Map(t.Context(), e, inputs(100), op, opts...) {
					require.NoError(t, r.Err)
					if seen++; seen == 3 {
						break
					}
				}
				settledOnce(t, e, settled)
				synctest.Wait() // the abandoned operations see their contexts end
				assert.Equal(t, started.Load()-3, canceled.Load(), "every running operation canceled")
				if bound > 0 {
					assert.LessOrEqual(t, started.Load(), int64(3+bound), "no input submitted after the break")
				}
			})
		})
	}
}

func TestMapPanicInTheLoopBodyCancelsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, settled := countingEngine(t)
		op := func(ctx context.Context, i int) (int, error) {
			if i == 0 {
				return 0, nil
			}
			<-ctx.Done()
			return 0, ctx.Err()
		}
		assert.PanicsWithValue(t, "body", func() {
			for range engine.Map(t.Context(), e, inputs(50), op) {
				panic("body")
			}
		})
		settledOnce(t, e, settled)
	})
}

func TestMapContextEndingMidBatchEndsEveryCall(t *testing.T) {
	for _, bound := range []int{0, 10} {
		t.Run(fmt.Sprintf("MaxInFlight=%d", bound), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, settled := countingEngine(t)
				var opts []engine.CallOption
				if bound > 0 {
					opts = append(opts, engine.MaxInFlight(bound))
				}
				stop := errors.New("request over")
				ctx, cancel := context.WithTimeoutCause(t.Context(), 25500*time.Microsecond, stop)
				defer cancel()
				op := func(_ context.Context, i int) (int, error) {
					time.Sleep(time.Duration(i+1) * time.Millisecond) // ignores its context
					return i, nil
				}
				got := map[int]int{}
				for i, r := range engine.Map(ctx, e, inputs(100), op, opts...) {
					got[i]++
					if r.Err == nil {
						continue
					}
					assert.ErrorIs(t, r.Err, stop, "index %d", i)
				}
				require.Len(t, got, 100)
				for i, n := range got {
					assert.Equal(t, 1, n, "index %d", i)
				}
				settledOnce(t, e, settled)
			})
		})
	}
}

func TestMapEngineClosingMidBatchEndsEveryCall(t *testing.T) {
	for _, bound := range []int{0, 10} {
		t.Run(fmt.Sprintf("MaxInFlight=%d", bound), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, settled := countingEngine(t)
				var opts []engine.CallOption
				if bound > 0 {
					opts = append(opts, engine.MaxInFlight(bound))
				}
				op := func(ctx context.Context, i int) (int, error) {
					select {
					case <-time.After(time.Duration(i+1) * time.Millisecond):
						return i, nil
					case <-ctx.Done():
						return 0, ctx.Err()
					}
				}
				yielded, closedErrs := 0, 0
				for i, r := range engine.Map(t.Context(), e, inputs(100), op, opts...) {
					yielded++
					if i == 5 {
						now, cancel := context.WithTimeout(t.Context(), 0) // no grace: settle the rest
						assert.ErrorIs(t, e.Close(now), context.DeadlineExceeded)
						cancel()
					}
					if r.Err != nil {
						assert.ErrorIs(t, r.Err, engine.ErrClosed, "index %d", i)
						closedErrs++
					}
				}
				assert.Equal(t, 100, yielded)
				assert.Equal(t, 94, closedErrs)
				settledOnce(t, e, settled)
			})
		})
	}
}

func TestMapSettlesWhatItCouldNotHandOverWhenTheContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, settled := countingEngine(t, engine.WithMaxConcurrency(1), engine.WithQueueSize(0))
		ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
		defer cancel()
		op := func(ctx context.Context, i int) (int, error) { <-ctx.Done(); return 0, ctx.Err() }
		n := 0
		for _, r := range engine.Map(ctx, e, inputs(10), op) {
			var re *engine.RetryError
			require.ErrorAs(t, r.Err, &re)
			assert.Equal(t, engine.ReasonDeadline, re.Reason)
			n++
		}
		assert.Equal(t, 10, n)
		settledOnce(t, e, settled)
	})
}
