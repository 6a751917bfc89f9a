package engine

import (
	"errors"
	"time"

	"github.com/recur-go/recur/breaker"
)

// probeRecheck is the shortest wait of a retry for a half-open probe slot.
const probeRecheck = 10 * time.Millisecond

// breakerRefused handles an attempt the breaker did not admit when it came due. An attempt of a
// call that asked to wait waits again, if its deadline allows: for half-open while the breaker
// is open, or for its backoff delay (at least probeRecheck) while all half-open probe slots are
// taken. Anything else fails fast. Waiting again uses no attempt and is not counted as a retry.
func (e *Engine) breakerRefused(j job, err error) {
	c := j.base()
	brk := c.key.brk
	if c.pol.breakerMode == WaitForHalfOpen {
		c.mu.Lock()
		lastErr, prev := c.err, c.prev
		c.mu.Unlock()
		n := max(int(c.attempts.Load()), 1) // a first attempt waits as long as the first retry would
		at, ok := brk.HalfOpenAt()
		if errors.Is(err, breaker.ErrProbeLimit) || !ok {
			// Nothing says when a probe will report, so look again after the backoff delay, but
			// not at once: a zero delay would spin between the scheduler and a worker.
			delay, perr := strategyDelay(c.pol.strategy, n, prev)
			if perr != nil {
				e.settle(c, outcome{reason: ReasonPermanent, cause: perr})
				return
			}
			wait := max(min(delay, c.pol.maxDelay), probeRecheck)
			at, ok = time.Now().Add(wait), brk.State() != breaker.ForcedOpen
		}
		if ok && !missesDeadline(c.parent, at) {
			e.schedule(j, at, time.Until(at), n+1, lastErr, false)
			return
		}
	}
	e.settle(c, outcome{reason: ReasonBreakerOpen, cause: err})
}
