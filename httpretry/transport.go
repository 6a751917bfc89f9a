package httpretry

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/recur-go/recur/engine"
)

// Transport is an http.RoundTripper that retries through an engine: each request is one call
// of the engine, each attempt one round trip on the base transport. It is safe for concurrent
// use. A request's first attempt runs on the goroutine that called RoundTrip, as engine.Do runs
// it, and its retries on the engine's workers, whose number grows with the retries due; the
// breaker and bulkhead of the request's key (see Key), the engine's budget, hooks, logger and
// stats see every request.
type Transport struct {
	engine             *engine.Engine
	base               http.RoundTripper
	statuses           statusSet
	retryNonIdempotent bool
	callOpts           []engine.CallOption // the caller's, then AttemptTimeout's
	key                func(*http.Request) string
}

// New returns a Transport that retries on e. e stays the caller's: the Transport neither closes
// it nor changes it. Errors name the option and the value at fault.
func New(e *engine.Engine, opts ...Option) (*Transport, error) {
	if e == nil {
		return nil, errors.New("httpretry: New: engine is nil")
	}
	c := config{key: HostKey}
	c.statuses = statusSetOf(DefaultRetryStatuses())
	for _, o := range opts {
		if o == nil {
			c.fail("nil Option")
			continue
		}
		o.apply(&c)
	}
	if c.err != nil {
		return nil, c.err
	}
	if c.base == nil {
		c.base = DefaultBase()
	}
	if err := engine.CheckCallOptions(c.callOpts...); err != nil {
		return nil, fmt.Errorf("httpretry: CallOptions: %w", err)
	}
	callOpts := c.callOpts[:len(c.callOpts):len(c.callOpts)]
	if c.attemptTimeout > 0 {
		callOpts = append(callOpts, engine.AttemptTimeout(c.attemptTimeout))
	}
	if c.maxRetryAfter > 0 {
		callOpts = append(callOpts, engine.MaxHint(c.maxRetryAfter))
	}
	return &Transport{
		engine:             e,
		base:               c.base,
		statuses:           c.statuses,
		retryNonIdempotent: c.retryNonIdempotent,
		callOpts:           callOpts,
		key:                c.key,
	}, nil
}

// NewClient returns an *http.Client whose Transport is New(e, opts...).
func NewClient(e *engine.Engine, opts ...Option) (*http.Client, error) {
	t, err := New(e, opts...)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: t}, nil
}

// onlyOnce are the last call options of a request that may not be retried: nor hedged.
var onlyOnce = []engine.CallOption{engine.MaxAttempts(1), engine.NoHedge()}

// RoundTrip sends req as one call of the engine and returns its response.
//
// A request is retried only if its body can be replayed (no body, or GetBody set) and it is
// idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or any request with an Idempotency-Key or
// X-Idempotency-Key header), unless RetryNonIdempotent says otherwise; other requests are sent
// once, still through the engine, and if that attempt fails in a way that would otherwise be
// retried, the call stops as permanent with an error that matches ErrNotRetryable. Attempts are retried on a retryable status and on transient
// network errors, after the server's Retry-After if it gave a usable one and after the call's
// backoff otherwise.
//
// When the call gives up on a retryable status (attempts exhausted, the next retry would miss
// the deadline, the server's Retry-After is longer than the call may wait, the budget or the
// breaker refused it), RoundTrip returns the last response, body intact, and a nil error. Otherwise the error is the engine's *engine.RetryError, which says how
// many attempts ran and why the call stopped and wraps the last attempt's error; or, if the
// call was never admitted, the engine's refusal (engine.ErrClosed, a breaker's error, ...).
//
// Each call is named "METHOD host" in the engine's hooks, logs and errors, and keyed by Key
// (HostKey by default); an engine.Name or engine.Key given through CallOptions replaces them.
// The breaker of the request's key judges each attempt by its own rules, apart from whether it
// is retried: network errors and 5xx statuses are failures, 429 is neither a failure nor a
// success, other statuses are successes (engine.BreakerClassifyResult[*http.Response] given
// through CallOptions replaces that).
//
// The request's context bounds the whole call, retries and waits included, and then the body of
// the response. As RoundTripper requires, req is not modified and its body is always closed.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errors.New("httpretry: request has no URL")
	}
	x := &exchange{t: t, req: req, once: t.whyOnce(req)}
	opts := make([]engine.CallOption, 0, len(t.callOpts)+5)
	opts = append(opts, engine.Name(req.Method+" "+req.URL.Host), engine.Key(t.key(req)), health)
	opts = append(opts, t.callOpts...)
	if x.once != "" {
		opts = append(opts, onlyOnce...)
	}
	return x.finish(engine.Do(req.Context(), t.engine, x.attempt, opts...))
}

// CloseIdleConnections closes the idle connections of the base transport, if it keeps any.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func statusSetOf(codes []int) statusSet {
	var s statusSet
	for _, c := range codes {
		s.add(c)
	}
	return s
}
