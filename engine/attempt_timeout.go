package engine

import (
	"context"
	"time"
)

// runTimed runs attempt n of j under its per-attempt timeout, abandoning it if the operation
// outlives it.
func (e *Engine) runTimed(w *worker, j job, n int, start time.Time) {
	c := j.base()
	out := &w.verdict
	actx, cancel := context.WithTimeoutCause(c.context(), c.pol.attemptTimeout, ErrAttemptTimeout)
	e.watchers.Add(1)
	stop := context.AfterFunc(actx, func() {
		defer e.watchers.Done()
		if context.Cause(actx) == ErrAttemptTimeout {
			e.abandon(j, n, start)
		}
	})
	// Deferred, so that an attempt ending in runtime.Goexit does not leave the watcher counted;
	// stop runs before cancel, or canceling would wake the watcher for nothing.
	defer cancel()
	defer func() {
		if stop() {
			e.watchers.Done()
		}
	}()
	j.attempt(&numberedAttempt{Context: actx, n: int64(n), retry: w.retry, hedge: w.hedge}, n, start, out)
}

// abandon gives up on attempt n when its timeout passes while the operation ignores its context.
// It runs on the timeout's own goroutine, where a classifier or a strategy may call
// runtime.Goexit too.
func (e *Engine) abandon(j job, n int, start time.Time) {
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				panic(r)
			}
			e.abort(j, n, start, goexitError())
		}
	}()
	d, health, err := j.judgeErr(ErrAttemptTimeout)
	e.conclude(j, n, start, err, d, health, false)
	returned = true
}
