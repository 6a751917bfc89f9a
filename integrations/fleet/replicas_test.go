package fleet_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/fleet"
	"github.com/recur-go/recur/integrations/fleet/internal/redisserver"
)

var errDown = errors.New("backend down")

// backend is a dependency shared by the replicas: it fails while down and counts attempts.
type backend struct {
	down     atomic.Bool
	attempts atomic.Int64
	probes   atomic.Int64 // attempts while counting probes
	counting atomic.Bool
	delay    atomic.Int64 // how long each attempt takes
}

func (b *backend) call(context.Context) (int, error) {
	b.attempts.Add(1)
	if b.counting.Load() {
		b.probes.Add(1)
	}
	if d := b.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	if b.down.Load() {
		return 0, errDown
	}
	return 1, nil
}

// replica is one process: an engine and, in fleet mode, its membership of the fleet.
type replica struct {
	e     *engine.Engine
	f     *fleet.Fleet // nil in local mode
	opens atomic.Int64 // when the replica's breaker for "db" last opened (unix ns)
	close atomic.Int64 // and closed
}

const (
	ratio    = 0.1
	minRate  = 1.0
	capacity = 10
)

// replicas starts n replicas, in fleet mode if s is not nil, with the same options each.
func replicas(t testing.TB, n int, s *redisserver.Server, ns string, brk ...breaker.Option) []*replica {
	t.Helper()
	out := make([]*replica, n)
	for i := range out {
		r := &replica{}
		opts := []engine.Option{
			engine.Defaults(engine.MaxAttempts(3), engine.Backoff(backoff.Constant(time.Millisecond))),
			engine.WithHooks(engine.Hooks{OnBreakerChange: func(c engine.BreakerChange) {
				switch c.To {
				case breaker.Open:
					r.opens.Store(time.Now().UnixNano())
				case breaker.Closed:
					r.close.Store(time.Now().UnixNano())
				}
			}}),
		}
		if brk != nil {
			opts = append(opts, engine.WithBreaker(brk...))
		}
		if s != nil {
			r.f = newFleet(t, s, fleet.Options{Namespace: ns, Ratio: ratio, MinPerSecond: minRate, Capacity: capacity, Probes: 1})
			opts = append(opts, engine.WithBudget(r.f.Budget()))
			if brk != nil {
				opts = append(opts, r.f.Breakers())
			}
		} else {
			b, err := engine.NewBudget(ratio, minRate, capacity)
			require.NoError(t, err)
			opts = append(opts, engine.WithBudget(b))
		}
		e, err := engine.New(opts...)
		require.NoError(t, err)
		r.e = e
		t.Cleanup(func() { _ = e.Close(context.Background()) })
		out[i] = r
	}
	return out
}

// noFallbacks checks that Redis answered every replica within its timeout all along: a test of
// fleet mode must not measure local mode.
func noFallbacks(t *testing.T, rs []*replica) {
	t.Helper()
	for i, r := range rs {
		st := r.f.Stats()
		assert.Zero(t, st.Fallbacks, "replica %d fell back to local mode: %s", i, st.LastError)
	}
}

// run makes calls calls on every replica at once against be, and returns the fleet's retries.
func run(t testing.TB, rs []*replica, be *backend, calls int, key string) (retries uint64, elapsed time.Duration) {
	start := time.Now()
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() {
			for range calls {
				_, _ = engine.Do(context.Background(), r.e, be.call, engine.Key(key))
			}
		})
	}
	wg.Wait()
	for _, r := range rs {
		retries += r.e.Stats().Retries
	}
	return retries, time.Since(start)
}

func TestFleetBudgetHoldsTheFleetsRetries(t *testing.T) {
	s := startRedis(t)
	const n, calls = 10, 1000
	for _, mode := range []string{"local", "fleet"} {
		t.Run(mode, func(t *testing.T) {
			srv := s
			if mode == "local" {
				srv = nil
			}
			be := &backend{}
			be.down.Store(true)
			rs := replicas(t, n, srv, "budget-"+t.Name())
			retries, elapsed := run(t, rs, be, calls, "")
			total := n * calls
			fleetBound := ratio*float64(total) + capacity + minRate*elapsed.Seconds()
			t.Logf("%s: %d calls, %d retries (%.3f per call, %.2f attempts per call) in %v; fleet bound %.0f, local bound %.0f",
				mode, total, retries, float64(retries)/float64(total), float64(be.attempts.Load())/float64(total),
				elapsed.Round(time.Millisecond), fleetBound, ratio*float64(total)+n*(capacity+minRate*elapsed.Seconds()))
			if mode == "fleet" {
				noFallbacks(t, rs)
				require.LessOrEqual(t, float64(retries), fleetBound, "the fleet's retries within one share, one reserve, one minimum rate")
				require.GreaterOrEqual(t, float64(retries), 0.5*ratio*float64(total), "the share is spent")
				var ops uint64
				for _, r := range rs {
					ops += r.f.Stats().Ops
				}
				t.Logf("fleet: %d Redis commands, %.1f per 1,000 calls", ops, 1000*float64(ops)/float64(total))
			} else {
				require.Greater(t, float64(retries), ratio*float64(total)+capacity, "each replica spends its own reserve")
			}
		})
	}
}
