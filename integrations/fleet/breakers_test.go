package fleet_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/fleet/internal/redisserver"
)

const openFor = 300 * time.Millisecond

var brkOpts = []breaker.Option{breaker.ConsecutiveFailures(5), breaker.OpenFor(openFor), breaker.HalfOpenProbes(1)}

// spread returns the span from the first replica's transition (at, in unix ns) to the last
// one's.
func spread[R any](rs []R, at func(R) int64) span {
	first, last := at(rs[0]), at(rs[0])
	for _, r := range rs {
		first, last = min(first, at(r)), max(last, at(r))
	}
	return span{time.Unix(0, first), time.Unix(0, last)}
}

func allIn(rs []*replica, s breaker.State) bool {
	for _, r := range rs {
		if r.e.KeyBreaker("db").State() != s {
			return false
		}
	}
	return true
}

// breakerScenario opens replica 0's breaker against a dead backend, then lets the backend
// recover and sends a wave of calls from every replica once the breakers are due to half-open.
// It returns the span from the first replica's opening to the last one's (in fleet mode), the
// probes the wave let through, and the span of the closings likewise.
func breakerScenario(t *testing.T, s *redisserver.Server) (openSpread span, probes int64, closeSpread span) {
	const n = 10
	rs := replicas(t, n, s, "brk-"+t.Name(), brkOpts...)
	for _, r := range rs {
		require.NotNil(t, r.e.KeyBreaker("db")) // the key exists everywhere, as in a busy fleet
	}
	be := &backend{}
	be.down.Store(true)
	for r := rs[0]; r.e.KeyBreaker("db").State() == breaker.Closed; {
		_, _ = engine.Do(context.Background(), r.e, be.call, engine.Key("db"), engine.MaxAttempts(1))
	}
	fleetMode := s != nil
	if fleetMode {
		// Each replica's opening, rather than all of them open at once: a breaker opened by the
		// fleet half-opens after openFor, which a busy machine can stall the test beyond.
		require.Eventually(t, func() bool {
			for _, r := range rs {
				if r.opens.Load() == 0 {
					return false
				}
			}
			return true
		}, 5*time.Second, time.Millisecond, "opening reaches every replica")
		openSpread = spread(rs, func(r *replica) int64 { return r.opens.Load() })
	} else {
		assert.Equal(t, breaker.Closed, rs[1].e.KeyBreaker("db").State(), "local mode: the others know nothing")
		for _, r := range rs[1:] {
			for r.e.KeyBreaker("db").State() == breaker.Closed {
				_, _ = engine.Do(context.Background(), r.e, be.call, engine.Key("db"), engine.MaxAttempts(1))
			}
		}
	}

	// The backend comes back, slowly: the probes are still running when the wave's other calls ask.
	be.down.Store(false)
	be.delay.Store(int64(100 * time.Millisecond))
	require.Eventually(t, func() bool { return allIn(rs, breaker.HalfOpen) }, 5*time.Second, time.Millisecond)
	before := be.attempts.Load()
	var wg sync.WaitGroup
	for _, r := range rs {
		for range 20 {
			wg.Go(func() {
				_, _ = engine.Do(context.Background(), r.e, be.call, engine.Key("db"), engine.MaxAttempts(1))
			})
		}
	}
	wg.Wait()
	probes = be.attempts.Load() - before
	if fleetMode {
		require.Eventually(t, func() bool { return allIn(rs, breaker.Closed) }, 5*time.Second, time.Millisecond, "closing reaches every replica")
		closeSpread = spread(rs, func(r *replica) int64 { return r.close.Load() })
		noFallbacks(t, rs)
	}
	return openSpread, probes, closeSpread
}

func TestFleetBreakerOpensAndClosesEverywhereAndProbesOnce(t *testing.T) {
	s := startRedis(t)
	t.Run("local", func(t *testing.T) {
		_, probes, _ := breakerScenario(t, nil)
		t.Logf("local: a recovering backend sees %d probes from 10 replicas", probes)
		assert.Equal(t, int64(10), probes, "one per replica")
	})
	t.Run("fleet", func(t *testing.T) {
		m := startStallMeter(t)
		open, probes, closing := breakerScenario(t, s)
		t.Logf("fleet: opening reached all 10 replicas in %v (%v not stalled), closing in %v (%v not stalled); %d probe(s) fleet-wide",
			open.len(), m.net(open), closing.len(), m.net(closing), probes)
		assert.Equal(t, int64(1), probes, "Probes: 1 for the whole fleet")
		// 50ms is what loopback gives (a few ms measured); the bound is loose for a busy CI
		// machine, and leaves out the time the test process was stalled.
		assert.Less(t, m.net(open), 250*time.Millisecond)
		assert.Less(t, m.net(closing), 250*time.Millisecond)
	})
}
