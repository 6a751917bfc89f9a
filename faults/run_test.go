package faults

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/breaker"
)

// runScenario puts a fresh proxy between a fresh client and the upstream, injects the fault,
// makes the calls, lifts the fault if it can be lifted and calls on until the client has
// recovered, then checks what every scenario must show: every call settled within its
// deadline, the engine's counts add up, retries stayed within the budget, and no goroutine or
// connection is left behind, on either side of the proxy.
func runScenario(t *testing.T, sc scenario) {
	idleClose()
	goroutines := goleak.IgnoreCurrent()
	p, err := proxyServer.client.CreateProxy("recur-"+sc.name, "127.0.0.1:0", origin.addr)
	require.NoError(t, err)
	c, err := newClient(sc.cfg)
	require.NoError(t, err)
	calls := sc.calls
	if *flagFull {
		calls *= 10
	}
	url := proxyURL(p)
	run := &scenarioRun{cfg: sc.cfg}
	var heal func()
	if sc.fault != nil {
		heal = sc.fault(t, p)
	}
	c.load(url, calls, &run.out)
	if heal != nil {
		heal()
		recoverFrom(t, c, url, run)
	}
	s := c.e.Stats()
	elapsed := time.Since(c.start)
	require.NoError(t, c.close(), "Close: every call had settled")
	c.mu.Lock()
	run.changes = append(run.changes, c.changes...)
	c.mu.Unlock()

	assert.Empty(t, run.out.overruns, "calls that returned more than %v after their deadline", deadlineSlack)
	assert.Equal(t, s.Submitted, s.Succeeded+s.Failed(), "every call accepted was settled: %+v", s)
	assert.Zero(t, s.Pending)
	assert.LessOrEqual(t, s.Attempts, maxAttempts*s.Submitted, "attempts within MaxAttempts")
	allowed := budgetRatio*float64(s.Submitted) + budgetPerSec*elapsed.Seconds() + budgetBurst
	assert.LessOrEqual(t, float64(s.Retries), allowed, "retries within the budget")
	if sc.check != nil {
		sc.check(t, run)
	}
	assert.True(t, eventually(func() bool { return c.conns.Load() == 0 }), "%d client connections left open", c.conns.Load())
	require.NoError(t, p.Delete())
	assert.True(t, eventually(func() bool { return origin.open.Load() == 0 }), "%d upstream connections left open", origin.open.Load())
	idleClose()
	assert.NoError(t, goleak.Find(goroutines, goleak.IgnoreAnyFunction("github.com/recur-go/recur/faults.(*upstream).serve.func2")),
		"goroutines left behind")

	report.add(reportRow{scenario: sc.name, calls: run.out.calls, successes: run.out.successes, failures: run.out.failureList(),
		attempts: s.Attempts, faults: c.failed.Load(), p99: run.out.p99()})
	t.Logf("%d calls, %d succeeded, %d attempts (%d failed), %d retries, p99 %v; failures: %s; breaker: %d changes",
		run.out.calls, run.out.successes, s.Attempts, c.failed.Load(), s.Retries, run.out.p99(), run.out.failureList(), len(run.changes))
}

// recoverFrom calls on, a batch at a time, until the breaker is closed again and a whole
// batch succeeds (20s at most), then makes the healed calls.
func recoverFrom(t *testing.T, c *client, url string, run *scenarioRun) {
	calls := run.out.calls
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var batch outcomes
		c.load(url, concurrency, &batch)
		run.out.merge(&batch)
		if c.stateOf() == breaker.Closed && batch.successes == batch.calls {
			break
		}
		require.True(t, time.Now().Before(deadline), "no recovery within 20s of lifting the fault")
	}
	c.load(url, calls, &run.healed)
	run.out.merge(&run.healed)
}

// merge adds o's calls to out's.
func (out *outcomes) merge(o *outcomes) {
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.failures == nil {
		out.failures = make(map[string]int)
	}
	out.calls += o.calls
	out.successes += o.successes
	for k, v := range o.failures {
		out.failures[k] += v
	}
	out.latencies = append(out.latencies, o.latencies...)
	out.overruns = append(out.overruns, o.overruns...)
}

// eventually polls cond for up to 5 seconds.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
