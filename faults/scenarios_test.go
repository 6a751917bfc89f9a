package faults

import (
	"net/http"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
)

// scenario is one fault between recur and its upstream.
type scenario struct {
	name  string
	cfg   clientConfig
	calls int // in the short form; the long form makes ten times as many
	// fault injects the fault and returns what lifts it, or nil if it stays.
	fault func(t *testing.T, p *toxiproxy.Proxy) (heal func())
	// check asserts what the scenario shows, beyond what every scenario must.
	check func(t *testing.T, r *scenarioRun)
}

// scenarioRun is what a scenario left to check.
type scenarioRun struct {
	out     outcomes // every call
	healed  outcomes // the calls after the fault was lifted and the breaker closed again
	changes []change
	cfg     clientConfig
}

func toxic(t *testing.T, p *toxiproxy.Proxy, typ, stream string, toxicity float32, attrs toxiproxy.Attributes) {
	t.Helper()
	_, err := p.AddToxic(typ+"_"+stream, typ, stream, toxicity, attrs)
	require.NoError(t, err)
}

var scenarios = []scenario{{
	name: "baseline", calls: 200,
	cfg: clientConfig{attemptTimeout: 500 * time.Millisecond, deadline: 2 * time.Second, openFor: 300 * time.Millisecond, tripAfter: 5, kb: 1},
	check: func(t *testing.T, r *scenarioRun) {
		assert.Equal(t, r.out.calls, r.out.successes, "no fault, no failure")
	},
}, {
	// A quarter of the connections answer 400ms late; attempts give up after 150ms and retry
	// on a new connection.
	name: "latency", calls: 100,
	cfg: clientConfig{attemptTimeout: 150 * time.Millisecond, deadline: 1500 * time.Millisecond, openFor: 300 * time.Millisecond, tripAfter: 20, fresh: true, kb: 1},
	fault: func(t *testing.T, p *toxiproxy.Proxy) func() {
		toxic(t, p, "latency", "downstream", 0.25, toxiproxy.Attributes{"latency": 400})
		return nil
	},
	check: func(t *testing.T, r *scenarioRun) {
		assert.GreaterOrEqual(t, r.out.successes, r.out.calls*6/10, "retries on a fresh connection succeed")
	},
}, {
	// Connections are cut in the middle of the response (after 60 bytes of it) or reset.
	name: "reset", calls: 150,
	cfg: clientConfig{attemptTimeout: 500 * time.Millisecond, deadline: 2 * time.Second, openFor: 300 * time.Millisecond, tripAfter: 20, fresh: true, kb: 1},
	fault: func(t *testing.T, p *toxiproxy.Proxy) func() {
		toxic(t, p, "limit_data", "downstream", 0.15, toxiproxy.Attributes{"bytes": 60})
		toxic(t, p, "reset_peer", "downstream", 0.1, toxiproxy.Attributes{"timeout": 0})
		return nil
	},
	check: func(t *testing.T, r *scenarioRun) {
		assert.GreaterOrEqual(t, r.out.successes, r.out.calls*6/10, "retries on a fresh connection succeed")
	},
}, {
	// The proxy stops answering (data dropped, connections kept open) until the fault is
	// lifted: attempts time out, the breaker opens, then recovers.
	name: "stall", calls: 60,
	cfg: clientConfig{attemptTimeout: 150 * time.Millisecond, deadline: time.Second, openFor: 300 * time.Millisecond, tripAfter: 5, kb: 1},
	fault: func(t *testing.T, p *toxiproxy.Proxy) func() {
		toxic(t, p, "timeout", "downstream", 1, toxiproxy.Attributes{"timeout": 0})
		return func() { require.NoError(t, p.RemoveToxic("timeout_downstream")) }
	},
	check: checkBreakerCycle,
}, {
	// 32 KiB responses through 256 KiB/s per connection: slow, within the attempt timeout.
	name: "bandwidth", calls: 80,
	cfg: clientConfig{attemptTimeout: time.Second, deadline: 3 * time.Second, openFor: 300 * time.Millisecond, tripAfter: 5, kb: 32},
	fault: func(t *testing.T, p *toxiproxy.Proxy) func() {
		toxic(t, p, "bandwidth", "downstream", 1, toxiproxy.Attributes{"rate": 256})
		return nil
	},
	check: func(t *testing.T, r *scenarioRun) {
		assert.Equal(t, r.out.calls, r.out.successes, "slow is not failed")
		assert.GreaterOrEqual(t, r.out.p99(), 100*time.Millisecond, "the bandwidth limit was in force")
	},
}, {
	// The upstream server goes down (the proxy's dials are refused) and comes back.
	name: "down", calls: 60,
	cfg: clientConfig{attemptTimeout: 500 * time.Millisecond, deadline: time.Second, openFor: 300 * time.Millisecond, tripAfter: 5, kb: 1},
	fault: func(t *testing.T, _ *toxiproxy.Proxy) func() {
		origin.down()
		return func() { require.NoError(t, origin.up()) }
	},
	check: checkBreakerCycle,
}}

// hookLag is how much later than its change a hook may hear of it. A change is delivered by
// whichever goroutine calls into the breaker next, after the change (breaker.OnStateChange): the
// trip may reach the hook late, if the goroutine delivering it is descheduled on this busy
// 2-core machine, and the half-open change at once, which shortens the open period as the hooks
// measure it.
const hookLag = 50 * time.Millisecond

// checkBreakerCycle checks that the breaker opened, stayed open for its open duration, and
// closed again once the fault was lifted.
func checkBreakerCycle(t *testing.T, r *scenarioRun) {
	require.NotEmpty(t, r.changes, "the breaker never changed state")
	var opened time.Time
	var halfOpened, closedAgain bool
	for _, c := range r.changes {
		switch {
		case c.to == breaker.Open:
			opened = c.at
		case c.from == breaker.Open && c.to == breaker.HalfOpen:
			assert.GreaterOrEqual(t, c.at.Sub(opened), r.cfg.openFor-hookLag, "half-open before the open duration passed")
			halfOpened = true
		case c.from == breaker.HalfOpen && c.to == breaker.Closed:
			closedAgain = true
		}
	}
	assert.False(t, opened.IsZero(), "the breaker opened")
	assert.True(t, halfOpened, "the breaker half-opened")
	assert.True(t, closedAgain, "the breaker closed again")
	assert.Equal(t, breaker.Closed, r.changes[len(r.changes)-1].to, "the breaker ends closed")
	assert.Equal(t, r.healed.calls, r.healed.successes, "every call succeeds once the breaker closed again")
}

func TestFaults(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { runScenario(t, sc) })
	}
}

// stateOf returns the breaker's state as its hook last told it.
func (c *client) stateOf() breaker.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.changes) == 0 {
		return breaker.Closed
	}
	return c.changes[len(c.changes)-1].to
}

// proxyURL is the address recur's client calls.
func proxyURL(p *toxiproxy.Proxy) string {
	return "http://" + strings.Replace(p.Listen, "[::]", "127.0.0.1", 1)
}

// idleClose closes the idle connections of the toxiproxy API client, so that they are not
// counted as goroutines left behind by a scenario.
func idleClose() { http.DefaultTransport.(*http.Transport).CloseIdleConnections() }
