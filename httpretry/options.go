package httpretry

import (
	"fmt"
	"net/http"
	"time"

	"github.com/recur-go/recur/engine"
)

// Option configures a Transport. Options are fixed once New returns.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	base               http.RoundTripper
	statuses           statusSet
	retryNonIdempotent bool
	attemptTimeout     time.Duration
	maxRetryAfter      time.Duration // 0: only the call's MaxDelay caps a hint
	callOpts           []engine.CallOption
	key                func(*http.Request) string
	err                error
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("httpretry: "+format, args...)
	}
}

// DefaultRetryStatuses returns the statuses retried unless RetryStatuses says otherwise: the
// server is throttling (429), or a gateway or the server itself is briefly unavailable (502, 503,
// 504).
func DefaultRetryStatuses() []int {
	return []int{
		http.StatusTooManyRequests,
		http.StatusBadGateway,
		http.StatusServiceUnavailable,
		http.StatusGatewayTimeout,
	}
}

// Base sets the RoundTripper that sends each attempt (default DefaultBase()). It is used as it
// is: the Transport changes none of its settings.
func Base(rt http.RoundTripper) Option {
	return optionFunc(func(c *config) {
		if rt == nil {
			c.fail("Base: RoundTripper is nil")
			return
		}
		c.base = rt
	})
}

// RetryStatuses replaces the set of statuses that are retried (default DefaultRetryStatuses()).
// Each must be an error status, 400 to 599. Given no codes, no status is retried, only network
// errors are. Responses with other statuses are returned as they are.
func RetryStatuses(codes ...int) Option {
	return optionFunc(func(c *config) {
		for _, code := range codes {
			if code < 400 || code > 599 {
				c.fail("RetryStatuses %d: must be an error status, 400 to 599", code)
				return
			}
		}
		c.statuses = statusSetOf(codes)
	})
}

// RetryNonIdempotent retries requests of every method, POST and PATCH included, even without an
// Idempotency-Key header. Use it only when the server is known to deduplicate them: a retried
// POST whose first attempt reached the server may otherwise act twice.
func RetryNonIdempotent() Option {
	return optionFunc(func(c *config) { c.retryNonIdempotent = true })
}

// AttemptTimeout bounds each attempt, from sending the request until its response headers arrive
// (and, for a response that will be retried, until its body is drained); an attempt that runs out
// of time is aborted and retried. Reading the body of a response returned to the caller is bounded
// by the request's context only. 0, the default, sets no limit.
func AttemptTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.fail("AttemptTimeout %v: must not be negative", d)
			return
		}
		c.attemptTimeout = d
	})
}

// MaxRetryAfter sets the longest Retry-After the Transport waits for (engine.MaxHint). Without
// it the call's MaxDelay (engine.MaxDelay, 60s by default) is the limit, as for every delay;
// MaxRetryAfter can only lower it. A server asking for longer will refuse an earlier retry, so
// the call stops and returns that response, rather than retrying before the server allows it
// (engine.ClampHints through CallOptions retries early instead). d must be positive.
func MaxRetryAfter(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.fail("MaxRetryAfter %v: must be positive", d)
			return
		}
		c.maxRetryAfter = d
	})
}

// CallOptions passes engine call options (engine.MaxAttempts, engine.Backoff, engine.MaxDelay,
// engine.Classify, engine.Name, engine.OnBreakerOpen, ...) to the call of every request, over
// the engine's Defaults. New rejects an invalid one (engine.CheckCallOptions), naming it. A
// request that may not be retried gets engine.MaxAttempts(1) whatever they say.
func CallOptions(opts ...engine.CallOption) Option {
	return optionFunc(func(c *config) {
		for i, o := range opts {
			if o == nil {
				c.fail("CallOptions: option %d is nil", i)
				return
			}
		}
		c.callOpts = append(c.callOpts, opts...)
	})
}

// statusSet is a set of HTTP status codes, 0 to 599.
type statusSet [10]uint64

func (s *statusSet) add(code int) { s[code/64] |= 1 << (code % 64) }

func (s *statusSet) has(code int) bool {
	return code >= 0 && code < 600 && s[code/64]&(1<<(code%64)) != 0
}

// Key sets how a request is keyed in the engine (see engine.Key): requests with one key share a
// breaker and a bulkhead (engine.WithBreaker, engine.WithBulkhead), apart from every other key's.
// The default is HostKey: a dead host opens its own breaker, never another's. Return a constant
// to share one breaker across hosts, or add a path prefix to split one host's services.
func Key(f func(req *http.Request) string) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.fail("Key: function is nil")
			return
		}
		c.key = f
	})
}
