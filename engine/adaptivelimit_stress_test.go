package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// TestAdaptiveLimitSettlesEverythingOnce mixes what moves a limit and what empties its queue:
// latency that changes mid-run, failures retried at once (a retry that queues behind waiters),
// timeouts, hedges, cancellations, and a Close that stops waiting. Every call settles once, no
// key runs more than Max attempts at once, and nothing is left queued.
func TestAdaptiveLimitSettlesEverythingOnce(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { stressAdaptive(t, seed) })
		})
	}
}

func stressAdaptive(t *testing.T, seed uint64) {
	const keys, calls, limitMax = 3, 600, 12
	var settled atomic.Int64
	e, err := engine.New(engine.WithAdaptiveLimit(engine.AdaptiveLimit{Max: limitMax, Initial: 4, Queue: calls}),
		engine.WithHooks(engine.Hooks{OnSettled: func(engine.Settled) { settled.Add(1) }}),
		engine.Defaults(engine.Backoff(backoff.Immediate()), engine.MaxAttempts(3)))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(seed, 14))
	deps := make([]*dependency, keys)
	for i := range deps {
		deps[i] = newDependency(time.Duration(5+rng.IntN(20)) * time.Millisecond)
	}
	fs := make([]*engine.Future[int], calls)
	for i := range fs {
		k := rng.IntN(keys)
		s := deps[k]
		opts := []engine.CallOption{engine.Key(fmt.Sprint(k))}
		switch rng.IntN(6) {
		case 0:
			opts = append(opts, engine.Hedge(time.Duration(1+rng.IntN(10))*time.Millisecond, 1))
		case 1:
			opts = append(opts, engine.AttemptTimeout(time.Duration(5+rng.IntN(30))*time.Millisecond))
		}
		fail := rng.IntN(5) == 0
		fs[i], err = engine.Submit(t.Context(), e, func(ctx context.Context) (int, error) {
			v, err := s.op(ctx)
			if err == nil && fail {
				return 0, errFlaky
			}
			return v, err
		}, opts...)
		require.NoError(t, err)
		if i%50 == 49 { // the load arrives in waves, some latencies change between them
			time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
			deps[rng.IntN(keys)].d.Store(int64(time.Duration(5+rng.IntN(60)) * time.Millisecond))
		}
		if rng.IntN(10) == 0 {
			fs[rng.IntN(i+1)].Cancel(nil)
		}
	}
	time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), time.Duration(rng.IntN(100))*time.Millisecond)
	defer cancel()
	_ = e.Close(ctx)

	for i, f := range fs {
		select {
		case <-f.Done():
		default:
			t.Fatalf("call %d did not settle", i)
		}
	}
	assert.EqualValues(t, calls, settled.Load(), "every call settled once")
	st := e.Stats()
	assert.Equal(t, st.Submitted, st.Succeeded+st.Failed())
	assert.Zero(t, st.SlotWaiting)
	for i, s := range deps {
		assert.LessOrEqual(t, s.highest.Load(), int64(limitMax), "key %d", i)
	}
}
