package engine

import (
	"context"

	"github.com/recur-go/recur/breaker"
)

// A batch is many calls of one policy under one caller context (Map's waves, SubmitAll). It is
// admitted as one: the checks Submit makes per call (context, intake, bubble, key, breaker) are
// made once, and the calls are counted, given their bulkhead slots, handed to the pool and put
// under the watch of the caller's context under one hold of the engine's intake lock, the key's
// lock and the watch lock, not one per call, and of the pool's lock while the pool has room for
// them (see dispatchAll). Once admitted, a call is like any other: it settles exactly once, by
// the usual paths.

// admitAll admits js, calls of policy pol not yet seen by the engine, under ctx. It refuses the
// batch whole, with the error Submit would return for one of its calls, or admits all of it.
// An admitted call that the pool could not take before ctx ended or e closed (while its queue
// was full) settles at once, with that cause.
func (e *Engine) admitAll(ctx context.Context, pol *policy, js []job) error {
	n := len(js)
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if e.closed.Load() {
		e.stats.rejected.Add(uint64(n))
		return ErrClosed
	}
	if err := e.checkBubble(); err != nil {
		e.stats.rejected.Add(uint64(n))
		return err
	}
	k, err := e.keys.acquireN(pol.key, n)
	if err != nil {
		return err
	}
	// As in admit: an open breaker refuses here; a closed or half-open one admits each attempt
	// when a worker is about to run it.
	if k != nil && k.brk != nil && pol.breakerMode != Bypass {
		if s := k.brk.State(); s == breaker.Open || s == breaker.ForcedOpen {
			e.keys.releaseN(k, n)
			e.stats.rejected.Add(uint64(n))
			e.stats.breaker.Add(uint64(n))
			return breaker.ErrOpen
		}
	}
	var born int64
	if e.timed {
		born = e.now()
	}
	for _, j := range js {
		c := j.base()
		c.key, c.born, c.parent = k, born, ctx
	}
	rest, restErr, err := e.handOverAll(ctx, k, js)
	if err != nil {
		e.keys.releaseN(k, n)
		e.stats.rejected.Add(uint64(n))
		return err
	}
	// Settled here, not under the intake lock: settling runs hooks, which may call the engine.
	reason := ReasonCanceled
	if restErr == ErrClosed {
		reason = ReasonClosed
	}
	for _, j := range rest {
		e.giveBack(j)
		e.cancelCall(j.base(), reason, restErr)
	}
	return nil
}

// handOverAll is handOver for a batch. err refuses it whole; otherwise rest are the calls the
// pool could not take, and restErr why.
func (e *Engine) handOverAll(ctx context.Context, k *keyState, js []job) (rest []job, restErr, err error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed.Load() {
		return nil, nil, ErrClosed
	}
	n := len(js)
	e.live.Add(int64(n))
	e.stats.submitted.Add(uint64(n)) // before the hand-over, as in handOver
	if k != nil && k.counts != nil {
		k.counts.submitted.Add(uint64(n))
	}
	run, err := e.enterBatch(k, js)
	if err != nil {
		e.stats.submitted.Add(-uint64(n))
		if k != nil && k.counts != nil {
			k.counts.submitted.Add(-uint64(n))
		}
		e.noteSettled(int64(n))
		return nil, nil, err
	}
	handed, restErr := e.dispatchAll(run, ctx, e.closing)
	if e.budget != nil {
		for range n {
			e.budget.Deposit()
		}
	}
	e.watchAll(js, ctx)
	return run[handed:], restErr, nil
}

// enterAll is enter for the first attempts of a batch, all of key k: the first calls take the
// free slots and run now (run is a prefix of js), the rest wait in the key's FIFO. If the FIFO
// has no room for the rest, the batch is refused whole with ErrBulkheadFull before any of it is
// queued, so that a refused batch is one that never started.
func (e *Engine) enterAll(k *keyState, js []job) (run []job, err error) {
	if k == nil || e.bulkhead.limit == 0 {
		return js, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := min(max(e.slots(k)-k.running, 0), len(js))
	wait := len(js) - now
	if wait > 0 && k.queued-k.retries+wait > e.bulkhead.queue {
		return nil, ErrBulkheadFull
	}
	k.running += now
	for _, j := range js[now:] {
		k.push(j, waitingFirst)
	}
	e.stats.slotWaiting.Add(int64(wait))
	return js[:now], nil
}

// watchAll puts the calls of js under the watch of ctx, as watch does one call, under one hold
// of the watch lock. It takes each call's lock inside the watch lock, the reverse of watch's
// order; that is safe because the only code that takes the watch lock while holding a call's
// lock is watch itself, and these calls are watched by nobody but this batch.
func (e *Engine) watchAll(js []job, ctx context.Context) {
	done := ctx.Done()
	if done == nil || len(js) == 0 {
		return
	}
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	var w *parentWatch
	for _, j := range js {
		c := j.base()
		c.mu.Lock()
		if !c.settled { // a call may have run and settled already
			if w == nil {
				w = e.watchOf(ctx, done)
			}
			c.watched, c.inWatch = true, true
			c.wnext = w.calls
			if w.calls != nil {
				w.calls.wprev = c
			}
			w.calls = c
		}
		c.mu.Unlock()
	}
}

// watchOf returns the watch of ctx, starting it if need be; e.watchMu is held. It is the part
// of watch that finds the watch, for watchAll.
func (e *Engine) watchOf(ctx context.Context, done <-chan struct{}) *parentWatch {
	if w := e.watches[done]; w != nil {
		return w
	}
	if e.watches == nil {
		e.watches = make(map[<-chan struct{}]*parentWatch)
	}
	w := &parentWatch{ctx: ctx, done: done}
	e.watches[done] = w
	e.watchers.Add(1)
	w.stop = context.AfterFunc(ctx, func() {
		defer e.watchers.Done()
		e.fire(w)
	})
	return w
}

// acquireN is acquire for n calls of one key, under one hold of the registry's lock.
func (ks *keys) acquireN(name string, n int) (*keyState, error) {
	if ks.def == nil || name == "" {
		return ks.def, nil
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k, err := ks.getLocked(name)
	if err == nil {
		k.mu.Lock()
		k.refs += n
		k.mu.Unlock()
	}
	return k, err
}

// releaseN is release for n calls of one key.
func (ks *keys) releaseN(k *keyState, n int) {
	if k == nil || k == ks.def {
		return
	}
	k.mu.Lock()
	if k.refs -= n; k.refs == 0 {
		k.idle = ks.e.now()
	}
	k.mu.Unlock()
}
