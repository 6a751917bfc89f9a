package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/scheduler"
)

// job is a call as the workers and the scheduler see it: its untyped state and the typed attempt.
type job interface {
	base() *call
	attempt(ctx context.Context, n int, start time.Time, out *verdictOf) // out: the worker's own, not on the stack
	// judgeErr classifies an attempt that ended with err and no result: its retry decision
	// and what it says of the dependency's health.
	judgeErr(err error) (Decision, breaker.Outcome, error)
}

// call is the untyped part of a Future: everything but the result. Its fields are ordered
// to pack tightly: a waiting retry is mostly this struct, and a million of them should be cheap.
type call struct {
	pol *policy // its options, and its engine
	// parent is the caller's context, for its values and deadline. The call is the context its
	// attempts run under (callctx.go); the watch of parent (watch.go) settles the call when
	// parent ends, so an operation that captured parent may see it end a moment before.
	parent context.Context
	key    *keyState // the key's breaker and bulkhead; nil when the engine keeps no key state
	born   int64     // submission time as nanoseconds since the engine's start, when hooks want it
	// attempts started: 64 bits, as a call may make more than 2^31 (UnlimitedAttempts)
	attempts atomic.Int64
	isDone   atomic.Bool // set once the outcome is final and published

	mu          sync.Mutex // guards what follows; never held while user code or hooks run
	running     bool       // attempt number `attempts` is running
	settled     bool
	holdsTicket bool
	waiting     bool            // in the scheduler under handle
	watched     bool            // under a watch of the caller's context (see watch.go)
	inFIFO      uint8           // where the call waits in its key's FIFO, if it does; guarded by the key's lock
	inWatch     bool            // in a watch's list; guarded by the engine's watchMu
	fellBack    bool            // a fallback replaced the failure in err (fallback.go); set before isDone
	health      breaker.Outcome // of the successful attempt, between claiming the call and settling it
	ticket      breaker.Ticket
	handle      scheduler.Handle
	prev        time.Duration
	// err is the last attempt's error until the call settles, then the call's own error: nil
	// on success, a *RetryError otherwise. Readers after isDone need no lock.
	err  error
	done chan struct{} // closed when the call settles; made on demand by Done
	side *callSide     // what few calls need: waiting iterators, derived contexts

	// This call's place in the list of its caller's context's watch; guarded by the engine's
	// watchMu, not by mu.
	wprev, wnext *call
}

// step is what the worker does after an attempt.
type step uint8

const (
	stepDone     step = iota // nothing: the call settled, or its retry waits
	stepSucceed              // settle the call with the result the attempt stored
	stepConclude             // take the failure: settle the call or schedule its retry
)

// verdictOf is an attempt's outcome as the worker gets it. The worker, not the attempt, settles
// the call or schedules its retry: that work would otherwise run below the attempt's frames, on
// a worker's small new stack, and make it grow.
type verdictOf struct {
	step   step
	health breaker.Outcome
	d      Decision
	err    error
}

// outcome is how a call settles.
type outcome struct {
	success bool
	health  breaker.Outcome // what the successful attempt says of the dependency
	reason  Reason
	cause   error
	elapsed time.Duration // of the successful attempt, for the breaker's slow-call rule
}

// breaker returns the breaker that gates c's attempts: its key's, unless c bypasses breakers.
func (c *call) breaker() *breaker.Breaker {
	if c.key == nil || c.pol.breakerMode == Bypass {
		return nil
	}
	return c.key.brk
}

// settleLocked settles c exactly once: called with c.mu held, it releases it. It reports
// whether this call did the settling. The Future becomes visible as settled (Done closed,
// Result ready, its attempts' context done) only after the breaker, the stats and the hooks
// have heard of it, so that a caller returning from Await sees them up to date.
//
// It runs at the bottom of a worker's frames, on a stack that starts small: what it does is
// out of line, in functions whose frames are gone by the time the next one runs.
func (e *Engine) settleLocked(c *call, o outcome) bool {
	if c.settled {
		c.mu.Unlock()
		return false
	}
	if fb := e.release(c, &o); fb != nil { // unlocks c.mu
		fb() // claimed, not yet published: nobody reads the result meanwhile
	}
	e.record(c, &o)
	e.publish(c)
	e.noteSettled(1)
	return true
}

// release marks c settled, with c.mu held, and gives back what it holds: its place in the
// scheduler, its breaker ticket, its watch, its key. It unlocks c.mu. It returns the call's
// Fallback, bound to it, if the failure is one that Fallback covers.
//
//go:noinline
func (e *Engine) release(c *call, o *outcome) (fallBack func()) {
	c.settled = true
	if !o.success && o.reason != ReasonCanceled && o.reason != ReasonClosed && c.side != nil {
		fallBack = c.side.fallBack
	}
	if o.success {
		c.err = nil
	} else {
		c.err = &RetryError{Name: c.pol.name, Attempts: int(c.attempts.Load()), Reason: o.reason, Last: c.err, Cause: o.cause}
	}
	ticket, holdsTicket := c.ticket, c.holdsTicket
	c.holdsTicket = false
	c.running = false
	var tickets []heldTicket
	var winner int64
	if h := c.hedging(); h != nil {
		tickets, winner = h.tickets, h.winner
		h.tickets, h.inFlight = nil, 0
	}
	handle, waiting := c.handle, c.waiting
	c.waiting = false
	watched := c.watched
	c.mu.Unlock()

	if waiting {
		e.sched.Cancel(handle)
	}
	if holdsTicket {
		// A success reports here; a failed attempt reported before the call settled, so
		// what is left is an attempt cut short by cancellation or Close.
		res := breaker.Ignored
		if o.success {
			res = o.health
		}
		c.key.brk.Report(ticket, res, o.elapsed)
	}
	if len(tickets) > 0 {
		e.releaseTickets(c, tickets, winner, o)
	}
	if watched {
		e.unwatch(c)
	}
	if c.key != nil {
		e.unkey(c)
	}
	return fallBack
}

// record counts a settled call and tells the hooks.
//
//go:noinline
func (e *Engine) record(c *call, o *outcome) {
	k := c.countsOf()
	if o.success {
		e.stats.succeeded.Add(1)
		if k != nil {
			k.succeeded.Add(1)
		}
	} else {
		e.stats.failedBy[o.reason].Add(1)
		if k != nil {
			k.failedBy[o.reason].Add(1)
		}
		if o.reason == ReasonBreakerOpen {
			e.stats.breaker.Add(1)
		}
	}
	if c.fellBack {
		e.stats.fellBack.Add(1)
	}
	if len(e.hooks.settled) > 0 {
		c.mu.Lock()
		winner := c.winner(o.success)
		c.mu.Unlock()
		fire(e.hooks.settled, Settled{FellBack: c.fellBack, Winner: winner, Ctx: c.context(), Name: c.pol.name, Key: c.pol.key, Start: e.born.Add(time.Duration(c.born)), End: time.Now(),
			Attempts: int(c.attempts.Load()), Success: o.success, Err: c.err, Reason: o.reason})
	}
}

// publish makes c's settlement visible to Await, Done, Result and Completed, and ends the
// context its attempts run under (an abandoned attempt's included), with the contexts derived
// from it.
func (e *Engine) publish(c *call) {
	c.mu.Lock()
	c.isDone.Store(true)
	if c.done != nil {
		close(c.done)
	}
	var notify []chan<- *call
	var afters []*afterFunc
	if s := c.side; s != nil { // the pointer stays: a hedged call reads it without the lock
		notify, afters = s.notify, s.afters
		s.notify, s.afters, s.fallBack = nil, nil, nil
	}
	c.mu.Unlock()
	for _, ch := range notify {
		ch <- c // each iterator's channel has room for every call it watches
	}
	for _, a := range afters {
		a.f()
	}
}

// settle takes c's lock and settles it.
func (e *Engine) settle(c *call, o outcome) bool {
	c.mu.Lock()
	return e.settleLocked(c, o)
}

// cancelCall settles c from outside: the caller's context ended, Future.Cancel, or Close.
// A running attempt is abandoned: its context is canceled and its late result discarded.
func (e *Engine) cancelCall(c *call, r Reason, cause error) bool {
	if r == ReasonCanceled && cause == context.DeadlineExceeded {
		r = ReasonDeadline
	}
	return e.settle(c, outcome{reason: r, cause: cause})
}

// unkey takes a settled c out of its key's queue, if it waits there, and lets go of the key.
func (e *Engine) unkey(c *call) {
	k := c.key
	if k == e.keys.def && e.bulkhead.limit == 0 {
		return // nothing to undo: the key "" is never forgotten
	}
	k.mu.Lock()
	if c.inFIFO != notWaiting {
		k.unqueue(c)
		e.stats.slotWaiting.Add(-1)
	}
	if k != e.keys.def {
		if k.refs--; k.refs == 0 {
			k.idle = e.now()
		}
	}
	k.mu.Unlock()
}
