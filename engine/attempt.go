package engine

import (
	"context"
	"time"

	"github.com/recur-go/recur/breaker"
)

// run runs j's next attempt on worker w, then whatever the attempt hands on: its own retry when
// it is due at once (a hand-off through the scheduler would only add latency), or the next
// attempt waiting for the bulkhead slot it held.
func (e *Engine) run(w *worker, j job) {
	defer func() {
		if j != nil { // runOnce did not return
			if r := recover(); r != nil {
				panic(r) // a hook's: it crashes the program, as on any goroutine
			}
			e.goexit(w, j) // what recover cannot see: runtime.Goexit in user code
		}
	}()
	for j != nil {
		var round int64
		j, round = unwrapHedge(j)
		w.current.Store(j.base())
		w.attempt = 0
		again := e.runOnce(w, j, round)
		w.current.Store(nil)
		j = e.leave(j, again, w.sample)
		w.sample = sample{}
	}
}

// runOnce starts the next attempt of j, unless the call settled while it waited. It reports
// whether the attempt failed and its retry is due now.
//
// The operation runs at the bottom of the frames from here up, on a worker's new goroutine, whose
// stack starts small: these frames are kept lean (the work before and after the attempt is in
// functions of their own), or every worker would copy its stack to grow it before the operation
// even starts.
func (e *Engine) runOnce(w *worker, j job, hedgeRound int64) (again bool) {
	n, start, ok := e.begin(w, j, hedgeRound)
	if !ok {
		return false
	}
	c := j.base()
	if c.pol.attemptTimeout > 0 {
		e.runTimed(w, j, n, start)
	} else {
		j.attempt(c.attemptContext(n, w.retry, w.hedge), n, start, &w.verdict)
	}
	e.stats.running.Add(-1)
	w.inAttempt = false
	if c.pol.hedgeQ > 0 {
		c.noteLatency(start, w.hedge)
	}
	if e.bulkhead.adaptive != nil {
		w.sample = e.sampleOf(c, start, &w.verdict)
	}
	return e.after(j, n, start, &w.verdict)
}

// after settles the call or takes the failure of attempt n, as v says; it reports whether the
// retry is due now.
func (e *Engine) after(j job, n int, start time.Time, out *verdictOf) bool {
	c := j.base()
	v := *out
	*out = verdictOf{} // drop the error: the worker may idle long
	switch v.step {
	case stepSucceed:
		if c.pol.observer != nil { // here, not below the attempt's frames: see runOnce
			c.pol.observer.Observe(true)
		}
		e.observePacing(c, v.d.throttled)
		var elapsed time.Duration
		if e.timed {
			elapsed = time.Since(start)
		}
		e.settle(c, outcome{success: true, health: c.health, elapsed: elapsed})
	case stepConclude:
		switch e.conclude(j, n, start, v.err, v.d, v.health, true) {
		case nextLate:
			e.stats.late.Add(1)
		case nextNow:
			return true
		}
	}
	return false
}

// begin admits attempt n of j: the breaker, the call's state, the counts, the hooks. ok is false
// if the attempt does not run. hedgeRound is the round a hedge would join (0 if j is no hedge).
// It notes on w which attempt runs, for goexit, and whether it is a retry or a hedge.
func (e *Engine) begin(w *worker, j job, hedgeRound int64) (n int, start time.Time, ok bool) {
	c := j.base()
	if e.hard.Load() {
		e.cancelCall(c, ReasonClosed, ErrClosed)
		return 0, start, false
	}
	var ticket breaker.Ticket
	brk := c.breaker()
	if brk != nil {
		t, err := brk.Admit()
		if err != nil {
			if hedgeRound == 0 { // a hedge the breaker refuses is not started; its round goes on
				e.breakerRefused(j, err)
			}
			return 0, start, false
		}
		ticket = t
	}

	c.mu.Lock()
	// Canceled while it waited (settling released any ticket the call held), or a hedge whose
	// round has ended.
	if c.settled || hedgeRound != 0 && c.staleHedge(hedgeRound) {
		c.mu.Unlock()
		if brk != nil { // the one just taken goes back unused
			brk.Report(ticket, breaker.Ignored, 0)
		}
		return 0, start, false
	}
	c.waiting = false
	n = int(c.attempts.Add(1))
	hedgeNext := c.startAttempt(n, ticket, brk != nil)
	w.retry, w.hedge = c.retrying(n), hedgeRound != 0
	c.mu.Unlock()
	w.attempt, w.inAttempt = n, true
	if hedgeNext {
		e.armHedge(j)
	}
	if w.hedge {
		e.stats.hedges.Add(1)
	}

	e.stats.attempts.Add(1)
	if k := c.countsOf(); k != nil {
		k.attempts.Add(1)
	}
	e.stats.running.Add(1)
	if e.timed || c.pol.hedgeQ > 0 {
		start = time.Now()
		w.start = start
		if len(e.hooks.attemptStart) > 0 {
			fire(e.hooks.attemptStart, AttemptStart{Ctx: c.context(), Name: c.pol.name, Key: c.pol.key, Attempt: n, Hedge: w.hedge, At: start})
		}
	}
	return n, start, true
}

// next is what follows a concluded attempt.
type next uint8

const (
	nextLate next = iota // the attempt was already concluded: its result is discarded
	nextDone             // the call settled, or its retry waits in the scheduler
	nextNow              // the retry is due now: the worker that ran the attempt runs it
)

// conclude takes attempt n's failure (or a rejected result), reports health to the breaker, and
// either settles the call or schedules its retry; a retry due at once is left to the worker when
// onWorker is set. It returns nextLate if the attempt was already concluded (abandoned at its
// timeout, or the call settled).
func (e *Engine) conclude(j job, n int, start time.Time, err error, d Decision, health breaker.Outcome, onWorker bool) next {
	c := j.base()
	var elapsed time.Duration
	if e.timed {
		elapsed = time.Since(start)
	}
	c.mu.Lock()
	if c.settled || !c.runs(n) {
		c.mu.Unlock()
		return nextLate
	}
	if closed(c.parent.Done()) {
		// The caller's context ended: the attempt failed because of that, not because of the
		// dependency, so it is no breaker failure, and the call is not retried. Its watch is
		// about to settle the call; settling here is sooner.
		ticket, holdsTicket, _ := c.endAttempt(n)
		c.mu.Unlock()
		if holdsTicket {
			c.key.brk.Report(ticket, breaker.Ignored, elapsed)
		}
		e.cancelParent(c)
		return nextDone
	}
	ticket, holdsTicket, others := c.endAttempt(n)
	if err == nil {
		err = ErrResultRejected
	}
	c.err = unmark(err)
	prev := c.prev
	c.mu.Unlock()

	if holdsTicket {
		c.key.brk.Report(ticket, health, elapsed)
	}
	if c.pol.observer != nil {
		c.pol.observer.Observe(false)
	}
	if len(e.hooks.attemptEnd) > 0 {
		e.attemptEnded(c, n, err, elapsed, d)
	}

	e.observePacing(c, d.throttled)
	if !d.IsRetry() {
		e.settle(c, outcome{reason: ReasonPermanent})
		return nextDone
	}
	if others {
		return nextDone // hedges of the round still run: the first acceptable one wins
	}
	retry := e.roundOver(c, n) // the number a strategy counts retries by
	if n = int(c.attempts.Load()); n >= c.pol.maxAttempts {
		e.settle(c, outcome{reason: ReasonExhausted})
		return nextDone
	}
	delay, now := d.after, time.Now()
	if d.verdict == verdictRetry {
		var perr *PanicError
		if delay, perr = strategyDelay(c.pol.strategy, retry, prev); perr != nil {
			e.settle(c, outcome{reason: ReasonPermanent, cause: perr})
			return nextDone
		}
		delay = min(max(delay, 0), c.pol.maxDelay)
	} else { // a server's hint: a floor, spread above
		var stop bool
		if delay, stop = hintDelay(c.parent, c.pol, delay, now); stop {
			e.settle(c, outcome{reason: ReasonHint})
			return nextDone
		}
	}
	at := now.Add(delay)
	if missesDeadline(c.parent, at) {
		e.settle(c, outcome{reason: ReasonDeadline, cause: context.DeadlineExceeded})
		return nextDone
	}
	if brk := c.breaker(); brk != nil {
		if s := brk.State(); s == breaker.Open || s == breaker.ForcedOpen {
			halfOpen, ok := brk.HalfOpenAt()
			if c.pol.breakerMode != WaitForHalfOpen || !ok || missesDeadline(c.parent, halfOpen) {
				e.settle(c, outcome{reason: ReasonBreakerOpen, cause: breaker.ErrOpen})
				return nextDone
			}
			at = later(at, halfOpen)
		}
	}
	if e.budget != nil && !e.budget.Withdraw() {
		e.stats.budget.Add(1)
		e.settle(c, outcome{reason: ReasonBudget})
		return nextDone
	}
	if onWorker && delay == 0 && !at.After(time.Now()) && !e.paced(c) {
		c.mu.Lock()
		c.prev = 0
		c.mu.Unlock()
		e.announceRetry(c, n+1, 0, err)
		return nextNow
	}
	e.schedule(j, at, delay, n+1, err, true)
	return nextDone
}

// attemptEnded tells the hooks that attempt n of c ended; out of line, so that the event does
// not weigh on the frames of the attempt's path.
//
//go:noinline
func (e *Engine) attemptEnded(c *call, n int, err error, elapsed time.Duration, d Decision) {
	fire(e.hooks.attemptEnd, AttemptEnd{Ctx: c.context(), Name: c.pol.name, Key: c.pol.key, Attempt: n, Err: err, Duration: elapsed, Decision: d})
}

// closed reports whether ch is closed; a nil ch never is.
func closed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
