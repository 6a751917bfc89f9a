package httpretry

import (
	"net/http"
	"sync"
	"time"
)

// The connection pool of DefaultBase. http.DefaultTransport keeps 2 idle connections per host
// (http.DefaultMaxIdleConnsPerHost): when an engine runs thousands of requests to one host at
// once (its pool grows to engine.WithMaxConcurrency, 65,536 by default), all but 2 of their
// connections are closed as they come back, and the next wave opens them again: 3,000
// concurrent callers against one host opened 13,677 TCP connections for 26,488 requests
// (issue 13). 1,024 per host keeps a fan-out of a thousand requests on warm connections; more
// than that at once is rare for one host and is still served, by new connections. Idle ones
// are closed after IdleConnTimeout (90s, as in http.DefaultTransport).
const (
	DefaultMaxIdleConnsPerHost = 1024
	DefaultMaxIdleConns        = 4 * DefaultMaxIdleConnsPerHost
)

// DefaultBase returns the base transport of every Transport made without Base: a clone of
// http.DefaultTransport (same proxy, dialer, timeouts and HTTP/2 settings) whose idle pool is
// sized for an engine's concurrency, DefaultMaxIdleConnsPerHost per host and
// DefaultMaxIdleConns in all. It is made once and shared, as http.DefaultTransport is. A base
// given with Base is used as it is.
func DefaultBase() *http.Transport { return defaultBase() }

var defaultBase = sync.OnceValue(func() *http.Transport {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok { // replaced by the program with a RoundTripper of its own: start from net/http's settings
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, IdleConnTimeout: 90 * time.Second}
	}
	t = t.Clone()
	t.MaxIdleConns = DefaultMaxIdleConns
	t.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	return t
})
