package engine

import "sync"

// Do's first attempt runs on the caller's goroutine, which would otherwise only wait for it:
// a call made by a goroutine of its own (an HTTP handler's, an errgroup's) then costs what a
// direct call does, with no hand-off to a worker and back, and no second goroutine per call.
// Its retries wait in the scheduler and run on workers, like any call's.
//
// The attempt runs as a worker runs it (runOnce, the same breaker admission, hooks and
// verdicts) and is listed among the workers, so that a Close that stops waiting cancels it.
// The engine allows it only when attempts need no worker to be counted: no WithMaxConcurrency,
// no bulkhead, and not WithWorkersOnly.

// callerWorkers are the records of attempts running on callers' goroutines.
var callerWorkers = sync.Pool{New: func() any {
	w := &worker{onCaller: true}
	callerShards.assign(w)
	return w
}}

// callerShards spreads the callers' records over the shards of every engine's register.
var callerShards listed

// runHere runs j's first attempt on the calling goroutine, and its retries too while they come
// due at once.
func (e *Engine) runHere(j job) {
	w := callerWorkers.Get().(*worker)
	p := &e.pool
	p.list(w)
	defer func() { // also when user code calls runtime.Goexit: then goexit has settled j
		p.unlist(w)
		w.attempt, w.inAttempt = 0, false
		callerWorkers.Put(w)
	}()
	e.run(w, j)
}
