package engine

import (
	"fmt"
	"runtime"
	"time"

	"github.com/recur-go/recur/breaker"
)

// Option configures an Engine. Options are fixed once New returns.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	name        string
	maxWorkers  int
	capped      bool // WithMaxConcurrency was given
	workersOnly bool
	keyStats    bool
	minWorkers  int
	idleTimeout time.Duration
	queue       int
	bulkhead    bulkhead
	keyIdle     time.Duration
	defaults    []CallOption
	overrides   []CallOption
	breakerOpts []breaker.Option
	useBreaker  bool
	budget      RetryBudget
	newBreaker  func(key string, opts ...breaker.Option) (*breaker.Breaker, error)
	pacing      PacingMode
	limit       rateLimit            // every key's, from WithRateLimit
	keyLimits   map[string]rateLimit // WithKeyRateLimit's
	hooks       hookSet
	err         error
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("engine: "+format, args...)
	}
}

// The pool's defaults and bounds. A running attempt holds a goroutine (blocking I/O needs one);
// nothing else does, so the cap is set by what a process can hold, not by its CPUs: at 2-8 KiB of
// stack each, 65,536 running attempts cost at most about 512 MiB, far more calls than one host's
// sockets or a dependency usually take, so the engine is never what limits a fan-out of
// thousands of I/O calls. A lower cap is a choice to make with WithMaxConcurrency.
const (
	DefaultMaxConcurrency = 1 << 16
	DefaultQueueSize      = 1024
	DefaultIdleTimeout    = time.Second
	maxConcurrencyLimit   = 1 << 24 // more goroutines than any machine can hold
	maxQueueLimit         = 1 << 24 // 256 MiB of queue slots
)

// DefaultMinWorkers is the number of idle workers kept when WithMinWorkers is not given: one per
// GOMAXPROCS, so that a quiet engine answers its next call without starting a goroutine.
func DefaultMinWorkers() int { return runtime.GOMAXPROCS(0) }

// WithMaxConcurrency caps how many attempts run at once, engine-wide (default
// DefaultMaxConcurrency). Workers are started when work is waiting and no worker is idle, up to
// this cap, and exit after idling (see WithIdleTimeout); beyond the cap, first attempts wait in
// the work queue (WithQueueSize) and due retries wait in the scheduler. Per-key limits are
// WithBulkhead's.
func WithMaxConcurrency(n int) Option {
	return optionFunc(func(c *config) {
		if c.within("WithMaxConcurrency", n, 1, maxConcurrencyLimit) {
			c.maxWorkers, c.capped = n, true
		}
	})
}

// WithWorkersOnly runs every attempt on the engine's workers, the first attempt of Do (and of
// what calls Do: Wrap, httpretry) included, instead of on the goroutine that called Do. Do then
// returns the moment its context ends even while an operation that ignores its context runs,
// at the price of a hand-off to a worker and back, and of a second goroutine, per call.
func WithWorkersOnly() Option {
	return optionFunc(func(c *config) { c.workersOnly = true })
}

// WithMinWorkers sets how many idle workers stay when there is no work (default
// DefaultMinWorkers()); the rest exit after WithIdleTimeout. 0 lets an idle engine hold no
// worker at all. Workers are started on demand, never ahead of work.
func WithMinWorkers(n int) Option {
	return optionFunc(func(c *config) {
		if c.within("WithMinWorkers", n, 0, maxConcurrencyLimit) {
			c.minWorkers = n
		}
	})
}

// WithIdleTimeout sets how long a worker with nothing to do waits for work before it exits
// (default DefaultIdleTimeout), down to WithMinWorkers workers.
func WithIdleTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.fail("WithIdleTimeout %v: must be positive", d)
			return
		}
		c.idleTimeout = d
	})
}

// WithQueueSize bounds the queue of attempts waiting for a worker (default DefaultQueueSize): at
// the WithMaxConcurrency cap, and briefly during a burst, while the workers started for it get
// to run (rather than one worker started per call faster than they run). Submit blocks while it
// is full; at the cap, TrySubmit fails with ErrQueueFull. 0 makes a Submit that finds no idle
// worker wait until a worker takes its call.
func WithQueueSize(n int) Option {
	return optionFunc(func(c *config) {
		if c.within("WithQueueSize", n, 0, maxQueueLimit) {
			c.queue = n
		}
	})
}

// WithBulkhead limits every key (see Key; calls without one share the key "") to limit attempts
// running at once. An attempt over the limit waits for a slot in the key's FIFO queue, holding no
// goroutine, until a slot frees, the call's context ends or the call is canceled. At most queue
// first attempts wait per key: Submit and TrySubmit refuse more with ErrBulkheadFull. Retries of
// calls already admitted always wait their turn. A slow key thus fills its own slots and queue,
// never another key's. An attempt abandoned at its timeout or by cancellation holds its slot until
// its operation returns: the dependency is still serving it.
func WithBulkhead(limit, queue int) Option {
	return optionFunc(func(c *config) {
		if c.bulkhead.adaptive != nil {
			c.fail("WithBulkhead: the engine has WithAdaptiveLimit; give one or the other")
			return
		}
		if c.within("WithBulkhead limit", limit, 1, maxConcurrencyLimit) &&
			c.within("WithBulkhead queue", queue, 0, maxQueueLimit) {
			c.bulkhead = bulkhead{limit: limit, queue: queue}
		}
	})
}

// within reports whether n is in [lo, hi], and records an error naming the option if not.
func (c *config) within(option string, n, lo, hi int) bool {
	if n < lo || n > hi {
		c.fail("%s %d: must be between %d and %d", option, n, lo, hi)
		return false
	}
	return true
}

// Defaults sets the call options every call starts from; a call's own options override them
// (and Overrides override both).
func Defaults(opts ...CallOption) Option {
	return optionFunc(func(c *config) { c.defaults = append(c.defaults, opts...) })
}

// WithBreaker gives the engine circuit breakers built from opts (see package breaker), one per
// key (see Key; calls without one share the key ""), created on first use and forgotten when
// idle: a dead dependency opens its own breaker, never another's. A breaker gates every
// submission and every attempt of its key, and judges the key's health with the call's breaker
// classifier (see BreakerClassify), not with its retry decisions. Engine.Breaker returns the
// breaker of a key, for manual control.
func WithBreaker(opts ...breaker.Option) Option {
	return optionFunc(func(c *config) {
		c.useBreaker = true
		c.breakerOpts = append(c.breakerOpts, opts...)
	})
}

// WithBudget limits the engine's retries with b: a *Budget (see NewBudget) or any other
// RetryBudget. A retry the budget denies fails the call with ErrBudgetExhausted.
func WithBudget(b RetryBudget) Option {
	return optionFunc(func(c *config) {
		if b == nil {
			c.fail("WithBudget: budget is nil")
			return
		}
		if p, ok := b.(*Budget); ok && p == nil {
			c.fail("WithBudget: budget is a nil *Budget")
			return
		}
		c.budget = b
	})
}

// WithBreakerFactory makes every key's breaker with newBreaker instead of breaker.New. It is
// given the key and the options the engine would use (those of WithBreaker, and the engine's own
// OnStateChange for OnBreakerChange hooks), and may add its own, such as a breaker.ProbeGate,
// and keep the breaker it makes, as a store shared by several processes does to tell each key's
// breaker what the others found. It is called by New for the key "", then when a key is first
// used and again if the key was forgotten while idle, with the engine's key registry locked: it
// must be quick and must not call into the engine. It implies WithBreaker.
func WithBreakerFactory(newBreaker func(key string, opts ...breaker.Option) (*breaker.Breaker, error)) Option {
	return optionFunc(func(c *config) {
		if newBreaker == nil {
			c.fail("WithBreakerFactory: factory is nil")
			return
		}
		c.useBreaker = true
		c.newBreaker = newBreaker
	})
}

// WithHooks adds observers; it may be given several times.
func WithHooks(h Hooks) Option {
	return optionFunc(func(c *config) { c.hooks.add(h) })
}

// WithKeyIdle sets how long a key with no call in flight keeps its state (breaker, bulkhead)
// before the engine may forget it (default DefaultKeyIdle). A key whose breaker is closed with
// nothing counted against it may be forgotten sooner: a new one would be the same. Keys are swept
// as new ones arrive, so memory stays bounded with millions of distinct keys.
func WithKeyIdle(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.fail("WithKeyIdle %v: must be positive", d)
			return
		}
		c.keyIdle = d
	})
}

// WithName names the engine in breaker hooks and logs.
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}
