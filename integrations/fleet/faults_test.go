package fleet_test

import (
	"context"
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
)

// timedBudget measures how long the engine waits in the fleet's budget.
type timedBudget struct {
	b       *fleet.Budget
	longest atomic.Int64
}

func (t *timedBudget) Deposit() { t.b.Deposit() }

func (t *timedBudget) Withdraw() bool {
	start := time.Now()
	ok := t.b.Withdraw()
	d := int64(time.Since(start))
	for cur := t.longest.Load(); d > cur && !t.longest.CompareAndSwap(cur, d); cur = t.longest.Load() {
	}
	return ok
}

// flaky fails every call's first attempt and lets its second through.
func flaky() func(context.Context) (int, error) {
	var n atomic.Int32
	return func(context.Context) (int, error) {
		if n.Add(1) == 1 {
			return 0, errDown
		}
		return 1, nil
	}
}

// TestRedisFailingIsNotTheDependencyFailing runs three replicas of a flaky backend while Redis
// goes away for 5s (stopped, then started again empty) and, after that, freezes (SIGSTOP).
func TestRedisFailingIsNotTheDependencyFailing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Redis is away for seconds")
	}
	s := startRedis(t)
	const timeout = 50 * time.Millisecond
	type proc struct {
		f        *fleet.Fleet
		e        *engine.Engine
		b        *timedBudget
		ok, bad  atomic.Int64
		longest  atomic.Int64 // the slowest call
		duringUp atomic.Int64 // leases asked since Redis came back
	}
	ps := make([]*proc, 3)
	for i := range ps {
		p := &proc{f: newFleet(t, s, fleet.Options{Namespace: "faults", Ratio: 1, MinPerSecond: 10, Capacity: 10,
			Timeout: timeout, Poll: 200 * time.Millisecond})}
		p.b = &timedBudget{b: p.f.Budget()}
		var err error
		p.e, err = engine.New(engine.WithBudget(p.b), engine.WithBreaker(brkOpts...), p.f.Breakers(),
			engine.Defaults(engine.MaxAttempts(2), engine.Backoff(backoff.Constant(time.Millisecond))))
		require.NoError(t, err)
		t.Cleanup(func() { _ = p.e.Close(context.Background()) })
		ps[i] = p
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				_, err := engine.Do(context.Background(), p.e, flaky(), engine.Key("db"))
				if d := int64(time.Since(start)); d > p.longest.Load() {
					p.longest.Store(d)
				}
				if err != nil {
					p.bad.Add(1)
				} else {
					p.ok.Add(1)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
	waitAll := func(what string, cond func(*proc) bool) {
		t.Helper()
		require.Eventually(t, func() bool {
			for _, p := range ps {
				if !cond(p) {
					return false
				}
			}
			return true
		}, 10*time.Second, 5*time.Millisecond, what)
	}
	time.Sleep(500 * time.Millisecond)
	s.Stop()
	downAt := time.Now()
	waitAll("every process falls back to local mode", func(p *proc) bool { return p.f.Local() })
	t.Logf("local mode everywhere %v after Redis stopped", time.Since(downAt).Round(time.Millisecond))
	time.Sleep(5*time.Second - time.Since(downAt))
	require.NoError(t, s.Restart())
	upAt := time.Now()
	waitAll("every process rejoins", func(p *proc) bool { return !p.f.Local() })
	t.Logf("rejoined everywhere %v after Redis came back", time.Since(upAt).Round(time.Millisecond))
	for _, p := range ps {
		p.duringUp.Store(int64(p.f.Stats().Leases))
	}
	waitAll("leases are asked of Redis again", func(p *proc) bool { return int64(p.f.Stats().Leases) > p.duringUp.Load() })

	require.NoError(t, s.Pause())
	pausedAt := time.Now()
	waitAll("a frozen Redis is a failing one", func(p *proc) bool { return p.f.Local() })
	t.Logf("local mode everywhere %v after Redis froze", time.Since(pausedAt).Round(time.Millisecond))
	time.Sleep(time.Second)
	require.NoError(t, s.Resume())
	waitAll("every process rejoins after the freeze", func(p *proc) bool { return !p.f.Local() })
	close(stop)
	wg.Wait()

	for i, p := range ps {
		st := p.f.Stats()
		t.Logf("process %d: %d calls ok, %d failed; slowest call %v, longest wait in the budget %v; %+v", i, p.ok.Load(), p.bad.Load(),
			time.Duration(p.longest.Load()).Round(time.Millisecond), time.Duration(p.b.longest.Load()).Round(time.Millisecond), st)
		assert.Zero(t, p.bad.Load(), "outcomes as in local mode: every flaky call succeeds on its retry")
		assert.Equal(t, breaker.Closed, p.e.KeyBreaker("db").State(), "Redis failing did not open the breaker")
		assert.GreaterOrEqual(t, st.Fallbacks, uint64(2))
		assert.GreaterOrEqual(t, st.Rejoins, uint64(2))
		// The bound: Timeout, plus what a busy machine adds to waking up a goroutine.
		assert.Less(t, time.Duration(p.b.longest.Load()), timeout+100*time.Millisecond, "no call waits on Redis beyond the timeout")
		s := p.e.Stats()
		assert.Equal(t, s.Submitted, s.Succeeded+s.Failed(), "every call settled once")
	}
}
