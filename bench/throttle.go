package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
	"github.com/recur-go/recur/internal/limitserver"
)

// The throttle scenario's metrics.
const (
	SuccessPct      = "success-%"     // calls answered 200 within their attempts, in percent
	RequestsPerCall = "requests/call" // requests the server got, per call; the minimum is 1
	GoodputPct      = "goodput-%"     // requests the server admitted per second of the run, in percent of its limit
)

// The throttle scenario's server burst and the attempts each call may make (issue 13).
const (
	ThrottleBurst    = 20
	ThrottleAttempts = 10
)

// The throttle scenario's other contenders: recur with first attempts paced too, and the HTTP
// retry clients of failsafe-go and hashicorp.
const (
	RecurPaceAll  = "recur-pace-all"
	FailsafeHTTP  = "failsafehttp"
	RetryableHTTP = "go-retryablehttp"
)

// Throttle is the throttle scenario: calls GETs at once, each allowed attempts attempts,
// against a server on 127.0.0.1 that admits rate requests a second (a token bucket with a burst
// of burst) and answers the rest 429 with Retry-After (1s, its granularity): success-%,
// requests/call, goodput-%, ns/batch (the wall time) and peak-goroutines. Every contender is an
// HTTP client on its library's defaults but for the attempts: recur's httpretry on engine
// defaults (retries paced), recur-pace-all (WithPacing(PaceAll)), failsafehttp's retry policy
// (which honours Retry-After), go-retryablehttp (likewise) and naive, a loop that sleeps the
// hint. Each caller is a goroutine of its own, as requests to a server are.
func Throttle(rounds, calls, attempts int, rate float64, burst int) Scenario {
	s := Scenario{Name: fmt.Sprintf("throttle/n=%d/limit=%v/attempts=%d", calls, rate, attempts), Rounds: rounds}
	for _, c := range []struct {
		name string
		new  func(attempts int) (throttleClient, error)
	}{
		{Recur, newRecurHTTP(engine.PaceRetries)},
		{RecurPaceAll, newRecurHTTP(engine.PaceAll)},
		{FailsafeHTTP, newFailsafeHTTP},
		{RetryableHTTP, newRetryableHTTP},
		{Naive, newNaiveHTTP},
	} {
		s.Entries = append(s.Entries, Entry{Contender: c.name, run: func() ([]Measurement, error) {
			return runThrottle(c.new, calls, attempts, rate, burst)
		}})
	}
	return s
}

// throttleClient sends one GET with its retries and says whether it ended with a 200.
type throttleClient interface {
	get(url string) (bool, error)
	close() error
}

func runThrottle(newClient func(int) (throttleClient, error), calls, attempts int, rate float64, burst int) ([]Measurement, error) {
	before := newReader().read()
	l := limitserver.New(rate, burst)
	srv := httptest.NewUnstartedServer(l)
	// Keep-alive connections idle for 10s are closed, as servers close them (nginx after 75s,
	// load balancers after 60s), sooner so that one contender's do not linger into the next run.
	srv.Config.IdleTimeout = 10 * time.Second
	srv.Start()
	defer srv.Close()
	c, err := newClient(attempts)
	if err != nil {
		return nil, err
	}
	probe := startPeakProbe()
	var ok atomic.Int64
	errs := new(firstError)
	var wg sync.WaitGroup
	start := time.Now()
	for range calls {
		wg.Go(func() {
			good, err := c.get(srv.URL)
			errs.set(err)
			if good {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	peak := probe.Stop()
	if err := c.close(); err != nil {
		return nil, err
	}
	if err := errs.get(); err != nil {
		return nil, err
	}
	requests, admitted, _ := l.Counts()
	return []Measurement{
		{SuccessPct, 100 * float64(ok.Load()) / float64(calls)},
		{RequestsPerCall, float64(requests) / float64(calls)},
		{GoodputPct, 100 * float64(admitted) / wall.Seconds() / rate},
		{NsPerBatch, float64(wall.Nanoseconds())},
		{PeakGoroutines, float64(peak.goroutines) - float64(before.goroutines) - 1},
	}, nil
}

// answered reads and closes resp and says whether it was a 200; a 429 left after the last
// attempt is the server's answer, not an error.
func answered(resp *http.Response, err error) (bool, error) {
	if err != nil {
		return false, nil // retries exhausted, as the peers report it
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// recurHTTP is httpretry on an engine with default options, the attempts aside.
type recurHTTP struct {
	e *engine.Engine
	c *http.Client
}

func newRecurHTTP(mode engine.PacingMode) func(int) (throttleClient, error) {
	return func(attempts int) (throttleClient, error) {
		e, err := engine.New(engine.WithPacing(mode))
		if err != nil {
			return nil, err
		}
		c, err := httpretry.NewClient(e, httpretry.CallOptions(engine.MaxAttempts(attempts)))
		if err != nil {
			return nil, err
		}
		return &recurHTTP{e, c}, nil
	}
}

func (r *recurHTTP) get(url string) (bool, error) { return answered(r.c.Get(url)) }

func (r *recurHTTP) close() error {
	r.c.CloseIdleConnections()
	return r.e.Close(context.Background())
}

// transportClient is a peer's *http.Client and the transport whose idle connections it leaves.
type transportClient struct {
	c    *http.Client
	base *http.Transport
}

func (t *transportClient) get(url string) (bool, error) { return answered(t.c.Get(url)) }

func (t *transportClient) close() error {
	t.base.CloseIdleConnections()
	return nil
}

// newFailsafeHTTP: failsafehttp's retry policy (429 and 5xx, Retry-After as the delay) over a
// transport like http.DefaultTransport.
func newFailsafeHTTP(attempts int) (throttleClient, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	// failsafehttp (v0.9.8) never closes the body of a response it retries: each retry would pin
	// a connection (and its goroutines) for good, and 3,000 calls would exhaust this process's
	// descriptors within seconds. A user must close them, as here, in OnRetry.
	policy := failsafehttp.NewRetryPolicyBuilder().WithMaxAttempts(attempts).
		OnRetry(func(e failsafe.ExecutionEvent[*http.Response]) {
			if r := e.LastResult(); r != nil {
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
			}
		}).Build()
	return &transportClient{c: &http.Client{Transport: failsafehttp.NewRoundTripper(base, policy)}, base: base}, nil
}

// newRetryableHTTP: go-retryablehttp's client (its DefaultBackoff honours Retry-After on 429
// and 503) over its own pooled transport.
func newRetryableHTTP(attempts int) (throttleClient, error) {
	c := retryablehttp.NewClient()
	c.RetryMax = attempts - 1
	c.Logger = nil
	base, ok := c.HTTPClient.Transport.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("go-retryablehttp: unexpected transport %T", c.HTTPClient.Transport)
	}
	return &transportClient{c: c.StandardClient(), base: base}, nil
}

// naiveHTTP tries up to attempts times, sleeping the Retry-After of each 429, on a transport
// like http.DefaultTransport.
type naiveHTTP struct {
	transportClient
	attempts int
}

func newNaiveHTTP(attempts int) (throttleClient, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	return &naiveHTTP{transportClient{c: &http.Client{Transport: base}, base: base}, attempts}, nil
}

func (n *naiveHTTP) get(url string) (bool, error) {
	for range n.attempts {
		resp, err := n.c.Get(url)
		if err != nil {
			return false, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp.StatusCode == http.StatusOK, nil
		}
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		time.Sleep(time.Duration(max(secs, 1)) * time.Second)
	}
	return false, nil
}
