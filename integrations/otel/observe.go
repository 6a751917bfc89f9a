package recurotel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// ObserveEngine registers observable instruments that read e's gauges and refusal counts (see
// the package doc) each time mp's readers collect. Unregister the returned registration when e
// is closed. Errors are the meter's.
func ObserveEngine(e *engine.Engine, mp metric.MeterProvider) (metric.Registration, error) {
	if e == nil || mp == nil {
		return nil, errors.New("recurotel: ObserveEngine: engine or meter provider is nil")
	}
	m := mp.Meter(scope)
	var errs []error
	upDown := func(name, unit, desc string) metric.Int64ObservableUpDownCounter {
		c, err := m.Int64ObservableUpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	pending := upDown("recur.calls.pending", "{call}", "Calls accepted and not settled yet.")
	running := upDown("recur.attempts.running", "{attempt}", "Attempts running now.")
	waiting := upDown("recur.retries.waiting", "{retry}", "Retries waiting for their delay.")
	queued := upDown("recur.queue.length", "{attempt}", "Attempts waiting in the work queue for a worker.")
	slots := upDown("recur.bulkhead.waiting", "{attempt}", "Attempts waiting for a slot of their key's bulkhead.")
	workers := upDown("recur.workers", "{worker}", "Worker goroutines alive, busy or idle.")
	keys := upDown("recur.keys", "{key}", "Keys whose state the engine holds.")
	rejected := counter("recur.rejected", "{call}", "Submissions refused: queue or bulkhead full, engine closed, breaker open.")
	late := counter("recur.late_results", "{result}", "Results of abandoned attempts, discarded.")
	budget := counter("recur.budget.denials", "{retry}", "Retries denied by the retry budget.")
	fallbacks := counter("recur.fallbacks", "{call}", "Calls whose Fallback gave a result (failed ones are counted as failed too).")
	state, err := m.Int64ObservableGauge("recur.breaker.state", metric.WithUnit("{state}"),
		metric.WithDescription("1 for the current state of each key's breaker, 0 for the others."))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	busy := metric.WithAttributes(attribute.String("recur.worker.state", "busy"))
	idle := metric.WithAttributes(attribute.String("recur.worker.state", "idle"))
	return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := e.Stats()
		o.ObserveInt64(pending, int64(s.Pending))
		o.ObserveInt64(running, s.Running)
		o.ObserveInt64(waiting, int64(s.Waiting))
		o.ObserveInt64(queued, int64(s.Queued))
		o.ObserveInt64(slots, s.SlotWaiting)
		o.ObserveInt64(workers, int64(s.Workers-s.IdleWorkers), busy)
		o.ObserveInt64(workers, int64(s.IdleWorkers), idle)
		o.ObserveInt64(keys, int64(s.Keys))
		o.ObserveInt64(rejected, int64(s.Rejected))
		o.ObserveInt64(late, int64(s.Late))
		o.ObserveInt64(budget, int64(s.Budget))
		o.ObserveInt64(fallbacks, int64(s.FellBack))
		if e.Breaker() == nil {
			return nil // an engine has breakers for every key or for none
		}
		for _, k := range e.AllKeyStats() {
			for _, st := range states {
				v := int64(0)
				if k.Breaker.State == st {
					v = 1
				}
				o.ObserveInt64(state, v, metric.WithAttributes(keyAttr.String(k.Key), breakerStateAttr.String(st.String())))
			}
		}
		return nil
	}, pending, running, waiting, queued, slots, workers, keys, rejected, late, budget, fallbacks, state)
}

// states are the breaker states a recur.breaker.state point is recorded for.
var states = []breaker.State{breaker.Closed, breaker.HalfOpen, breaker.Open, breaker.ForcedOpen, breaker.Disabled}
