package httpretry_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

func TestBadOptionsAreRejectedByName(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		opt  httpretry.Option
		want string
	}{
		{httpretry.Base(nil), "httpretry: Base: RoundTripper is nil"},
		{httpretry.RetryStatuses(503, 200), "httpretry: RetryStatuses 200: must be an error status, 400 to 599"},
		{httpretry.RetryStatuses(600), "httpretry: RetryStatuses 600: must be an error status, 400 to 599"},
		{httpretry.RetryStatuses(-1), "httpretry: RetryStatuses -1: must be an error status, 400 to 599"},
		{httpretry.AttemptTimeout(-time.Second), "httpretry: AttemptTimeout -1s: must not be negative"},
		{httpretry.MaxRetryAfter(0), "httpretry: MaxRetryAfter 0s: must be positive"},
		{httpretry.MaxRetryAfter(-time.Minute), "httpretry: MaxRetryAfter -1m0s: must be positive"},
		{httpretry.CallOptions(engine.Name("x"), nil), "httpretry: CallOptions: option 1 is nil"},
		{nil, "httpretry: nil Option"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			tr, err := httpretry.New(e, tc.opt)
			assert.Nil(t, tr)
			assert.EqualError(t, err, tc.want)
			c, err := httpretry.NewClient(e, tc.opt)
			assert.Nil(t, c)
			assert.EqualError(t, err, tc.want)
		})
	}
	_, err := httpretry.New(nil)
	assert.EqualError(t, err, "httpretry: New: engine is nil")
}

// Regression: an invalid engine call option used to be accepted by New and then fail every
// request.
func TestEngineCallOptionsAreCheckedByNew(t *testing.T) {
	e := newEngine(t)
	c, err := httpretry.NewClient(e, httpretry.CallOptions(engine.MaxAttempts(0)))
	assert.Nil(t, c)
	require.ErrorContains(t, err, "httpretry: CallOptions: engine: MaxAttempts 0: must be at least 1")
	_, err = httpretry.New(e, httpretry.CallOptions(engine.Name("ok")), httpretry.CallOptions(engine.MaxDelay(0)))
	require.ErrorContains(t, err, "httpretry: CallOptions: engine: MaxDelay 0s")
}

func TestDefaultRetryStatuses(t *testing.T) {
	assert.Equal(t, []int{429, 502, 503, 504}, httpretry.DefaultRetryStatuses())
}

// idleCounter counts CloseIdleConnections calls.
type idleCounter struct {
	http.RoundTripper
	closes int
}

func (c *idleCounter) CloseIdleConnections() { c.closes++ }

func TestCloseIdleConnectionsReachesTheBase(t *testing.T) {
	base := &idleCounter{RoundTripper: http.DefaultTransport}
	c, err := httpretry.NewClient(newEngine(t), httpretry.Base(base))
	require.NoError(t, err)
	c.CloseIdleConnections()
	assert.Equal(t, 1, base.closes)

	tr, err := httpretry.New(newEngine(t), httpretry.Base(http.NewFileTransport(http.Dir("."))))
	require.NoError(t, err)
	tr.CloseIdleConnections() // a base without idle connections: nothing to do
}

func TestARequestWithoutURLIsRefused(t *testing.T) {
	tr, err := httpretry.New(newEngine(t))
	require.NoError(t, err)
	body := &closeCounter{}
	_, err = tr.RoundTrip(&http.Request{Method: http.MethodGet, Body: body})
	require.EqualError(t, err, "httpretry: request has no URL")
	assert.Equal(t, 1, body.closes)
}

// nothing is a broken RoundTripper: no response and no error.
type nothing struct{}

func (nothing) RoundTrip(*http.Request) (*http.Response, error) { return nil, nil }

func TestABrokenBaseTransportIsNotRetried(t *testing.T) {
	tr, err := httpretry.New(newEngine(t), httpretry.Base(nothing{}))
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://api.test/", nil)
	require.NoError(t, err)
	_, err = tr.RoundTrip(req)
	require.ErrorContains(t, err, "base RoundTripper returned neither a response nor an error")
	var re *engine.RetryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, engine.ReasonPermanent, re.Reason)
	assert.Equal(t, 1, re.Attempts)
}
