package fleet_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRedisFailingIsNotTheDependencyFailing runs three processes in fleet mode and one in local
// mode side by side while Redis goes away for 5s (stopped, then started again empty) and, after
// that, freezes (SIGSTOP) for a second. Through both: every process falls back to local mode, no
// call waits on Redis beyond Timeout, every call settles once, as it does in local mode; after
// each, every process rejoins. (TestRedisConnectionsCut cuts the connections instead.)
func TestRedisFailingIsNotTheDependencyFailing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Redis is away for seconds")
	}
	s := startRedis(t)
	ps := make([]*proc, 3)
	for i := range ps {
		ps[i] = newProc(t, newFleet(t, s, faultOptions("faults")))
	}
	local := newProc(t, nil)
	m := startStallMeter(t)
	stop := runAll(append(ps[:len(ps):len(ps)], local)...)
	time.Sleep(500 * time.Millisecond)

	resetWaits(ps)
	s.Stop()
	downAt := time.Now()
	d := waitAll(t, ps, "every process falls back to local mode", func(p *proc) bool { return p.f.Local() })
	t.Logf("local mode everywhere %v after Redis stopped", d.Round(time.Millisecond))
	time.Sleep(5*time.Second - time.Since(downAt))
	require.NoError(t, s.Restart())
	d = waitAll(t, ps, "every process rejoins", func(p *proc) bool { return !p.f.Local() })
	t.Logf("rejoined everywhere %v after Redis came back", d.Round(time.Millisecond))
	leases := make(map[*proc]uint64)
	for _, p := range ps {
		leases[p] = p.f.Stats().Leases
	}
	waitAll(t, ps, "leases are asked of Redis again", func(p *proc) bool { return p.f.Stats().Leases > leases[p] })
	t.Logf("stopped: %v", checkWaits(t, m, ps, "stopped"))

	resetWaits(ps)
	require.NoError(t, s.Pause())
	d = waitAll(t, ps, "a frozen Redis is a failing one", func(p *proc) bool { return p.f.Local() })
	t.Logf("local mode everywhere %v after Redis froze", d.Round(time.Millisecond))
	time.Sleep(time.Second)
	require.NoError(t, s.Resume())
	d = waitAll(t, ps, "every process rejoins after the freeze", func(p *proc) bool { return !p.f.Local() })
	t.Logf("rejoined everywhere %v after Redis resumed", d.Round(time.Millisecond))
	t.Logf("frozen: %v", checkWaits(t, m, ps, "frozen"))

	stop()
	checkSettledAsLocal(t, ps, local, 2)
}
