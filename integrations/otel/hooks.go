package recurotel

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/recur-go/recur/engine"
)

// Hooks returns hooks that record an engine's calls: metrics through mp and spans through tp
// (see the package doc). Either may be nil, to record only the other. Give them to the engine
// with engine.WithHooks. The error is the meter's, if it cannot make an instrument.
func Hooks(mp metric.MeterProvider, tp trace.TracerProvider, opts ...Option) (engine.Hooks, error) {
	cfg := newConfig(opts)
	var hs []engine.Hooks
	if mp != nil {
		m, err := newMetrics(mp, cfg)
		if err != nil {
			return engine.Hooks{}, err
		}
		hs = append(hs, m.hooks())
	}
	if tp != nil {
		hs = append(hs, newSpans(tp, cfg).hooks())
	}
	return merge(hs...), nil
}

// merge returns hooks that call each of hs's in turn, or hs's only one as it is.
func merge(hs ...engine.Hooks) engine.Hooks {
	switch len(hs) {
	case 0:
		return engine.Hooks{}
	case 1:
		return hs[0]
	}
	a, b := hs[0], hs[1]
	return engine.Hooks{
		OnAttemptStart:  both(a.OnAttemptStart, b.OnAttemptStart),
		OnAttemptEnd:    both(a.OnAttemptEnd, b.OnAttemptEnd),
		OnRetry:         both(a.OnRetry, b.OnRetry),
		OnSettled:       both(a.OnSettled, b.OnSettled),
		OnBreakerChange: both(a.OnBreakerChange, b.OnBreakerChange),
	}
}

// both returns a function calling f then g, skipping a nil one, so that an event nobody
// listens to stays a nil hook, which the engine does not call at all.
func both[E any](f, g func(E)) func(E) {
	switch {
	case f == nil:
		return g
	case g == nil:
		return f
	}
	return func(e E) { f(e); g(e) }
}
