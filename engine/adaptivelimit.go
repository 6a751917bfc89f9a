package engine

import (
	"context"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/internal/adaptive"
)

// AdaptiveLimit bounds the per-key limits of WithAdaptiveLimit. A zero Min, Max or Initial takes
// its default; Queue is taken as it is, as WithBulkhead's queue.
type AdaptiveLimit struct {
	Min     int // the lowest a key's limit falls to (default 1)
	Max     int // the highest it rises to (default 200)
	Initial int // where every key's limit starts (default 20, or Min or Max if it is outside them)
	Queue   int // first attempts that may wait for a slot per key; more are refused with ErrBulkheadFull
}

// The defaults of AdaptiveLimit: failsafe-go's adaptive limiter's, and Netflix concurrency-limits'
// Gradient2's except for its floor of 20, which suits a server shedding its own load, not a
// client that may have to wait for a dependency to come back one attempt at a time.
const (
	DefaultAdaptiveMin     = 1
	DefaultAdaptiveMax     = 200
	DefaultAdaptiveInitial = 20
)

// WithAdaptiveLimit gives every key (see Key; calls without one share the key "") a bulkhead
// whose limit adjusts itself, instead of WithBulkhead's fixed one: each attempt that ends tells
// its key's limit how long it took and whether it was dropped, and the limit follows. Latency
// above 1.5 times the key's usual (a long average) pulls the limit down, but not below 8 (the
// headroom Gradient2 adds), and only until the long average has learnt the new latency as
// usual, a few hundred attempts later; latency at or below it, with at least half the slots in
// use, lets it grow. A limit under 8 is reached by drops alone: a drop (an attempt timed out, pushed back
// (Throttled), or judged a Failure by the call's breaker classifier, see BreakerClassify) cuts it
// by a tenth, once for all the attempts that were in flight together. Attempts cut short by the
// call's end (canceled, closed, a hedge that lost) and those the classifier calls Ignored teach
// it nothing. The algorithm is Netflix concurrency-limits' Gradient2, with a cut on drops from
// its AIMD limit.
//
// Everything else is as WithBulkhead: attempts over the limit (retries included) wait in the
// key's FIFO queue, holding no goroutine, and are let go as slots free or the limit rises; at
// most l.Queue first attempts wait per key; a hedge that finds no free slot is not started.
// KeyStats shows a key's current limit. An engine takes WithAdaptiveLimit or WithBulkhead, not
// both.
func WithAdaptiveLimit(l AdaptiveLimit) Option {
	return optionFunc(func(c *config) {
		if c.bulkhead.limit > 0 && c.bulkhead.adaptive == nil {
			c.fail("WithAdaptiveLimit: the engine has WithBulkhead; give one or the other")
			return
		}
		def := func(n, d int) int {
			if n == 0 {
				return d
			}
			return n
		}
		lo, hi := def(l.Min, DefaultAdaptiveMin), def(l.Max, DefaultAdaptiveMax)
		if !c.within("WithAdaptiveLimit Min", lo, 1, maxConcurrencyLimit) ||
			!c.within("WithAdaptiveLimit Max", hi, lo, maxConcurrencyLimit) ||
			!c.within("WithAdaptiveLimit Queue", l.Queue, 0, maxQueueLimit) {
			return
		}
		initial := min(max(DefaultAdaptiveInitial, lo), hi)
		if l.Initial != 0 {
			if !c.within("WithAdaptiveLimit Initial", l.Initial, lo, hi) {
				return
			}
			initial = l.Initial
		}
		c.bulkhead = bulkhead{limit: hi, queue: l.Queue, adaptive: &AdaptiveLimit{Min: lo, Max: hi, Initial: initial, Queue: l.Queue}}
	})
}

// keyLimit is a key's adaptive limit, and the entry in the scheduler that lets its waiters go
// when the limit rises; its key's lock guards it.
type keyLimit struct {
	adaptive.Limit
	tick    slotTick
	ticking bool // tick is in the scheduler, or being handled
}

// newLimit makes a key's adaptive limit, nil if the engine has none.
func (e *Engine) newLimit(k *keyState) *keyLimit {
	a := e.bulkhead.adaptive
	if a == nil {
		return nil
	}
	return &keyLimit{Limit: adaptive.New(a.Min, a.Max, a.Initial), tick: slotTick{k}}
}

// slots returns how many attempts k admits at once; k.mu is held.
func (e *Engine) slots(k *keyState) int {
	if k.lim != nil {
		return k.lim.Current()
	}
	return e.bulkhead.limit
}

// A sample is what an attempt that ended tells its key's adaptive limit.
type sample struct {
	rtt  time.Duration
	kind uint8
}

const (
	noSample   uint8 = iota // the attempt tells nothing
	sampleOK                // its latency is the dependency's
	sampleDrop              // it failed in a way that tells of overload
)

// sampleOf tells what an attempt of c, started at start and judged as v says, teaches its key's
// limit. It runs before the verdict is acted on, so a call settled already was settled by
// someone else.
//
//go:noinline
func (e *Engine) sampleOf(c *call, start time.Time, v *verdictOf) sample {
	s := sample{rtt: time.Since(start)}
	c.mu.Lock()
	settled := c.settled
	c.mu.Unlock()
	switch {
	case c.pol.attemptTimeout > 0 && s.rtt >= c.pol.attemptTimeout:
		s.kind = sampleDrop // abandoned at its timeout, or as good as
	case settled:
		// Canceled, closed, or another hedge won: the attempt was cut short, and how long it
		// would have taken is not known.
	case v.health == breaker.Success && !v.d.throttled:
		s.kind = sampleOK
	case closed(c.parent.Done()):
		// The caller gave up: the attempt failed because of that, not because of the dependency.
	case v.d.throttled || v.health == breaker.Failure:
		s.kind = sampleDrop
	}
	return s
}

// observe gives k's adaptive limit the sample of an attempt that held one of its k.running slots;
// k.mu is held. If the limit rose, armTick lets the waiters it makes room for go.
func (k *keyState) observe(s sample) {
	if k.lim != nil && s.kind != noSample {
		k.lim.Observe(s.rtt, k.running, s.kind == sampleDrop)
	}
}

// armTick puts k's tick in the scheduler, due now, if waiters can take slots and no tick is on
// its way. k.mu is held; the caller schedules the tick once it is released, if told to.
func (k *keyState) armTick() bool {
	if k.lim == nil || k.lim.ticking || k.queued == 0 || k.running >= k.lim.Current() {
		return false
	}
	k.lim.ticking = true
	return true
}

// scheduleTick hands k's tick to the scheduler. A closed scheduler takes nothing: Close settles
// the waiters.
func (e *Engine) scheduleTick(k *keyState) {
	_, _ = e.sched.Schedule(time.Now(), job(&k.lim.tick))
}

// slotTick is a key's entry in the scheduler while its limit has room for its waiters: when it
// fires, the oldest waiter takes a slot and runs. Like a pacer's tick, it passes for a settled
// job, which whatever takes it for a call (Close, above all) leaves alone.
type slotTick struct{ k *keyState }

func (*slotTick) base() *call                                         { return tickCall }
func (*slotTick) attempt(context.Context, int, time.Time, *verdictOf) {}
func (*slotTick) judgeErr(err error) (Decision, breaker.Outcome, error) {
	return Stop(), breaker.Ignored, err
}

// release gives the oldest waiter of t's key a slot, if the limit still has room, and returns it
// to run; another tick follows while there is room and someone waits.
func (t *slotTick) release(e *Engine) job {
	k := t.k
	k.mu.Lock()
	k.lim.ticking = false
	var next job
	if k.running < k.lim.Current() {
		if next = e.pop(k); next != nil {
			k.running++
		}
	}
	again := k.armTick()
	k.mu.Unlock()
	if again {
		e.scheduleTick(k)
	}
	return next
}
