package engine

import (
	"fmt"
	"log/slog"
	"runtime"

	"github.com/recur-go/recur/breaker"
)

// Option configures an Engine. Options are fixed once New returns.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	name        string
	workers     int
	queue       int
	defaults    []CallOption
	breakerOpts []breaker.Option
	useBreaker  bool
	budget      *Budget
	hooks       hookSet
	err         error
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("engine: "+format, args...)
	}
}

// DefaultWorkers is the number of workers when WithWorkers is not given: 32 per GOMAXPROCS, since
// retried operations mostly wait on the network rather than use a CPU.
func DefaultWorkers() int { return 32 * runtime.GOMAXPROCS(0) }

// WithWorkers sets how many attempts may run at once (default DefaultWorkers()). Each worker is
// one goroutine, started by New and ended by Close; no call ever gets a goroutine of its own.
func WithWorkers(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.fail("WithWorkers %d: must be at least 1", n)
			return
		}
		c.workers = n
	})
}

// WithQueueSize bounds the queue of first attempts waiting for a worker (default: 4 per worker).
// Submit blocks while it is full; TrySubmit fails with ErrQueueFull. 0 makes every Submit hand
// its call straight to a worker.
func WithQueueSize(n int) Option {
	return optionFunc(func(c *config) {
		if n < 0 {
			c.fail("WithQueueSize %d: must not be negative", n)
			return
		}
		c.queue = n
	})
}

// Defaults sets the call options every call starts from; a call's own options override them.
func Defaults(opts ...CallOption) Option {
	return optionFunc(func(c *config) { c.defaults = append(c.defaults, opts...) })
}

// WithBreaker gives the engine a circuit breaker built from opts (see package breaker), which
// gates every submission and every retry. Engine.Breaker returns it for manual control.
func WithBreaker(opts ...breaker.Option) Option {
	return optionFunc(func(c *config) {
		c.useBreaker = true
		c.breakerOpts = append(c.breakerOpts, opts...)
	})
}

// WithBudget limits the engine's retries with b (see NewBudget). A retry the budget denies
// fails the call with ErrBudgetExhausted.
func WithBudget(b *Budget) Option {
	return optionFunc(func(c *config) {
		if b == nil {
			c.fail("WithBudget: budget is nil")
			return
		}
		c.budget = b
	})
}

// WithHooks adds observers; it may be given several times.
func WithHooks(h Hooks) Option {
	return optionFunc(func(c *config) { c.hooks.add(h) })
}

// WithLogger logs retries, give-ups and breaker transitions to l (see LogHooks).
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l == nil {
			c.fail("WithLogger: logger is nil")
			return
		}
		c.hooks.add(LogHooks(l))
	})
}

// WithName names the engine in breaker hooks and logs.
func WithName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}
