package engine_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// TestMapStressSettlesEveryCallOnce runs Map loops at once on one engine, in real time, each
// under a context that may end, breaking out at a random point or not at all, while the engine
// closes midway: every loop yields each index at most once (exactly once if it did not break),
// and every call the engine accepted settles once.
func TestMapStressSettlesEveryCallOnce(t *testing.T) {
	settled := new(atomic.Int64)
	midway := make(chan struct{}) // closed at the 1,000th settlement
	e, err := engine.New(engine.WithMaxConcurrency(16), engine.WithQueueSize(8),
		engine.WithHooks(engine.Hooks{OnSettled: func(engine.Settled) {
			if settled.Add(1) == 1000 {
				close(midway)
			}
		}}),
		engine.Defaults(engine.Backoff(backoff.Immediate())))
	require.NoError(t, err)
	op := func(ctx context.Context, i int) (int, error) {
		if i%7 == 0 {
			runtime.Gosched()
			return 0, errFlaky // retried at once, twice
		}
		return i, ctx.Err()
	}
	var loops sync.WaitGroup
	for g := range 8 {
		loops.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 20 {
				ctx, cancel := context.WithCancel(context.Background())
				n := 1 + rng.IntN(300)
				stopAt, cancelAt := rng.IntN(2*n), rng.IntN(2*n)
				var opts []engine.CallOption
				if rng.IntN(2) == 0 {
					opts = append(opts, engine.MaxInFlight(1+rng.IntN(20)))
				}
				seen := make([]int, n)
				yielded := 0
				for i := range engine.Map(ctx, e, inputs(n), op, opts...) {
					seen[i]++
					if yielded++; yielded == cancelAt {
						cancel()
					}
					if yielded == stopAt {
						break
					}
				}
				cancel()
				for i, k := range seen {
					assert.LessOrEqual(t, k, 1, "index %d", i)
				}
				if stopAt > n {
					assert.Equal(t, n, yielded)
				}
			}
		})
	}
	finished := make(chan struct{})
	go func() { loops.Wait(); close(finished) }()
	select {
	case <-midway:
	case <-finished: // too quick to be caught midway; Close still ends a loop or two
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_ = e.Close(ctx)
	loops.Wait()
	s := e.Stats()
	t.Logf("%d calls: %d succeeded, %d closed, %d canceled", s.Submitted, s.Succeeded, s.FailedFor(engine.ReasonClosed), s.FailedFor(engine.ReasonCanceled))
	assert.Zero(t, s.Pending)
	assert.Equal(t, s.Submitted, s.Succeeded+s.Failed())
	assert.Equal(t, int64(s.Submitted), settled.Load())
}
