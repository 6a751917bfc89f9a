package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Rate limits: a token bucket per key, kept by the key's pacer (pacing.go). A pacer lets an
// attempt go when its turn has come, and otherwise holds it in the key's FIFO until a tick in
// the scheduler releases it; a rate limit is that pacer with a rate fixed by the user instead of
// one learnt from the server's pushback. The turn is the generic cell rate algorithm's: the next
// attempt may go at next, and each one that goes moves next to max(next, now-tolerance) plus the
// interval, so that after a pause burst attempts go at once and then one every interval, which is
// a token bucket of burst tokens filled at rate. A key that also pushes back is paced at the
// stricter of the two: the longer interval and the smaller tolerance.

// ErrRateLimited: the key's rate limit had no token for the attempt and the call asked not to
// wait for one (FailIfLimited), or, for a first attempt, its turn would come after the call's
// deadline. Submit returns it as it is for a first attempt (matching context.DeadlineExceeded
// too in the second case); a retry without a token under FailIfLimited settles the call with
// ReasonRateLimited, whose sentinel it is. A retry whose turn would come after the deadline
// fails with ErrDeadline, as any retry that cannot start in time.
var ErrRateLimited = errors.New("engine: rate limited")

// errTokenTooLate refuses a first attempt whose token would come after the caller's deadline.
var errTokenTooLate = fmt.Errorf("%w: no token before the deadline: %w", ErrRateLimited, context.DeadlineExceeded)

// The bounds of a rate limit: a token every 1,000 s at the slowest, and a burst whose tolerance,
// (burst-1) intervals, fits a time.Duration.
const (
	minRateLimit = 1e-3
	maxBurst     = 1 << 20
)

// rateLimit is a key's token bucket; a zero rate means none.
type rateLimit struct {
	rate  float64 // tokens a second
	burst int     // tokens at most, after a pause
}

// tolerance is how far behind its schedule the bucket may fall and catch up: the time burst-1
// tokens take to come.
func (l rateLimit) tolerance() time.Duration {
	// Whole intervals, as the pacer counts them (interval rounds 1/rate down to the nanosecond):
	// computed apart, the two could round apart, and burst+1 attempts start a nanosecond or
	// two less than an interval apart.
	return time.Duration(l.burst-1) * time.Duration(float64(time.Second)/l.rate)
}

// WithRateLimit limits every key (see Key; calls without one share the key "") to rate attempts
// a second, with bursts of up to burst after a pause: a token bucket per key. Every attempt takes
// a token: first attempts, retries and each hedge (hedges are load on the dependency too). An
// attempt without a token waits for its turn in the key's FIFO queue, holding no goroutine, and a
// tick in the scheduler lets the queue go one attempt per token; an attempt whose turn would come
// after its call's deadline fails at once (a first attempt is refused by Submit with
// ErrRateLimited, which matches context.DeadlineExceeded too; a retry fails with ErrDeadline),
// and with OnRateLimit(FailIfLimited) an attempt fails at once whenever it has no token. A hedge
// never waits (see Hedge): without a token now it is not started, and its round goes on. Do's
// first attempt runs on the caller's goroutine when it has a token, and on a worker when its turn
// comes otherwise. A key whose server also pushes back (see WithPacing) goes at the stricter of
// its rate limit and the rate learnt.
//
// The bucket hands out tokens; where a bulkhead (WithBulkhead, WithAdaptiveLimit) or a capped
// pool (WithMaxConcurrency) makes an attempt wait after it took its token, attempts may start
// closer together than the bucket hands tokens out. A token an attempt took is spent even if
// the bulkhead then refuses the call. With a burst of 1 the spacing is strict, and every turn
// waits for the scheduler's timer: on a machine whose timers fire late (a busy one, or a rate
// beyond a few thousand a second) the rate achieved is lower; a burst of rate × 10ms or more
// absorbs that lateness. At most WithRateLimitQueue attempts wait per key.
//
// rate is in attempts a second (0.5: one every 2 s), from 0.001 to 1e6; burst from 1 to 2^20.
// WithKeyRateLimit sets another limit for one key. A key's bucket is made on first use and
// forgotten when full and idle, so that memory follows the keys in use.
func WithRateLimit(rate float64, burst int) Option {
	return optionFunc(func(c *config) {
		if l, ok := c.rateLimit("WithRateLimit", rate, burst); ok {
			c.limit = l
		}
	})
}

// WithKeyRateLimit limits key to rate attempts a second with bursts of burst, as WithRateLimit
// limits every key, overriding it for this key. It may be given for several keys.
func WithKeyRateLimit(key string, rate float64, burst int) Option {
	return optionFunc(func(c *config) {
		l, ok := c.rateLimit(fmt.Sprintf("WithKeyRateLimit(%q)", key), rate, burst)
		if !ok {
			return
		}
		if c.keyLimits == nil {
			c.keyLimits = make(map[string]rateLimit)
		}
		c.keyLimits[key] = l
	})
}

// rateLimit checks a rate limit's arguments, and records an error naming the option if need be.
func (c *config) rateLimit(option string, rate float64, burst int) (rateLimit, bool) {
	if math.IsNaN(rate) || rate < minRateLimit || rate > maxPaceRate {
		c.fail("%s rate %v: must be between %v and %v attempts a second", option, rate, minRateLimit, float64(maxPaceRate))
		return rateLimit{}, false
	}
	if !c.within(option+" burst", burst, 1, maxBurst) {
		return rateLimit{}, false
	}
	return rateLimit{rate: rate, burst: burst}, true
}

// DefaultRateLimitQueue is how many attempts may wait for a token of one key before its first
// attempts are refused (WithRateLimitQueue): 10,000 waiting calls, about 2 MB.
const DefaultRateLimitQueue = 10_000

// WithRateLimitQueue bounds each rate-limited key's queue (default DefaultRateLimitQueue): a
// first attempt that finds n attempts waiting for a token of its key is refused, and Submit (and
// TrySubmit, Do, the batches) returns ErrRateLimited, as a full bulkhead refuses with
// ErrBulkheadFull. Retries of calls already admitted always wait their turn. Calls with a
// deadline are also refused when their turn would come after it, however short the queue. n is
// from 1 to 2^24.
func WithRateLimitQueue(n int) Option {
	return optionFunc(func(c *config) {
		if c.within("WithRateLimitQueue", n, 1, maxQueueLimit) {
			c.rateQueue = n
		}
	})
}

// waiting reports how many attempts wait in p's queue; p.mu is held. A queue at the bound is
// rid of its settled entries first, unless no call of the engine has settled since it last was
// (then it holds none): a flood of calls refused by a full queue does not scan it for each.
func (e *Engine) waiting(p *pacer, bound int) int {
	n := len(p.fifo) - p.head
	if n < bound {
		return n
	}
	settled := e.stats.settled()
	if settled == p.scannedAt {
		return n
	}
	p.compact()
	p.scannedAt = settled
	return len(p.fifo)
}

// RateLimitMode says what an attempt does when its key's rate limit has no token for it.
type RateLimitMode uint8

const (
	// WaitForToken waits for the attempt's turn in the key's queue (the default), unless the
	// turn comes after the call's deadline.
	WaitForToken RateLimitMode = iota
	// FailIfLimited fails the attempt at once: Submit refuses a first attempt with
	// ErrRateLimited, and a retry settles the call with ReasonRateLimited.
	FailIfLimited
)

// OnRateLimit sets what a call's attempts do when their key's rate limit (WithRateLimit) has no
// token for them (default WaitForToken).
func OnRateLimit(m RateLimitMode) CallOption {
	return callOptionFunc(func(p *policy) {
		if m > FailIfLimited {
			p.fail("OnRateLimit: unknown mode %d", m)
			return
		}
		p.rateMode = m
	})
}

// limitOf returns key's rate limit; a zero one if it has none.
func (ps *pacers) limitOf(key string) rateLimit {
	if l, ok := ps.keyLimits[key]; ok {
		return l
	}
	return ps.limit
}

// refuse turns away an attempt that its key's pacer cannot let go at once (FailIfLimited) or
// before its call's deadline (r is ReasonDeadline). A first attempt's call is not admitted: the
// error is Submit's. A retry settles its call. limited says that a rate limit, not only a learnt
// rate, held the attempt back.
func (e *Engine) refuse(j job, first, limited bool, r Reason) error {
	if limited {
		e.stats.rateLimited.Add(1)
	}
	if first {
		if r == ReasonDeadline {
			return errTokenTooLate
		}
		return ErrRateLimited
	}
	var cause error
	if r == ReasonDeadline {
		cause = context.DeadlineExceeded
	}
	e.settle(j.base(), outcome{reason: r, cause: cause})
	return nil
}

// enterBatch is enter for the first attempts of a batch, all of key k: its key's rate limit,
// then its bulkhead (enterAll). The calls with a token go on to the bulkhead, the rest wait in
// the pacer's queue as single calls would. A batch that the rate limit refuses (FailIfLimited
// without a token for every call, or the last call's turn after the deadline) is refused whole,
// as enterAll refuses one that the bulkhead cannot queue, so that a refused batch never started.
func (e *Engine) enterBatch(k *keyState, js []job) ([]job, error) {
	ps := &e.pacers
	if !ps.limited || len(js) == 0 || ps.limitOf(js[0].base().pol.key).rate == 0 {
		return e.enterAll(k, js)
	}
	for {
		p := ps.get(js[0].base().pol.key, true)
		if p == nil { // closed
			return nil, ErrClosed
		}
		p.mu.Lock()
		if p.retired { // forgotten, idle, as we found it: a new pacer takes its place
			p.mu.Unlock()
			continue
		}
		run, err := e.paceBatch(p, k, js)
		p.mu.Unlock()
		return run, err
	}
}

// paceBatch is enterBatch at pacer p, whose lock is held: the bulkhead is asked before the
// pacer's state changes, so that a batch the bulkhead refuses takes no turn.
func (e *Engine) paceBatch(p *pacer, k *keyState, js []job) ([]job, error) {
	c := js[0].base()
	now := time.Now()
	next, n := p.next, 0 // the turns a loop of single calls would take
	if p.head == len(p.fifo) {
		for n < len(js) && !now.Before(next) {
			next = p.after(next, now)
			n++
		}
	}
	if wait := len(js) - n; wait > 0 {
		last := next.Add(time.Duration(len(p.fifo)-p.head+wait-1) * p.interval())
		switch {
		case c.pol.rateMode == FailIfLimited || e.waiting(p, e.pacers.maxWaiting)+wait > e.pacers.maxWaiting:
			e.stats.rateLimited.Add(uint64(len(js)))
			return nil, ErrRateLimited
		case missesDeadline(c.parent, last):
			e.stats.rateLimited.Add(uint64(len(js)))
			return nil, errTokenTooLate
		}
	}
	run, err := e.enterAll(k, js[:n])
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.next, p.last = next, now
	}
	for _, j := range js[n:] {
		p.wait(e, j, now)
	}
	return run, nil
}
