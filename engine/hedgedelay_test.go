package engine_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// HedgeQuantile's delay is the initial one until the key has measured enough attempts, then
// follows the key's latency as it changes.
func TestHedgeQuantileLearnsTheKeysLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		e := newEngine(t)
		hedged := []engine.CallOption{engine.Key("api"), engine.HedgeQuantile(0.9, 1, 50*ms)}
		// calls makes n calls of the key in turn, each answering after d.
		calls := func(n int, d time.Duration) {
			for range n {
				r := &replica{latency: []time.Duration{d}}
				_, err := engine.Do(t.Context(), e, r.op, hedged...)
				require.NoError(t, err)
			}
		}
		// hedgeAt makes a call whose first attempt hangs and returns when its hedge started.
		hedgeAt := func(key string) time.Duration {
			r := &replica{latency: []time.Duration{time.Hour, ms}}
			_, err := engine.Do(t.Context(), e, r.op, append(hedged, engine.Key(key))...)
			require.NoError(t, err)
			require.Len(t, r.started, 2)
			return r.started[1]
		}

		assert.Equal(t, 50*ms, hedgeAt("api"), "nothing measured yet: the initial delay")
		calls(40, 10*ms)
		// 41 latencies of 10ms and one of 1ms: the 0.9-quantile is in 10ms's bucket, whose top
		// is 10.48576ms (buckets are four to a power of two).
		assert.Equal(t, 10485760*time.Nanosecond, hedgeAt("api"))
		assert.Equal(t, 50*ms, hedgeAt("other"), "keys learn apart")

		// The dependency slows down to 30ms: the first of those calls are hedged at 10.49ms, until
		// more than a tenth of the latencies kept are slower; then the 10ms ones are forgotten.
		hedges := e.Stats().Hedges
		calls(1100, 30*ms)
		assert.Less(t, e.Stats().Hedges-hedges, uint64(10), "the delay caught up within a few calls")
		assert.Equal(t, 33554432*time.Nanosecond, hedgeAt("api"), "30ms lies in [7·2^22, 8·2^22) ns")
	})
}

func ExampleHedgeQuantile() {
	e, err := engine.New()
	if err != nil {
		panic(err)
	}
	defer e.Close(context.Background())
	// Hedge the slowest twentieth of the key's attempts: after 100ms until the key has
	// measured enough of them, then after its 0.95-quantile latency.
	v, err := engine.Do(context.Background(), e, func(ctx context.Context) (string, error) {
		return "fast", nil
	}, engine.Key("search"), engine.HedgeQuantile(0.95, 1, 100*time.Millisecond))
	fmt.Println(v, err)
	// Output: fast <nil>
}
