package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// clientConfig is how a scenario's client is set up.
type clientConfig struct {
	attemptTimeout time.Duration // httpretry.AttemptTimeout
	deadline       time.Duration // each call's context
	openFor        time.Duration // the breaker's open duration
	tripAfter      int           // consecutive failures that open the breaker
	fresh          bool          // a new connection for every attempt, so that a per-connection fault hits every attempt alike
	kb             int           // response size
}

const (
	budgetRatio  = 0.3 // retries: 30% of the calls,
	budgetPerSec = 5.0 // plus five a second,
	budgetBurst  = 100 // at most this many at once, and at start-up
	maxAttempts  = 3
	concurrency  = 16
	// deadlineSlack is how late a call may return after its deadline on this busy 2-core
	// machine; the engine settles a call at once when its context ends, so it measures the
	// scheduling delay of the goroutines involved, not a retry that overran.
	deadlineSlack = 250 * time.Millisecond
)

// client is recur in front of the proxy: an engine with a breaker and a budget, and an
// httpretry transport on it whose base transport counts its connections.
type client struct {
	cfg    clientConfig
	e      *engine.Engine
	tr     *httpretry.Transport
	http   *http.Client
	conns  atomic.Int64 // connections open to the proxy
	failed atomic.Int64 // attempts that failed: the faults the client met
	start  time.Time

	mu      sync.Mutex // guards changes
	changes []change
}

// change is a breaker transition and when the hook heard of it.
type change struct {
	at       time.Time
	from, to breaker.State
}

func newClient(cfg clientConfig) (*client, error) {
	c := &client{cfg: cfg, start: time.Now()}
	budget, err := engine.NewBudget(budgetRatio, budgetPerSec, budgetBurst)
	if err != nil {
		return nil, err
	}
	c.e, err = engine.New(engine.WithMaxConcurrency(concurrency), engine.WithBudget(budget),
		engine.WithBreaker(breaker.ConsecutiveFailures(cfg.tripAfter), breaker.OpenFor(cfg.openFor), breaker.HalfOpenProbes(2)),
		engine.WithHooks(engine.Hooks{
			OnAttemptEnd: func(a engine.AttemptEnd) {
				if a.Err != nil {
					c.failed.Add(1)
				}
			},
			OnBreakerChange: func(b engine.BreakerChange) {
				c.mu.Lock()
				defer c.mu.Unlock()
				c.changes = append(c.changes, change{time.Now(), b.From, b.To})
			},
		}),
		engine.Defaults(engine.MaxAttempts(maxAttempts), engine.MaxDelay(200*time.Millisecond),
			engine.Backoff(backoff.FullJitter(backoff.Exponential(10*time.Millisecond, 2)))))
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: time.Second}
	base := &http.Transport{
		MaxIdleConnsPerHost: concurrency,
		DisableKeepAlives:   cfg.fresh,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			c.conns.Add(1)
			return &countedConn{Conn: conn, open: &c.conns}, nil
		},
	}
	c.tr, err = httpretry.New(c.e, httpretry.Base(base), httpretry.AttemptTimeout(cfg.attemptTimeout))
	if err != nil {
		return nil, err
	}
	c.http = &http.Client{Transport: c.tr}
	return c, nil
}

// countedConn gives its connection back to the count once, when it is closed.
type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// close closes the idle connections and the engine.
func (c *client) close() error {
	c.tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.e.Close(ctx)
}

// outcomes are the calls of a scenario, as their callers saw them.
type outcomes struct {
	mu        sync.Mutex
	calls     int
	successes int
	failures  map[string]int
	latencies []time.Duration
	overruns  []time.Duration // how far calls returned after their deadline, beyond the slack
}

// load makes n GET calls from concurrency goroutines, each with its own deadline, and reads
// every body to the end.
func (c *client) load(url string, n int, out *outcomes) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				c.call(url, out)
			}
		})
	}
	wg.Wait()
}

func (c *client) call(url string, out *outcomes) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.deadline)
	defer cancel()
	start := time.Now()
	failure := ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/item?kb=%d", url, c.cfg.kb), nil)
	if err != nil {
		panic(err)
	}
	resp, err := c.http.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			failure = "body " + errKind(err)
		case resp.StatusCode != http.StatusOK:
			failure = fmt.Sprintf("status %d", resp.StatusCode)
		}
	} else {
		failure = failureOf(err)
	}
	elapsed := time.Since(start)
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.failures == nil {
		out.failures = make(map[string]int)
	}
	out.calls++
	out.latencies = append(out.latencies, elapsed)
	if over := elapsed - c.cfg.deadline - deadlineSlack; over > 0 {
		out.overruns = append(out.overruns, over)
	}
	if failure == "" {
		out.successes++
	} else {
		out.failures[failure]++
	}
}

// failureOf names why a call failed: the engine's reason and the kind of the last error.
func failureOf(err error) string {
	re, ok := errors.AsType[*engine.RetryError](err)
	switch {
	case !ok:
		return errKind(err)
	case re.Last == nil:
		return re.Reason.String()
	}
	return re.Reason.String() + "/" + errKind(re.Last)
}

// errKind names the kind of a network error.
func errKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, engine.ErrAttemptTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var se *httpretry.StatusError
	if errors.As(err, &se) {
		return fmt.Sprintf("status %d", se.Response.StatusCode)
	}
	return "other"
}

// p99 returns the 99th percentile of the latencies.
func (o *outcomes) p99() time.Duration {
	if len(o.latencies) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), o.latencies...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)*99+99)/100-1]
}

// failureList is the failures by reason, most frequent first.
func (o *outcomes) failureList() string {
	var parts []string
	for k, v := range o.failures {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}
