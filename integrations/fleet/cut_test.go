package fleet_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// TestRedisConnectionsCut runs three processes in fleet mode, whose Redis is behind toxiproxy,
// and one in local mode, side by side, while the connections to Redis are cut three ways (see
// cuts), each for a second. Through every cut: every process falls back to local mode; no call
// waits on Redis beyond Timeout; every call settles once, as it does in local mode. After each:
// every process rejoins, and a breaker's opening and closing spread through the fleet again.
func TestRedisConnectionsCut(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Redis is cut off for seconds")
	}
	s := startRedis(t)
	px := startProxy(t, s)
	direct := newClient(t, s.Addr) // not through the proxy: the test's own view of Redis
	opt := faultOptions("cut")
	channel := opt.Namespace + ":fleet"
	ps := make([]*proc, 3)
	for i := range ps {
		ps[i] = newProc(t, newFleetAt(t, px.Listen, opt))
	}
	local := newProc(t, nil)
	m := startStallMeter(t)
	stop := runAll(append(ps[:len(ps):len(ps)], local)...)
	// The fleet works before the first cut.
	waitAll(t, ps, "every process has a lease", func(p *proc) bool { return p.f.Stats().Leases > 0 && !p.f.Local() })
	spreads(t, m, ps)

	for _, c := range cuts {
		resetWaits(ps)
		require.NoError(t, c.start(px), c.name)
		cutAt := time.Now()
		toLocal := waitAll(t, ps, c.name+": every process falls back to local mode", func(p *proc) bool { return p.f.Local() })
		time.Sleep(time.Second - time.Since(cutAt))
		require.NoError(t, c.restore(px), c.name)
		rejoin := waitAll(t, ps, c.name+": every process rejoins", func(p *proc) bool { return !p.f.Local() })
		// Every process's subscription is back (through a new connection but after the reset,
		// whose silent ones survive): a spread that follows is pub/sub's, not a poll's.
		require.Eventually(t, func() bool {
			return direct.PubSubNumSub(context.Background(), channel).Val()[channel] >= int64(len(ps))
		}, 10*time.Second, time.Millisecond, c.name+": every process subscribes again")
		w := checkWaits(t, m, ps, c.name)
		open, closing := spreads(t, m, ps)
		t.Logf("%s: local mode everywhere %v after the cut, rejoined %v after it ended; %v; then opening spread in %v, closing in %v",
			c.name, toLocal.Round(time.Millisecond), rejoin.Round(time.Millisecond), w, open.Round(time.Millisecond), closing.Round(time.Millisecond))
	}
	stop()
	checkSettledAsLocal(t, ps, local, len(cuts))
}

// spreads opens process 0's breaker for "dep" against a dead dependency and waits for every
// process's to open; then it lets the dependency recover, waits for process 0's breaker to
// half-open and sends it a probe, which closes it, and waits for every process's to close. It
// returns how long each transition took from the first process to reach the last.
func spreads(t *testing.T, m *stallMeter, ps []*proc) (open, closing time.Duration) {
	t.Helper()
	var down atomic.Bool
	down.Store(true)
	dep := func(context.Context) (int, error) {
		if down.Load() {
			return 0, errDown
		}
		return 1, nil
	}
	fallbacks := func() (n uint64) {
		for _, p := range ps {
			n += p.f.Stats().Fallbacks
		}
		return n
	}
	before := fallbacks()
	since := time.Now().UnixNano()
	for ps[0].e.KeyBreaker("dep").State() == breaker.Closed {
		_, _ = engine.Do(context.Background(), ps[0].e, dep, engine.Key("dep"), engine.MaxAttempts(1))
	}
	waitAll(t, ps, "opening reaches every process", func(p *proc) bool { return p.opened.Load() > since })
	opening := spread(ps, func(p *proc) int64 { return p.opened.Load() })

	down.Store(false)
	require.Eventually(t, func() bool { return ps[0].e.KeyBreaker("dep").State() == breaker.HalfOpen }, 5*time.Second, time.Millisecond)
	since = time.Now().UnixNano()
	_, err := engine.Do(context.Background(), ps[0].e, dep, engine.Key("dep"), engine.MaxAttempts(1))
	require.NoError(t, err, "the probe")
	waitAll(t, ps, "closing reaches every process", func(p *proc) bool { return p.closed.Load() > since })
	closed := spread(ps, func(p *proc) int64 { return p.closed.Load() })
	// As in TestFleetBreakerOpensAndClosesEverywhereAndProbesOnce: loopback takes a few ms, the
	// bound is loose for a busy CI machine; the time the process was stalled is left out.
	bound := 250 * time.Millisecond
	if fallbacks() > before {
		// A stall beyond Timeout put a process in local mode meanwhile, where it sends nothing:
		// it tells the fleet, or learns from it, at the poll that rejoins it.
		opt := faultOptions("")
		bound += min(opt.Poll, 250*time.Millisecond) + opt.Timeout
		t.Logf("a process fell back to local mode meanwhile: the spread bound is %v", bound)
	}
	assert.Less(t, m.net(opening), bound, "opening spreads")
	assert.Less(t, m.net(closed), bound, "closing spreads")
	return opening.len(), closed.len()
}
