package recurprom

import "github.com/prometheus/client_golang/prometheus"

// Option configures a Collector.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	namespace     string
	attemptBounds []float64
	callBounds    []float64
	delayBounds   []float64
}

// defaultBuckets span a millisecond to a minute: attempts of network calls and calls that retry
// with the engine's default backoff (1s, 2s, 4s ... capped at 60s).
var defaultBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func newConfig(opts []Option) config {
	c := config{namespace: "recur", attemptBounds: defaultBuckets, callBounds: defaultBuckets, delayBounds: defaultBuckets}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// Namespace replaces "recur" as the first part of every metric's name.
func Namespace(ns string) Option {
	return optionFunc(func(c *config) { c.namespace = ns })
}

// AttemptBuckets sets the upper bounds, in seconds, of the attempt duration histogram's buckets
// (default: 1ms to 60s, as prometheus.DefBuckets but further).
func AttemptBuckets(bounds ...float64) Option {
	return optionFunc(func(c *config) { c.attemptBounds = bounds })
}

// CallBuckets sets the upper bounds, in seconds, of the call duration histogram's buckets.
func CallBuckets(bounds ...float64) Option {
	return optionFunc(func(c *config) { c.callBounds = bounds })
}

// DelayBuckets sets the upper bounds, in seconds, of the retry delay histogram's buckets.
func DelayBuckets(bounds ...float64) Option {
	return optionFunc(func(c *config) { c.delayBounds = bounds })
}

var _ prometheus.Collector = (*Collector)(nil)
