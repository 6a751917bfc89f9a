package engine_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// TestStatsIdentityHoldsWhileCallsSettle takes snapshots while calls are submitted and settled
// as fast as the machine allows: each one must add up (Submitted == Succeeded + Failed() +
// Pending) even though its counters are read one by one. Calls settle at once, half of them as
// failures, so that a snapshot reading its counters in the wrong order sees calls settle that
// it did not see submitted. It runs on the real clock because it needs real parallelism, for
// a bounded time; it stops at the first snapshot that does not add up.
func TestStatsIdentityHoldsWhileCallsSettle(t *testing.T) {
	e := newEngine(t, engine.WithMaxConcurrency(4))
	ops := [2]func(context.Context) (int, error){
		func(context.Context) (int, error) { return 1, nil },
		func(context.Context) (int, error) { return 0, engine.Permanent(errFlaky) },
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for n := i; !stop.Load(); n++ {
				_, _ = engine.Do(t.Context(), e, ops[n%2])
			}
		})
	}
	var bad atomic.Pointer[engine.Stats]
	var snapshots atomic.Int64
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				s := e.Stats()
				snapshots.Add(1)
				if s.Submitted != s.Succeeded+s.Failed()+s.Pending {
					bad.CompareAndSwap(nil, &s)
					stop.Store(true)
				}
			}
		})
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) && !stop.Load() {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	s := e.Stats()
	t.Logf("%d snapshots, %d calls", snapshots.Load(), s.Submitted)
	if b := bad.Load(); b != nil {
		assert.Failf(t, "a snapshot does not add up", "Submitted %d != Succeeded %d + Failed %d + Pending %d",
			b.Submitted, b.Succeeded, b.Failed(), b.Pending)
	}
	require.Equal(t, s.Submitted, s.Succeeded+s.Failed(), "at rest every call is settled")
	assert.Zero(t, s.Pending)
}

func TestStatsFailedFor(t *testing.T) {
	var s engine.Stats
	s.FailedBy[engine.ReasonBudget] = 3
	s.FailedBy[engine.ReasonCanceled] = 2
	assert.Equal(t, uint64(3), s.FailedFor(engine.ReasonBudget))
	assert.Equal(t, uint64(2), s.FailedFor(engine.ReasonCanceled))
	assert.Zero(t, s.FailedFor(engine.ReasonExhausted))
	assert.Zero(t, s.FailedFor(engine.Reason(200)), "a reason that does not exist")
	var sum uint64
	for r := range s.FailedBy {
		sum += s.FailedFor(engine.Reason(r))
	}
	assert.Equal(t, s.Failed(), sum)
}
