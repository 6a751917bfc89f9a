package engine

import (
	"errors"
	"runtime/debug"
	"time"

	"github.com/recur-go/recur/breaker"
)

// ErrGoexit: user code called runtime.Goexit during an attempt, in the operation, a classifier
// or a backoff strategy; t.FailNow and testify's require do when an assertion fails there. The
// call settles with a *PanicError whose Value is ErrGoexit and whose Stack shows the caller, and
// is not retried: the goroutine it ran on is gone. The engine replaces the worker.
var ErrGoexit = errors.New("engine: runtime.Goexit called during an attempt")

// goexitError is the error of an attempt that ended in runtime.Goexit. It is made in a deferred
// call while the exiting goroutine unwinds, so the stack still shows who called Goexit.
func goexitError() *PanicError { return &PanicError{Value: ErrGoexit, Stack: debug.Stack()} }

// goexit is the last act of worker w, whose goroutine is exiting through runtime.Goexit called by
// user code while it ran j: recover does not stop that. The call settles, the bulkhead slot and
// the breaker ticket its attempt held come back, and a new worker takes w's place in the pool
// (w's count passes to it, and its entry leaves the list as w exits), starting with the attempt
// the slot passes to, if any. Work queued for the pool is not lost: the new worker looks there.
func (e *Engine) goexit(w *worker, j job) {
	if w.inAttempt {
		e.stats.running.Add(-1)
	}
	e.abort(j, w.attempt, w.start, goexitError())
	w.current.Store(nil)
	next := e.leave(j, false, sample{}) // the attempt never ended: it teaches nothing
	if w.onCaller {
		return // a caller's goroutine, not one of the pool's; without bulkheads next is nil
	}
	e.pool.mu.Lock()
	e.pool.starting++ // as if newly started: it counts itself out when it runs
	e.pool.mu.Unlock()
	e.spawn(next)
}

// abort settles j after user code called runtime.Goexit while attempt n ran (n is 0 if it had
// not started: a strategy asked while the breaker refused it), unless the call no longer depends
// on that attempt. Which it is shows in the call's state, since the goroutine cannot say how far
// it got:
//   - the attempt is still the running one: it had not concluded (the operation or a classifier
//     exited), so it concludes here as a panic would, stopping the call;
//   - it was concluded and nothing came of it yet (no retry waits, no later attempt started): the
//     goroutine was acting on its outcome (a strategy or an observer exited), so the call stops;
//   - otherwise it was abandoned at its timeout and the call went on: a late result, discarded.
//
// A timeout's goroutine concluding attempt n concurrently looks like the second case for a moment;
// the call then stops with the Goexit, which is one of its two possible outcomes anyway.
func (e *Engine) abort(j job, n int, start time.Time, perr *PanicError) {
	c := j.base()
	c.mu.Lock()
	switch {
	case c.settled:
		c.mu.Unlock()
	case n > 0 && c.runs(n):
		c.mu.Unlock()
		e.conclude(j, n, start, perr, Stop(), breaker.Ignored, false)
	case n == 0 || !c.running && !c.waiting && c.attempts.Load() == int64(n):
		e.settleLocked(c, outcome{reason: ReasonPermanent, cause: perr})
	default:
		c.mu.Unlock()
		e.stats.late.Add(1)
	}
}
