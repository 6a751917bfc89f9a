package recurotel

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/internal/outcomes"
)

// Attribute keys.
const (
	keyAttr          = attribute.Key("recur.key")
	outcomeAttr      = attribute.Key("recur.outcome")
	attemptRes       = attribute.Key("recur.attempt.result")
	breakerFromAttr  = attribute.Key("recur.breaker.from")
	breakerToAttr    = attribute.Key("recur.breaker.to")
	breakerStateAttr = attribute.Key("recur.breaker.state")
)

// metrics are the synchronous instruments the hooks record with.
type metrics struct {
	calls, attempts, retries, transitions metric.Int64Counter
	callDur, attemptDur, retryDelay       metric.Float64Histogram
	keys                                  keyCache
}

func newMetrics(mp metric.MeterProvider, cfg config) (*metrics, error) {
	m := mp.Meter(scope)
	var (
		x   metrics
		err error
	)
	counter := func(name, unit, desc string) metric.Int64Counter {
		if err != nil {
			return nil
		}
		var c metric.Int64Counter
		c, err = m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		return c
	}
	histogram := func(name, desc string) metric.Float64Histogram {
		if err != nil {
			return nil
		}
		var h metric.Float64Histogram
		h, err = m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(cfg.bounds...))
		return h
	}
	x.calls = counter("recur.calls", "{call}", "Calls settled, by outcome.")
	x.attempts = counter("recur.attempts", "{attempt}", "Attempts ended, by result.")
	x.retries = counter("recur.retries", "{retry}", "Retries scheduled.")
	x.transitions = counter("recur.breaker.transitions", "{transition}", "Breaker state transitions.")
	x.callDur = histogram("recur.call.duration", "How long calls took from submission to settlement, retries included.")
	x.attemptDur = histogram("recur.attempt.duration", "How long attempts ran.")
	x.retryDelay = histogram("recur.retry.delay", "Delays of the retries scheduled.")
	if err != nil {
		return nil, err
	}
	return &x, nil
}

func (m *metrics) hooks() engine.Hooks {
	return engine.Hooks{
		OnAttemptEnd: func(a engine.AttemptEnd) {
			k := m.keys.get(a.Key)
			set := k.attemptOK
			if a.Err != nil {
				set = k.attemptErr
			}
			m.attempts.Add(a.Ctx, 1, set.add...)
			m.attemptDur.Record(a.Ctx, a.Duration.Seconds(), set.record...)
		},
		OnRetry: func(r engine.RetryScheduled) {
			k := m.keys.get(r.Key)
			m.retries.Add(r.Ctx, 1, k.plain.add...)
			m.retryDelay.Record(r.Ctx, r.Delay.Seconds(), k.plain.record...)
		},
		OnSettled: func(s engine.Settled) {
			set := m.keys.get(s.Key).outcome(outcomes.Of(s))
			m.calls.Add(s.Ctx, 1, set.add...)
			m.callDur.Record(s.Ctx, s.End.Sub(s.Start).Seconds(), set.record...)
		},
		OnBreakerChange: func(b engine.BreakerChange) {
			// Rare: the attribute set is made each time.
			m.transitions.Add(bg, 1, metric.WithAttributes(keyAttr.String(b.Key),
				breakerFromAttr.String(b.From.String()), breakerToAttr.String(b.To.String())))
		},
	}
}
