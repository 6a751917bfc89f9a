package httpretry_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

func TestBreakerJudgesTheServerNotTheRetry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		want   breaker.Counts // only Successes, Failures and State are compared
	}{
		{"500, not retried, is a failure", 500, breaker.Counts{Failures: 5, State: breaker.Open}},
		{"503, retried, is a failure", 503, breaker.Counts{Failures: 5, State: breaker.Open}},
		{"400 is the server working", 400, breaker.Counts{Successes: 5, State: breaker.Closed}},
		{"404 is the server working", 404, breaker.Counts{Successes: 5, State: breaker.Closed}},
		{"429 is pushback, neither", 429, breaker.Counts{State: breaker.Closed}},
		{"200", 200, breaker.Counts{Successes: 5, State: breaker.Closed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, failFirst(1000, tc.status))
			e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(5)))
			c := newClient(t, e, httpretry.CallOptions(engine.MaxAttempts(1)))
			for range 5 {
				resp, err := c.Get(s.URL)
				require.NoError(t, err)
				readBody(t, resp)
			}
			u, err := url.Parse(s.URL)
			require.NoError(t, err)
			got := e.KeyBreaker(httpretry.HostKey(&http.Request{URL: u})).Counts()
			assert.Equal(t, tc.want, breaker.Counts{Successes: got.Successes, Failures: got.Failures, State: got.State})
		})
	}
}

func TestNetworkErrorsAreBreakerFailures(t *testing.T) {
	s := newServer(t, failFirst(0, 0))
	addr := s.URL
	s.Close() // nothing listens there now: connections are refused
	e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(2)))
	c := newClient(t, e, httpretry.CallOptions(engine.MaxAttempts(1)))
	for range 2 {
		_, err := c.Get(addr)
		require.Error(t, err)
	}
	_, err := c.Get(addr)
	assert.ErrorIs(t, err, breaker.ErrOpen)
}

func TestADeadHostOpensOnlyItsOwnBreaker(t *testing.T) {
	dead := newServer(t, failFirst(1000, http.StatusServiceUnavailable))
	good := newServer(t, failFirst(0, 0))
	e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(3)))
	c := newClient(t, e)
	resp, err := c.Get(dead.URL) // three attempts, three failures
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	readBody(t, resp)
	_, err = c.Get(dead.URL)
	require.ErrorIs(t, err, breaker.ErrOpen)

	resp, err = c.Get(good.URL)
	require.NoError(t, err, "a healthy host behind the same engine is not refused")
	assert.Equal(t, "ok 1", readBody(t, resp))
}

func TestKeyChoosesTheBreaker(t *testing.T) {
	dead := newServer(t, failFirst(1000, http.StatusServiceUnavailable))
	good := newServer(t, failFirst(0, 0))
	e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(3)))
	c := newClient(t, e, httpretry.Key(func(*http.Request) string { return "one-backend" }))
	resp, err := c.Get(dead.URL)
	require.NoError(t, err)
	readBody(t, resp)
	_, err = c.Get(good.URL)
	assert.ErrorIs(t, err, breaker.ErrOpen, "both hosts share the key, so the breaker")
	assert.Equal(t, breaker.Open, e.KeyBreaker("one-backend").State())

	_, err = httpretry.New(e, httpretry.Key(nil))
	assert.ErrorContains(t, err, "Key: function is nil")
}

func TestHostKey(t *testing.T) {
	for raw, want := range map[string]string{
		"http://a.example/x":        "http://a.example:80",
		"http://A.example:80/y":     "http://a.example:80",
		"https://a.example":         "https://a.example:443",
		"https://a.example:8443/":   "https://a.example:8443",
		"http://127.0.0.1:9000":     "http://127.0.0.1:9000",
		"http://[::1]/":             "http://[::1]:80",
		"HTTPS://user@b.example/p?": "https://b.example:443",
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, want, httpretry.HostKey(&http.Request{URL: u}), raw)
	}
}
