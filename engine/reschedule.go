package engine

import (
	"runtime/debug"
	"time"

	"github.com/recur-go/recur/backoff"
)

// Scheduling a retry: the delay its strategy asks for, its place in the scheduler, its count.

// strategyDelay asks a call's backoff strategy for the delay before retry n. A strategy that
// panics (a user's backoff.Func, say) stops the call: the panic comes back as a *PanicError.
func strategyDelay(s backoff.Strategy, n int, prev time.Duration) (d time.Duration, perr *PanicError) {
	defer func() {
		if r := recover(); r != nil {
			perr = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return s.Delay(n, prev), nil
}

// schedule puts retry attempt `next` of j in the scheduler, due at `at`. A new retry is
// counted and announced to hooks; a retry waiting again for the breaker is not.
func (e *Engine) schedule(j job, at time.Time, delay time.Duration, next int, cause error, isNew bool) {
	c := j.base()
	c.mu.Lock()
	if c.settled {
		c.mu.Unlock()
		return
	}
	h, err := e.sched.Schedule(at, j)
	if err != nil { // the scheduler closed under us: Close is settling everything
		e.settleLocked(c, outcome{reason: ReasonClosed, cause: ErrClosed})
		return
	}
	c.handle, c.waiting, c.prev = h, true, delay
	c.mu.Unlock()
	if isNew {
		e.announceRetry(c, next, delay, cause)
	}
}

// announceRetry counts a retry and tells the hooks.
func (e *Engine) announceRetry(c *call, next int, delay time.Duration, cause error) {
	e.stats.retries.Add(1)
	if k := c.countsOf(); k != nil {
		k.retries.Add(1)
	}
	if len(e.hooks.retry) > 0 {
		fire(e.hooks.retry, RetryScheduled{Ctx: c.context(), Name: c.pol.name, Key: c.pol.key, Attempt: next, Delay: delay, Err: cause})
	}
}
