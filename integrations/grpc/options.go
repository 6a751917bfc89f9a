package recurgrpc

import (
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/recur-go/recur/engine"
)

// Option configures an interceptor.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	retryable      codeSet
	callOpts       []engine.CallOption
	attemptTimeout time.Duration

	cache atomic.Pointer[map[optKey][]engine.CallOption] // see options
	mu    sync.Mutex                                     // serializes writers of cache
}

// codeSet is a set of status codes, one bit each.
type codeSet uint32

func (s codeSet) has(c codes.Code) bool { return c < 32 && s&(1<<c) != 0 }

func setOf(cs ...codes.Code) codeSet {
	var s codeSet
	for _, c := range cs {
		if c < 32 {
			s |= 1 << c
		}
	}
	return s
}

// DefaultRetryableCodes are the codes retried unless RetryableCodes says otherwise.
func DefaultRetryableCodes() []codes.Code {
	return []codes.Code{codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded}
}

func newConfig(opts []Option) *config {
	c := &config{retryable: setOf(DefaultRetryableCodes()...)}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.attemptTimeout > 0 {
		c.callOpts = append(c.callOpts[:len(c.callOpts):len(c.callOpts)], engine.AttemptTimeout(c.attemptTimeout))
	}
	c.cache.Store(&map[optKey][]engine.CallOption{})
	return c
}

// RetryableCodes replaces the codes that are retried.
func RetryableCodes(cs ...codes.Code) Option {
	return optionFunc(func(c *config) { c.retryable = setOf(cs...) })
}

// CallOptions are given to every call of the engine, after the interceptor's own (engine.Name,
// engine.Key and the breaker's classifier), which they may replace: engine.MaxAttempts,
// engine.Backoff, engine.Key to key by something else than the target...
func CallOptions(opts ...engine.CallOption) Option {
	return optionFunc(func(c *config) { c.callOpts = append(c.callOpts, opts...) })
}

// AttemptTimeout bounds each attempt (engine.AttemptTimeout): an attempt that outlives it ends
// with DEADLINE_EXCEEDED and is retried, within the caller's own deadline.
func AttemptTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.attemptTimeout = d })
}
