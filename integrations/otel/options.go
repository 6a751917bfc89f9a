package recurotel

// Option configures Hooks.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	bounds       []float64
	attemptSpans bool
}

// defaultBounds span a millisecond to a minute: attempts of network calls and calls that retry
// with the engine's default backoff (1s, 2s, 4s ... capped at 60s). OpenTelemetry's default
// bounds are in milliseconds-as-seconds and would put every call in one bucket.
var defaultBounds = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func newConfig(opts []Option) config {
	c := config{bounds: defaultBounds}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// Buckets sets the bucket bounds, in seconds, that the duration and delay histograms advise
// (a View in the SDK overrides advice).
func Buckets(bounds ...float64) Option {
	return optionFunc(func(c *config) { c.bounds = bounds })
}

// AttemptSpans makes each attempt a child span of its call's span, besides its event.
func AttemptSpans() Option {
	return optionFunc(func(c *config) { c.attemptSpans = true })
}

// scope is the instrumentation scope of the package's meters and tracers.
const scope = "github.com/recur-go/recur/integrations/otel"
