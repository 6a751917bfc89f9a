package recurprom

import (
	"maps"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/internal/outcomes"
)

// Hooks returns the hooks that feed the Collector's histograms and transition counts. Give them
// to the engine that Observe is given (engine.WithHooks). After a key's first call they
// allocate nothing.
func (c *Collector) Hooks() engine.Hooks {
	return engine.Hooks{
		OnAttemptEnd: func(a engine.AttemptEnd) {
			k := c.keyed(a.Key)
			h := k.attemptOK
			if a.Err != nil {
				h = k.attemptErr
			}
			h.Observe(a.Duration.Seconds())
		},
		OnRetry: func(r engine.RetryScheduled) {
			c.keyed(r.Key).delay.Observe(r.Delay.Seconds())
		},
		OnSettled: func(s engine.Settled) {
			c.keyed(s.Key).call(c, outcomes.Of(s)).Observe(s.End.Sub(s.Start).Seconds())
		},
		OnBreakerChange: func(b engine.BreakerChange) {
			c.transitions.WithLabelValues(b.Key, b.From.String(), b.To.String()).Inc()
		},
	}
}

// keyed is a key's histograms, resolved from the vectors once: WithLabelValues hashes the
// labels and takes a lock on every call, which a hook on every attempt should not.
type keyed struct {
	key                   string
	attemptOK, attemptErr prometheus.Observer
	delay                 prometheus.Observer
	// calls are made on a call's first settlement with each outcome, so that a key exports
	// the series of the outcomes it has seen, not eight histograms from its first call.
	calls [outcomes.Count]atomic.Pointer[observer]
}

type observer struct{ prometheus.Observer }

// keyed returns key's histograms, made on its first use.
func (c *Collector) keyed(key string) *keyed {
	if k, ok := (*c.byKey.Load())[key]; ok {
		return k
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := *c.byKey.Load()
	if k, ok := m[key]; ok {
		return k
	}
	k := &keyed{
		key:        key,
		attemptOK:  c.attemptDur.WithLabelValues(key, "ok"),
		attemptErr: c.attemptDur.WithLabelValues(key, "error"),
		delay:      c.retryDelay.WithLabelValues(key),
	}
	// Copy on write: keys are few and come early, lookups are on every event.
	next := maps.Clone(m)
	next[key] = k
	c.byKey.Store(&next)
	return k
}

// call returns the call duration histogram of outcome o.
func (k *keyed) call(c *Collector, o int) prometheus.Observer {
	if h := k.calls[o].Load(); h != nil {
		return h.Observer
	}
	// Two hooks may resolve it at once; WithLabelValues gives both the same histogram.
	h := &observer{c.callDur.WithLabelValues(k.key, outcomes.Names[o])}
	k.calls[o].Store(h)
	return h.Observer
}
