package recurprom

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/internal/outcomes"
)

// Collector exports an engine's metrics (see the package doc for the list). It is safe for
// concurrent use: scrapes and hooks may run at once.
type Collector struct {
	engine atomic.Pointer[engine.Engine]

	// Read from the engine at each scrape.
	calls, settled, attempts, retries                         *prometheus.Desc
	rejected, late, breakerRefusals, budgetDenials, fallbacks *prometheus.Desc
	pending, running, waiting, queued, slots, workers         *prometheus.Desc
	keys                                                      *prometheus.Desc
	keyCalls, keySettled, keyAttempts, keyRetries             *prometheus.Desc
	breakerState                                              *prometheus.Desc

	// Fed by the hooks.
	transitions *prometheus.CounterVec
	attemptDur  *prometheus.HistogramVec
	callDur     *prometheus.HistogramVec
	retryDelay  *prometheus.HistogramVec

	// byKey holds each key's histograms, looked up once: a copy-on-write map, so that a hook
	// finds them with one atomic load and no lock (see keyed).
	byKey atomic.Pointer[map[string]*keyed]
	mu    sync.Mutex // serializes writers of byKey
}

// New returns a Collector. Give its Hooks to the engine (engine.WithHooks) and the engine to
// Observe, then register it.
func New(opts ...Option) *Collector {
	cfg := newConfig(opts)
	ns := cfg.namespace
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, "", name), help, labels, nil)
	}
	c := &Collector{
		calls:           desc("calls_total", "Calls accepted by the engine."),
		settled:         desc("calls_settled_total", "Calls settled, by outcome: success or why they failed.", "outcome"),
		attempts:        desc("attempts_total", "Attempts started."),
		retries:         desc("retries_total", "Retries scheduled."),
		rejected:        desc("rejected_total", "Submissions refused: queue or bulkhead full, engine closed, breaker open."),
		late:            desc("late_results_total", "Results of abandoned attempts, discarded."),
		breakerRefusals: desc("breaker_refusals_total", "Calls failed or refused because a breaker was open."),
		budgetDenials:   desc("budget_denials_total", "Retries denied by the retry budget."),
		fallbacks:       desc("fallbacks_total", "Calls whose Fallback gave a result (failed ones are counted as failed too)."),
		pending:         desc("calls_pending", "Calls accepted and not settled yet."),
		running:         desc("attempts_running", "Attempts running now."),
		waiting:         desc("retries_waiting", "Retries waiting for their delay."),
		queued:          desc("queue_length", "Attempts waiting in the work queue for a worker."),
		slots:           desc("slot_waiting", "Attempts waiting for a slot of their key's bulkhead."),
		workers:         desc("workers", "Worker goroutines alive, busy or idle.", "state"),
		keys:            desc("keys", "Keys whose state the engine holds."),
		keyCalls:        desc("key_calls_total", "Calls accepted, per key (engine.WithKeyStats).", "key"),
		keySettled:      desc("key_calls_settled_total", "Calls settled, per key and outcome (engine.WithKeyStats).", "key", "outcome"),
		keyAttempts:     desc("key_attempts_total", "Attempts started, per key (engine.WithKeyStats).", "key"),
		keyRetries:      desc("key_retries_total", "Retries scheduled, per key (engine.WithKeyStats).", "key"),
		breakerState:    desc("breaker_state", "1 for the current state of each key's breaker, 0 for the others.", "key", "state"),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "breaker_transitions_total",
			Help: "Breaker state transitions, per key."}, []string{"key", "from", "to"}),
		attemptDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "attempt_duration_seconds",
			Help: "How long attempts ran, per key and result (ok or error).", Buckets: cfg.attemptBounds}, []string{"key", "result"}),
		callDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "call_duration_seconds",
			Help: "How long calls took from submission to settlement, retries included, per key and outcome.", Buckets: cfg.callBounds},
			[]string{"key", "outcome"}),
		retryDelay: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "retry_delay_seconds",
			Help: "Delays of the retries scheduled, per key.", Buckets: cfg.delayBounds}, []string{"key"}),
	}
	c.byKey.Store(&map[string]*keyed{})
	return c
}

// Observe sets the engine whose counters and gauges the Collector reads at each scrape,
// replacing any earlier one. Until it is called, a scrape shows only what the hooks fed.
func (c *Collector) Observe(e *engine.Engine) { c.engine.Store(e) }

// Describe sends the descriptors of every metric the Collector may export.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.calls, c.settled, c.attempts, c.retries, c.rejected, c.late,
		c.breakerRefusals, c.budgetDenials, c.fallbacks, c.pending, c.running, c.waiting, c.queued, c.slots, c.workers, c.keys,
		c.keyCalls, c.keySettled, c.keyAttempts, c.keyRetries, c.breakerState} {
		ch <- d
	}
	c.transitions.Describe(ch)
	c.attemptDur.Describe(ch)
	c.callDur.Describe(ch)
	c.retryDelay.Describe(ch)
}

// Collect sends the current values: the engine's, read now, and the hooks'.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if e := c.engine.Load(); e != nil {
		c.collectEngine(ch, e)
	}
	c.transitions.Collect(ch)
	c.attemptDur.Collect(ch)
	c.callDur.Collect(ch)
	c.retryDelay.Collect(ch)
}

func (c *Collector) collectEngine(ch chan<- prometheus.Metric, e *engine.Engine) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	s := e.Stats()
	counter(c.calls, s.Submitted)
	counter(c.settled, s.Succeeded, outcomes.Names[outcomes.Success])
	for r, n := range s.FailedBy {
		counter(c.settled, n, outcomes.Names[r])
	}
	counter(c.attempts, s.Attempts)
	counter(c.retries, s.Retries)
	counter(c.rejected, s.Rejected)
	counter(c.late, s.Late)
	counter(c.breakerRefusals, s.Breaker)
	counter(c.budgetDenials, s.Budget)
	counter(c.fallbacks, s.FellBack)
	gauge(c.pending, float64(s.Pending))
	gauge(c.running, float64(s.Running))
	gauge(c.waiting, float64(s.Waiting))
	gauge(c.queued, float64(s.Queued))
	gauge(c.slots, float64(s.SlotWaiting))
	gauge(c.workers, float64(s.Workers-s.IdleWorkers), "busy")
	gauge(c.workers, float64(s.IdleWorkers), "idle")
	gauge(c.keys, float64(s.Keys))

	breakers := e.Breaker() != nil // an engine has breakers for every key or for none
	for _, k := range e.AllKeyStats() {
		if breakers {
			for _, st := range states {
				v := 0.0
				if k.Breaker.State == st {
					v = 1
				}
				gauge(c.breakerState, v, k.Key, st.String())
			}
		}
		n := k.Counts
		if n.Submitted == 0 && n.Attempts == 0 {
			continue // counted by no one (no WithKeyStats), or not used since it came back
		}
		counter(c.keyCalls, n.Submitted, k.Key)
		counter(c.keySettled, n.Succeeded, k.Key, outcomes.Names[outcomes.Success])
		for r, v := range n.FailedBy {
			counter(c.keySettled, v, k.Key, outcomes.Names[r])
		}
		counter(c.keyAttempts, n.Attempts, k.Key)
		counter(c.keyRetries, n.Retries, k.Key)
	}
}

// states are the breaker states a breaker_state series is exported for.
var states = []breaker.State{breaker.Closed, breaker.HalfOpen, breaker.Open, breaker.ForcedOpen, breaker.Disabled}
