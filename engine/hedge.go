package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/recur-go/recur/breaker"
)

// Hedge starts another attempt of a call whose attempt has not answered after delay, up to max
// more at once, each delay after the one before: a slow reply from one replica no longer sets
// the call's latency when another answers sooner. The first acceptable outcome settles the call,
// and the attempts still running are canceled at once (their context ends with the call); a
// retryable failure waits for the others, and when every attempt of the round has failed, the
// call is retried as any call is, with its backoff, and hedged again. A permanent failure ends
// the call at once.
//
// Hedges are attempts: they count against MaxAttempts, pass the key's breaker, draw on the
// engine's retry budget, take a slot of the key's bulkhead and a token of its rate limit or a
// turn of its pacer, and show in Stats.Hedges, in AttemptStart.Hedge and in AttemptOf. A hedge
// that any of those refuses, or would make wait, is not started, and its round goes on without
// more hedges. Each waits for its time in the scheduler, as a retry does, holding no goroutine.
// Only hedge operations that may run more than once at a time: idempotency is the caller's
// promise.
//
// A hedged call costs an allocation per hedge and per attempt more than a plain one. delay must
// be positive and max between 1 and 62.
func Hedge(delay time.Duration, max int) CallOption {
	return callOptionFunc(func(p *policy) {
		switch {
		case delay <= 0:
			p.fail("Hedge: delay %v must be positive", delay)
		case max < 1 || max > maxHedges:
			p.fail("Hedge: max %d must be between 1 and %d", max, maxHedges)
		default:
			p.hedgeAfter, p.hedgeMax, p.hedgeQ = delay, max, 0
		}
	})
}

// NoHedge turns off a Hedge or HedgeQuantile given before it (in the engine's defaults, or by a
// wrapper such as httpretry): for a call that must not run twice at once.
func NoHedge() CallOption {
	return callOptionFunc(func(p *policy) { p.hedgeAfter, p.hedgeMax, p.hedgeQ = 0, 0, 0 })
}

// maxHedges bounds the attempts of a round to the bits of hedging.inFlight.
const maxHedges = 62

// hedging is the state of a hedged call's current round; the call's mu guards it.
type hedging struct {
	round    int64  // the current round, from 1; a hedge timer belongs to one round
	first    int64  // the round's first attempt
	started  int    // attempts started in the round
	inFlight uint64 // bit i: attempt first+i runs
	winner   int64  // the attempt whose result the call settled with
	tickets  []heldTicket
	lat      *latencies // the key's latencies, for HedgeQuantile; set before the call is submitted
}

// heldTicket is the breaker ticket of one attempt in flight.
type heldTicket struct {
	n int64
	t breaker.Ticket
}

// hedgeTimer is a hedge waiting in the scheduler: the call, and the round it would join. It is
// a job of its own kind so that a hedge delivered after its round ended is told from a retry.
type hedgeTimer struct {
	job
	round int64
}

// hedging returns c's hedging state, nil for a call without Hedge. The pointer never changes
// once the call is submitted, so it may be read without c.mu (the state it points to may not).
func (c *call) hedging() *hedging {
	if c.pol.hedgeMax == 0 {
		return nil
	}
	return c.side.hedge
}

// runs reports whether attempt n is running; c.mu is held.
func (c *call) runs(n int) bool {
	if h := c.hedging(); h != nil {
		i := int64(n) - h.first
		return i >= 0 && i < 64 && h.inFlight&(1<<i) != 0
	}
	return c.running && c.attempts.Load() == int64(n)
}

// startAttempt counts attempt n as started and running; c.mu is held. For a hedged call it
// reports whether a next hedge may follow, and keeps the attempt's breaker ticket.
func (c *call) startAttempt(n int, ticket breaker.Ticket, held bool) (hedgeNext bool) {
	c.running = true
	h := c.hedging()
	if h == nil {
		if held {
			c.ticket, c.holdsTicket = ticket, true
		}
		return false
	}
	if h.inFlight == 0 { // a new round
		h.first, h.started = int64(n), 0
	}
	h.started++
	h.inFlight |= 1 << (int64(n) - h.first)
	if held {
		h.tickets = append(h.tickets, heldTicket{int64(n), ticket})
	}
	return h.started <= c.pol.hedgeMax && n < c.pol.maxAttempts
}

// endAttempt takes attempt n off the running ones and hands back its breaker ticket; c.mu is
// held. others reports attempts of the round still running.
func (c *call) endAttempt(n int) (ticket breaker.Ticket, held, others bool) {
	h := c.hedging()
	if h == nil {
		c.running = false
		ticket, held = c.ticket, c.holdsTicket
		c.holdsTicket = false
		return ticket, held, false
	}
	h.inFlight &^= 1 << (int64(n) - h.first)
	c.running = h.inFlight != 0
	for i, t := range h.tickets {
		if t.n == int64(n) {
			ticket, held = t.t, true
			h.tickets = append(h.tickets[:i], h.tickets[i+1:]...)
			break
		}
	}
	return ticket, held, c.running
}

// roundOver ends a hedged call's round, every attempt of it failed: the hedge that may still
// wait in the scheduler is taken out. It returns the round, the number a backoff strategy
// counts retries by. For a plain call it returns n.
func (e *Engine) roundOver(c *call, n int) int {
	c.mu.Lock()
	h := c.hedging()
	if h == nil {
		c.mu.Unlock()
		return n
	}
	round := h.round
	h.round++
	handle, waiting := c.handle, c.waiting
	c.waiting = false
	c.mu.Unlock()
	if waiting {
		e.sched.Cancel(handle) // delivered already: begin finds its round over
	}
	return int(round)
}

// armHedge puts the next hedge of j's current round in the scheduler, delay from now, unless
// the call settled, the round ended, a hedge already waits, or the budget denies it.
func (e *Engine) armHedge(j job) {
	c := j.base()
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.hedging()
	if c.settled || c.waiting || h.inFlight == 0 {
		return
	}
	if e.budget != nil && !e.budget.Withdraw() {
		e.stats.budget.Add(1)
		return
	}
	handle, err := e.sched.Schedule(time.Now().Add(c.hedgeDelay()), &hedgeTimer{job: j, round: h.round})
	if err != nil {
		return // closing
	}
	c.handle, c.waiting = handle, true
}

// staleHedge reports whether a hedge of round is too late to join it; c.mu is held.
func (c *call) staleHedge(round int64) bool {
	h := c.hedging()
	return h == nil || h.round != round || h.inFlight == 0
}

// stale reports whether h is too late to join its round (the call settled, or the round ended
// while h waited for its delay), so that it takes no turn of its key's pacer.
func (h *hedgeTimer) stale() bool {
	c := h.base()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settled || c.staleHedge(h.round)
}

// winLocked marks attempt n as the winner of its call; c.mu is held.
func (c *call) winLocked(n int) {
	c.running = false
	if h := c.hedging(); h != nil {
		h.inFlight, h.winner = 0, int64(n)
	}
}

// releaseTickets reports, as the call settles, the tickets of a hedged call's attempts still
// held: the winner's with its health, the others' as ignored (they were cut short).
func (e *Engine) releaseTickets(c *call, tickets []heldTicket, winner int64, o *outcome) {
	for _, t := range tickets {
		res := breaker.Ignored
		if o.success && t.n == winner {
			res = o.health
		}
		c.key.brk.Report(t.t, res, o.elapsed)
	}
}

// isHedge reports whether j is a hedge on its way to a worker. A hedge runs when its key has
// room now, or not at all: it never waits in a pacer's or a bulkhead's queue. It is worth
// starting only beside the attempt it races, and it would arrive late; a key that is full or
// paced has no spare capacity to race with; and in a queue it would stand as a second entry of
// its call beside the call's own retry.
func isHedge(j job) bool {
	_, ok := j.(*hedgeTimer)
	return ok
}

// unwrapHedge returns the call a job stands for, and the round of a hedge (0 for other jobs).
func unwrapHedge(j job) (job, int64) {
	if ht, ok := j.(*hedgeTimer); ok {
		return ht.job, ht.round
	}
	return j, 0
}

// attemptContext is the context attempt n runs under: the call itself, or, for a hedged call,
// the call with the attempt's own number (attempts run side by side).
func (c *call) attemptContext(n int, retry, hedge bool) context.Context {
	if c.hedging() == nil {
		return c.context()
	}
	return &numberedAttempt{Context: c.context(), n: int64(n), retry: retry, hedge: hedge}
}

// retrying reports whether attempt n is a retry: of a later round than the first; c.mu is held.
func (c *call) retrying(n int) bool {
	if h := c.hedging(); h != nil {
		return h.round > 1
	}
	return n > 1
}

// checkHedge refuses Hedge on a call that cannot run attempts side by side.
func checkHedge(p *policy) error {
	if p.hedgeMax > 0 && p.maxAttempts < 2 {
		return fmt.Errorf("engine: Hedge with MaxAttempts(%d): hedges are attempts, and none is left", p.maxAttempts)
	}
	return nil
}

// winner returns the attempt whose result settled c, 0 if it failed; c has settled, and c.mu
// is held.
func (c *call) winner(success bool) int {
	switch h := c.hedging(); {
	case !success:
		return 0
	case h != nil:
		return int(h.winner)
	}
	return int(c.attempts.Load())
}

// hedgings returns the hedging state of n calls of pol made together, nil if pol does not hedge.
func hedgings(pol *policy, n int) []hedging {
	if pol.hedgeMax == 0 {
		return nil
	}
	hs := make([]hedging, n)
	lat := pol.latencies()
	for i := range hs {
		hs[i].round, hs[i].lat = 1, lat
	}
	return hs
}

// sideOf makes the side fields of call c of pol: its Fallback, bound to it, and its hedging, in
// one allocation (the method value is made only for a call with a Fallback).
func sideOf(pol *policy, c interface{ fallBack() }) *callSide {
	var s *callSide
	if pol.hedgeMax > 0 {
		both := &struct {
			callSide
			h hedging
		}{h: hedging{round: 1, lat: pol.latencies()}}
		both.hedge = &both.h
		s = &both.callSide
	} else {
		s = new(callSide)
	}
	if pol.fallback != nil {
		s.fallBack = c.fallBack
	}
	return s
}
