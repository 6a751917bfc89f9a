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

// A hedge runs when its key has room now, or not at all.

func TestAHedgeRunsOnlyWhenItsBulkheadHasRoom(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		limit   int
		want    int // the attempt whose result the call gets
		started []time.Duration
		hedges  uint64
	}{
		// The hedge due at 100ms finds the only slot taken and is not started; attempt 1 fails
		// at 150ms, and its retry, due at once, is attempt 2 (a hedge waiting for the slot
		// stood in the key's queue beside it, and the retry was lost).
		{"full: no hedge, the retry still runs", 1, 2, []time.Duration{0, 150 * ms}, 0},
		{"room: the hedge runs and wins", 2, 2, []time.Duration{0, 100 * ms}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t, engine.WithBulkhead(tt.limit, 10))
				r := &replica{latency: []time.Duration{150 * ms, 10 * ms}, outcome: []error{errFlaky}}
				v, err := engine.Do(t.Context(), e, r.op, engine.Hedge(100*ms, 1),
					engine.Backoff(backoff.Immediate()))
				require.NoError(t, err)
				assert.Equal(t, tt.want, v)
				assert.Equal(t, tt.started, r.started)
				assert.Equal(t, tt.hedges, e.Stats().Hedges)
				synctest.Wait()
				assert.Zero(t, e.Stats().Running)
			})
		})
	}
}

func TestAHedgeThatWouldWaitForItsPacerIsNotStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		pacedBacklog(t, e) // "api" has a queue far longer than the call's deadline
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		r := &replica{latency: []time.Duration{time.Second}}
		v, err := engine.Do(ctx, e, r.op, engine.Key("api"), engine.Hedge(100*time.Millisecond, 1))
		require.NoError(t, err, "the hedge's turn is past the deadline; the attempt it would race is not")
		assert.Equal(t, 1, v)
		assert.Len(t, r.started, 1)
	})
}
