package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// results is what the callers saw.
type results struct {
	latency  []time.Duration // per call, from the caller's first line to the body read
	ok       atomic.Int64    // calls answered 200
	finished atomic.Int64
	wall     time.Duration
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer, live bool) (err error) {
	srv, err := startServer(cfg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, srv.Close(context.Background())) }()

	col := newCollector()
	e, err := engine.New(
		engine.WithName("fanout"),
		// The pool is the engine's default: it grows to the requests in flight. What bounds them
		// is the server's key: at most perHost at once, the rest wait in its queue, holding no
		// goroutine (10,000 connections at once would also exhaust this machine's descriptors).
		engine.WithBulkhead(cfg.perHost, cfg.calls),
		// Trips when 40% of the outcomes of the last 300ms fail: not at the default fault rates
		// (17%, though they come in bursts when the CPU is busy), but soon in an outage. Half-open,
		// it lets 32 probes through, and the first success closes it.
		engine.WithBreaker(breaker.FailureRatioOver(0.4, 300*time.Millisecond, 10, 100),
			breaker.OpenFor(200*time.Millisecond), breaker.HalfOpenProbes(32), breaker.CloseAfter(1)),
		engine.WithHooks(col.hooks()),
		engine.Defaults(engine.MaxAttempts(cfg.attempts), engine.MaxDelay(2*time.Second),
			engine.Backoff(backoff.FullJitter(backoff.Exponential(50*time.Millisecond, 2)))),
	)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, e.Close(context.Background())) }()
	base := &http.Transport{MaxIdleConnsPerHost: cfg.perHost, IdleConnTimeout: 30 * time.Second}
	defer base.CloseIdleConnections()
	// Retries that find the breaker open wait until it lets a probe through, rather than fail.
	client, err := httpretry.NewClient(e, httpretry.Base(base), httpretry.AttemptTimeout(5*time.Second),
		httpretry.CallOptions(engine.OnBreakerOpen(engine.WaitForHalfOpen)))
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "recur fanout: %d concurrent calls through httpretry on one engine (default pool, %d per host), server %s\n",
		cfg.calls, cfg.perHost, srv.url)
	fmt.Fprintf(stdout, "  faults: %.0f%% 503, %.0f%% 429 (Retry-After %ds), %.0f%% connection resets, latency ~%v, outage %v at %v, limit %.0f/s for %v at %v\n\n",
		100*cfg.fail, 100*cfg.throttle, cfg.retryAfter, 100*cfg.reset, cfg.latency, cfg.outage, cfg.outageAt, cfg.limit, cfg.limitFor, cfg.limitAt)

	res := &results{latency: make([]time.Duration, cfg.calls)}
	mon := startMonitor(e, cfg.calls, &res.finished, stderr, live)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range cfg.calls {
		wg.Go(func() {
			begin := time.Now()
			if fetch(ctx, client, cfg.timeout, fmt.Sprintf("%s?call=%d", srv.url, i), col) {
				res.ok.Add(1)
			}
			res.latency[i] = time.Since(begin)
			res.finished.Add(1)
		})
	}
	wg.Wait()
	res.wall = time.Since(start)
	mon.Stop()
	if err := ctx.Err(); err != nil {
		return err
	}
	report(stdout, cfg, srv, e, col, mon, res)
	return nil
}

// fetch makes one call and reads its answer, reporting whether it was a 200. Calls the engine
// did not admit never reach its hooks, so they are counted here.
func fetch(ctx context.Context, client *http.Client, timeout time.Duration, url string, col *collector) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err == nil {
		var resp *http.Response
		if resp, err = client.Do(req); err == nil {
			defer resp.Body.Close()
			_, err = io.Copy(io.Discard, resp.Body)
			return err == nil && resp.StatusCode == http.StatusOK
		}
	}
	// Submit's refusals (the call's context ending, the breaker) come as they are; every
	// admitted call fails with a *RetryError.
	if !errors.As(err, new(*engine.RetryError)) {
		col.refused(err)
	}
	return false
}
