// Command fanout is recur's main demo: it starts a flaky HTTP server on 127.0.0.1, fans out
// thousands of concurrent calls to it through httpretry on one engine, shows live progress, and
// ends with a summary of what the retries, the breaker and the runtime did.
//
//	go run ./examples/fanout
//	go run ./examples/fanout -h
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// config is the demo's flags.
type config struct {
	calls, perHost, attempts int
	fail, throttle, reset    float64 // shares of requests the server answers 503, 429, or resets
	retryAfter               int     // seconds, sent with every 429
	latency                  time.Duration
	outageAt, outage         time.Duration // all requests fail with 503 in [outageAt, outageAt+outage)
	limit                    float64       // requests a second admitted in [limitAt, limitAt+limitFor)
	limitAt, limitFor        time.Duration
	timeout                  time.Duration // per call
	seed                     uint64
}

func defaults() config {
	return config{calls: 10000, perHost: 128, attempts: 4, fail: 0.1, throttle: 0.05, reset: 0.02,
		retryAfter: 1, latency: 2 * time.Millisecond, outageAt: 500 * time.Millisecond, outage: 200 * time.Millisecond,
		limit: 1000, limitAt: 1200 * time.Millisecond, limitFor: 1500 * time.Millisecond,
		timeout: 10 * time.Second, seed: 1}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	c := defaults()
	fs := flag.NewFlagSet("fanout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `fanout starts a flaky HTTP server on 127.0.0.1 (a random port) and sends it -calls concurrent
GET requests through an httpretry client on one recur engine, on its default (elastic) pool,
with at most -per-host requests in flight to the server (a bulkhead of its key). The server
answers a share of requests with 503, some with 429 and a Retry-After, resets some connections,
adds latency, goes down entirely for a moment, and then for a while admits only -limit requests
a second (429 and Retry-After for the rest), which the engine's pacer learns. A progress line is shown on stderr, then a
summary on stdout.

Usage: go run ./examples/fanout [flags]

`)
		fs.PrintDefaults()
	}
	fs.IntVar(&c.calls, "calls", c.calls, "number of concurrent calls")
	fs.IntVar(&c.perHost, "per-host", c.perHost, "requests in flight to the server at once (the host's bulkhead); the rest wait in its queue")
	fs.IntVar(&c.attempts, "attempts", c.attempts, "attempts per call, the first included")
	fs.Float64Var(&c.fail, "fail", c.fail, "share of requests answered 503 Service Unavailable")
	fs.Float64Var(&c.throttle, "throttle", c.throttle, "share of requests answered 429 Too Many Requests")
	fs.Float64Var(&c.reset, "reset", c.reset, "share of requests whose connection is reset")
	fs.IntVar(&c.retryAfter, "retry-after", c.retryAfter, "Retry-After seconds sent with each 429")
	fs.DurationVar(&c.latency, "latency", c.latency, "mean latency the server adds (exponentially distributed)")
	fs.DurationVar(&c.outageAt, "outage-at", c.outageAt, "when the server's outage starts, after it starts")
	fs.DurationVar(&c.outage, "outage", c.outage, "how long the outage lasts (0: none)")
	fs.Float64Var(&c.limit, "limit", c.limit, "requests a second the server admits in its rate limit phase (0: no phase)")
	fs.DurationVar(&c.limitAt, "limit-at", c.limitAt, "when the rate limit phase starts, after the server starts")
	fs.DurationVar(&c.limitFor, "limit-for", c.limitFor, "how long the rate limit phase lasts")
	fs.DurationVar(&c.timeout, "timeout", c.timeout, "deadline of each call, retries included")
	fs.Uint64Var(&c.seed, "seed", c.seed, "seed of the server's random choices")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.validate()
}

func (c config) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"fail", c.fail}, {"throttle", c.throttle}, {"reset", c.reset}} {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("-%s %v: must be a share between 0 and 1", f.name, f.v)
		}
	}
	switch {
	case c.fail+c.throttle+c.reset > 1:
		return fmt.Errorf("-fail %v + -throttle %v + -reset %v: must not add up to more than 1", c.fail, c.throttle, c.reset)
	case c.calls < 1:
		return fmt.Errorf("-calls %d: must be at least 1", c.calls)
	case c.perHost < 1:
		return fmt.Errorf("-per-host %d: must be at least 1", c.perHost)
	case c.attempts < 1:
		return fmt.Errorf("-attempts %d: must be at least 1", c.attempts)
	case c.retryAfter < 0:
		return fmt.Errorf("-retry-after %d: must not be negative", c.retryAfter)
	case !(c.limit >= 0) || c.limitAt < 0 || c.limitFor < 0:
		return fmt.Errorf("-limit %v, -limit-at %v, -limit-for %v: must not be negative", c.limit, c.limitAt, c.limitFor)
	case c.latency < 0, c.outageAt < 0, c.outage < 0:
		return fmt.Errorf("-latency %v, -outage-at %v, -outage %v: must not be negative", c.latency, c.outageAt, c.outage)
	case c.timeout <= 0:
		return fmt.Errorf("-timeout %v: must be positive", c.timeout)
	}
	return nil
}

func main() {
	c, err := parseFlags(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c, os.Stdout, os.Stderr, isTerminal(os.Stderr)); err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(1)
	}
}

// isTerminal reports whether f is a terminal, where the progress line can redraw itself.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
