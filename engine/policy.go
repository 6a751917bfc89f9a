package engine

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
)

// The defaults every call gets unless the engine's Defaults or its own options say otherwise:
// 3 attempts; exponential backoff from 1s, factor 2, capped at 60s, with full jitter. They are
// finite so that no call retries forever unless asked to.
const (
	DefaultMaxAttempts = 3
	DefaultMaxDelay    = 60 * time.Second
)

// BreakerMode says what a call does when its key's breaker is open.
type BreakerMode uint8

const (
	// FailFast settles the call at once with breaker.ErrOpen (the default).
	FailFast BreakerMode = iota
	// WaitForHalfOpen delays a retry until the breaker half-opens (and, while every half-open
	// probe slot is taken, by its backoff delay again, at least 10ms), as long as that is within
	// the caller's deadline; otherwise the call fails fast. A call submitted while the breaker is
	// open is refused by Submit; one admitted before it opened, whose first attempt finds it open
	// (after waiting in a queue), waits like a retry.
	WaitForHalfOpen
	// Bypass ignores the breaker for this call: it is neither gated nor counted.
	Bypass
)

// policy is a call's resolved settings. Calls without options share the engine's copy.
type policy struct {
	e              *Engine // the engine whose calls follow it: a call reaches its engine here
	name           string
	maxAttempts    int // math.MaxInt: unlimited
	strategy       backoff.Strategy
	observer       backoff.Observer // strategy as an Observer, if it is one
	maxDelay       time.Duration
	attemptTimeout time.Duration
	classify       Classifier // nil: DefaultClassifier, which is called without a recover guard
	classifyResult any        // func(T, error) Decision for the call's T, from ClassifyResult
	key            string
	health         func(error) breaker.Outcome
	healthResult   any // func(T, error) breaker.Outcome for the call's T, from BreakerClassifyResult
	breakerMode    BreakerMode
	rateMode       RateLimitMode
	fallback       any // func(context.Context, error) (T, error) for the call's T, from Fallback
	hedgeAfter     time.Duration
	hedgeMax       int           // 0: no hedging
	hedgeQ         float64       // hedge at this quantile of the key's latencies (HedgeQuantile); 0: after hedgeAfter
	hintSpread     float64       // a hint's spread, as a fraction of the hint (see HintSpread)
	maxHint        time.Duration // the longest hint honoured; 0: maxDelay
	clampHints     bool          // a longer hint is cut to maxHint rather than stopping the call
	err            error         // the first invalid option
}

func defaultPolicy() policy {
	p := policy{
		maxAttempts: DefaultMaxAttempts,
		strategy:    backoff.Default(),
		maxDelay:    DefaultMaxDelay,
		hintSpread:  DefaultHintSpread,
	}
	p.observer, _ = p.strategy.(backoff.Observer)
	return p
}

func (p *policy) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("engine: "+format, args...)
	}
}

// CallOption adjusts one call (or, through Defaults, every call of an engine).
type CallOption interface{ apply(*policy) }

type callOptionFunc func(*policy)

func (f callOptionFunc) apply(p *policy) { f(p) }

// MaxAttempts limits a call to n attempts in all (the first one included). n must be at least 1;
// the default is 3. See UnlimitedAttempts for calls that may retry forever.
func MaxAttempts(n int) CallOption {
	return callOptionFunc(func(p *policy) {
		if n < 1 {
			p.fail("MaxAttempts %d: must be at least 1 (UnlimitedAttempts retries without limit)", n)
			return
		}
		p.maxAttempts = n
	})
}

// UnlimitedAttempts lets a call retry until it succeeds, fails permanently, or its context,
// the budget or the breaker stops it. Never the default: say it explicitly.
func UnlimitedAttempts() CallOption {
	return callOptionFunc(func(p *policy) { p.maxAttempts = math.MaxInt })
}

// Backoff sets the strategy that gives the delay before each retry (default: backoff.Default()).
// If the strategy implements backoff.Observer, the engine feeds it every attempt's outcome.
func Backoff(s backoff.Strategy) CallOption {
	return callOptionFunc(func(p *policy) {
		if s == nil {
			p.fail("Backoff: strategy is nil")
			return
		}
		if err := backoff.Validate(s); err != nil {
			p.fail("Backoff: %w", err)
			return
		}
		p.strategy = s
		p.observer, _ = s.(backoff.Observer)
	})
}

// MaxDelay caps every delay of a call, server hints (RetryAfter) included (default 60s).
func MaxDelay(d time.Duration) CallOption {
	return callOptionFunc(func(p *policy) {
		if d <= 0 {
			p.fail("MaxDelay %v: must be positive", d)
			return
		}
		p.maxDelay = d
	})
}

// AttemptTimeout bounds each attempt: its context ends after d with ErrAttemptTimeout as the
// cause, and if the operation ignores that, the attempt is abandoned at once (its late result is
// discarded and counted) and the call goes on. 0, the default, means no per-attempt limit.
func AttemptTimeout(d time.Duration) CallOption {
	return callOptionFunc(func(p *policy) {
		if d < 0 {
			p.fail("AttemptTimeout %v: must not be negative", d)
			return
		}
		p.attemptTimeout = d
	})
}

// Classify replaces DefaultClassifier for a call.
func Classify(c Classifier) CallOption {
	return callOptionFunc(func(p *policy) {
		if c == nil {
			p.fail("Classify: classifier is nil")
			return
		}
		p.classify = c
	})
}

// ClassifyResult gives a call a classifier that sees each attempt's result as well as its error,
// for example to retry an HTTP 503 response that came with a nil error. It takes precedence over
// Classify.
//
// T must be the call's result type, and Submit checks it: a mismatch is refused before the call
// is admitted, every time, with an error that names both types, so the first test that runs the
// call catches it. The compiler cannot: call options are one type shared by calls of every
// result type (Defaults, Overrides, an integration's options), and no Go interface admits
// untyped options for every T but this one for its own T only. A checked form would need a type
// argument on every option (MaxAttempts[T](3)) or a second set of Submit, Do and Wrap; neither is
// worth what it would cost every call site that never classifies results.
func ClassifyResult[T any](c func(v T, err error) Decision) CallOption {
	return callOptionFunc(func(p *policy) {
		if c == nil {
			p.fail("ClassifyResult: classifier is nil")
			return
		}
		p.classifyResult = c
	})
}

// OnBreakerOpen sets what a call does when its key's breaker is open (default FailFast).
func OnBreakerOpen(m BreakerMode) CallOption {
	return callOptionFunc(func(p *policy) {
		if m > Bypass {
			p.fail("OnBreakerOpen: unknown mode %d", m)
			return
		}
		p.breakerMode = m
	})
}

// Key names the dependency a call goes to (a host, a service, a tenant). Calls with one key share
// a breaker (WithBreaker) and a bulkhead (WithBulkhead), apart from every other key's; calls
// without a key share the key "". Hooks and logs show it.
func Key(key string) CallOption {
	return callOptionFunc(func(p *policy) { p.key = key })
}

// Name names the operation for hooks, logs, errors and stats.
func Name(name string) CallOption {
	return callOptionFunc(func(p *policy) { p.name = name })
}

// resolve applies opts over base; calls without options share base itself.
func resolve(base *policy, opts []CallOption) (*policy, error) {
	if len(opts) == 0 {
		return base, nil
	}
	p := *base
	for _, o := range opts {
		if o == nil {
			p.fail("nil CallOption")
			continue
		}
		o.apply(&p)
	}
	if p.err == nil {
		p.err = checkHedge(&p)
	}
	if p.err != nil {
		return nil, p.err
	}
	return &p, nil
}

// missesDeadline reports whether a retry due at `at` cannot start before ctx's deadline.
func missesDeadline(ctx context.Context, at time.Time) bool {
	d, ok := ctx.Deadline()
	return ok && !at.Before(d)
}
