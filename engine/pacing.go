package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/scheduler"
)

// Pacing: an adaptive client-side rate limit per key, learnt from the server's pushback.
//
// The design is the AWS SDKs' adaptive retry mode (a token bucket in front of every request,
// enabled by the first throttling error, whose fill rate follows CUBIC: β = 0.7, C = 0.4, a
// minimum fill rate of 0.5/s, the sending rate measured in 0.5 s buckets and smoothed with a
// factor of 0.8), with two changes that fit a client which runs thousands of calls at once:
//
//   - The rate a throttle cuts to is the rate the server admitted over the last window (the
//     answers that were not pushback, per second, while pushback was arriving), not 0.7 times
//     what the client sent. With thousands of calls in flight, every throttled answer cutting by
//     0.7, as in the SDKs, takes the rate to its floor within a second, and CUBIC, whose C is an
//     absolute 0.4 r/s³, then needs ~8 s to climb back to 200 r/s; the admitted rate is what a
//     saturated server tells us directly. 0.7 remains the cut when nothing was admitted at all.
//     The rate is cut at most once per window, as TCP cuts once per round trip.
//   - Attempts wait in the key's FIFO, released one at a time by a tick in the engine's
//     scheduler, at the rate of the moment, rather than each reserving a slot in advance: a
//     backlog of thousands of retries follows the rate as it is learnt, and a waiting attempt
//     is a slice entry, not a goroutine nor a sleeping caller.
//
// The others do not pace. Google SRE client-side throttling (reject locally with probability
// max(0, (requests − K·accepts)/(requests + 1)), K = 2) sheds load the server would refuse: it
// keeps the server at about K times what it admits and fails calls that could have waited their
// turn. gRPC retry throttling (a token bucket of max_tokens, each failure costing 1 and each
// success giving back token_ratio, retries allowed above half) decides whether to retry at all
// (the engine's Budget does that), not when. TCP's AIMD halves on loss and adds one per round
// trip: at a fixed limit it averages three quarters of it, and a run of a few seconds is over
// before it has probed its way up. CUBIC after a cut to the admitted rate spends its time just
// below the limit, and probes above it only slowly.
const (
	paceWindow    = 500 * time.Millisecond // AWS: the measured rate's time bucket
	paceSmoothing = 0.8                    // AWS: weight of the newest measurement
	cubicBeta     = 0.7                    // AWS, RFC 9438: the cut when nothing was admitted
	cubicC        = 0.4                    // AWS, RFC 9438: the cubic's scale, in r/s per s³
	minPaceRate   = 0.5                    // AWS: the lowest fill rate, attempts per second
	maxPaceRate   = 1e6                    // beyond it an interval is too short to schedule
	startPaceRate = 4                      // the first rate when nothing was measured: 2 a window
	paceNoise     = 0.1                    // pushback on at most this share of a window's answers is not a limit
	// paceRetire is how long a pacer with nobody waiting outlives the key's last pushback: then
	// the key is as a never-throttled one again, and costs nothing.
	paceRetire = 10 * paceWindow
	maxPacers  = 1 << 16 // keys paced at once; more throttled keys are not paced, memory stays bounded
)

// PacingMode says which attempts of a key its pacer holds back once the server has pushed back.
type PacingMode uint8

const (
	// PaceRetries paces the retries of a throttled key, the default: the first attempt of a
	// call goes at once (and may be throttled, which teaches the pacer).
	PaceRetries PacingMode = iota
	// PaceAll paces first attempts too: once a key is throttled, every attempt of it waits its
	// turn, so a steady stream of new calls does not add to the pushback.
	PaceAll
	// PaceOff turns pacing off: throttled retries wait for their hint or backoff only.
	PaceOff
)

// WithPacing sets which attempts the per-key pacers hold back (default PaceRetries). A key gets a
// pacer when an attempt of it is throttled (a Decision marked Throttled, an error marked with
// Throttled; httpretry marks 429 and 503 with Retry-After): from then on its attempts wait in the
// key's queue, holding no goroutine, and go at the rate the server admitted, learnt as it
// answers; the rate grows back when the pushback stops (or falls to 1 answer in 10, which is a
// server's odd refusal rather than a limit), and the pacer goes once nothing waits and the rate
// has not pushed back for 5 s. A retry still waits at least its hint or backoff first.
// A paced attempt honours cancellation (it settles at once) and its deadline (a retry whose turn
// would come after it fails at once with ErrDeadline). Keys never throttled cost nothing.
func WithPacing(m PacingMode) Option {
	return optionFunc(func(c *config) {
		if m > PaceOff {
			c.fail("WithPacing: unknown mode %d", m)
			return
		}
		c.pacing = m
	})
}

// PaceState is what a key's pacer holds at one moment.
type PaceState struct {
	Rate    float64 // attempts per second let through: the stricter of the rate learnt and the key's rate limit; 0 while the first window is measured
	Waiting int     // attempts waiting for their turn (some may have settled since)
}

// Pacing returns the state of key's pacer, and false if the key is not paced: never throttled,
// or not lately, and with no rate limit in use.
func (e *Engine) Pacing(key string) (PaceState, bool) {
	p := e.pacers.get(key, false)
	if p == nil {
		return PaceState{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return PaceState{Rate: p.current(), Waiting: len(p.fifo) - p.head}, true
}

// pacers is the engine's registry of pacers, one per throttled or rate-limited key.
type pacers struct {
	mode      PacingMode
	limited   bool                 // keys have rate limits: every attempt asks its key's
	limit     rateLimit            // every key's, unless keyLimits has its own
	keyLimits map[string]rateLimit // read-only once the engine runs
	// maxWaiting bounds a rate-limited key's queue for first attempts (WithRateLimitQueue)
	maxWaiting int
	live       atomic.Int32  // pacers in byKey: 0 spares every attempt a lookup
	waited     atomic.Uint64 // attempts that waited for their turn
	mu         sync.RWMutex
	byKey      map[string]*pacer
	sweepAt    int // the registry's size that makes it forget idle pacers (see sweep)
	closed     bool
}

// pacer is one key's pace, learnt or fixed, and the attempts waiting for it.
type pacer struct {
	key  string
	tick paceTick
	// The key's rate limit, fixed when the pacer is made: fixed attempts a second, and the
	// tolerance of its burst (see ratelimit.go); fixed is 0 if the key has none.
	fixed     float64
	tolerance time.Duration

	mu        sync.Mutex
	next      time.Time // when the next attempt may go
	fifo      []job     // waiting attempts, oldest first from head; settled ones are skipped
	head      int
	scannedAt uint64 // the engine's settled calls when its queue was last rid of settled entries (see waiting)
	ticking   bool   // tick is in the scheduler, or being handled
	tickAt    time.Time
	handle    scheduler.Handle
	last      time.Time // the last attempt let through
	retired   bool
	closed    bool
	learnt
}

// learnt is what a pacer learns from the server's pushback (pacing_rate.go): the rate, the
// current window's measurements, and CUBIC's state since the last cut.
type learnt struct {
	rate      float64 // attempts per second; 0: not learnt yet, nothing is held back for it
	winStart  time.Time
	ok        int       // answers that were not pushback, this window
	okAtPush  int       // ok when the window's last pushback came
	lastPush  time.Time // the last pushback, this window or before
	pushed    bool      // pushback this window
	pushes    int       // answers that were pushback, this window
	admitted  float64   // smoothed rate the server admitted while pushing back
	wmax      float64   // the rate before the last cut
	k         float64   // seconds from the last cut until CUBIC is back at wmax
	cutAt     time.Time // the last cut
	starting  bool      // no cut since the first: slow start (see pacing_rate.go)
	firstPush time.Time
}

// paceTick is a pacer's entry in the scheduler: when it fires, the pacer lets its oldest
// waiting attempt go. It passes for a job, but a settled one, so that whatever takes it for a
// call (Close, above all) leaves it alone.
type paceTick struct{ p *pacer }

var tickCall = func() *call {
	c := &call{settled: true}
	c.isDone.Store(true)
	return c
}()

func (*paceTick) base() *call                                         { return tickCall }
func (*paceTick) attempt(context.Context, int, time.Time, *verdictOf) {}
func (*paceTick) judgeErr(err error) (Decision, breaker.Outcome, error) {
	return Stop(), breaker.Ignored, err
}

// fired takes an item the scheduler handed over and returns the attempt to run now: a due retry
// or hedge, unless its key's pacer or bulkhead holds it back; the attempt a pacer's tick lets go;
// or the waiter that takes a slot when a key's slot tick fires (its adaptive limit rose).
func (e *Engine) fired(j job) (job, bool) {
	switch t := j.(type) {
	case *paceTick:
		if j = t.p.release(e); j == nil {
			return nil, false
		}
		run, _ := e.enterSlot(j, false)
		return j, run
	case *slotTick:
		j = t.release(e)
		return j, j != nil
	}
	if j.base().isDone.Load() {
		return nil, false // settled after it fired: nothing to run
	}
	run, _ := e.enter(j, false)
	return j, run
}

// observePacing tells the pacer of c's key how an attempt was answered: pushback or not. A
// key's first pushback makes its pacer; answers for keys without one cost one atomic load.
func (e *Engine) observePacing(c *call, throttled bool) {
	if !throttled && e.pacers.live.Load() == 0 || e.pacers.mode == PaceOff {
		return
	}
	p := e.pacers.get(c.pol.key, throttled)
	if p == nil {
		return
	}
	if p.observe(e, time.Now(), throttled) {
		e.pacers.retire(p)
	}
}
