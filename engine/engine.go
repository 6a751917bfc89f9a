package engine

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/internal/bubble"
	"github.com/recur-go/recur/scheduler"
)

// Engine runs calls on an elastic pool of workers and retries them through one scheduler. It is
// safe for concurrent use; one engine serves calls of every result type. Create it with New and
// end it with Close, which is the only way its goroutines stop.
type Engine struct {
	name        string
	born        time.Time // calls keep their submission time relative to it, in 8 bytes
	policy      policy    // the defaults calls start from, overrides applied
	overrides   []CallOption
	sched       *scheduler.Scheduler[job]
	pool        pool
	keys        keys
	bulkhead    bulkhead
	breakers    bool // every key has a breaker made from breakerOpts
	breakerOpts []breaker.Option
	newBreaker  func(key string, opts ...breaker.Option) (*breaker.Breaker, error) // nil: breaker.New
	budget      RetryBudget
	pacers      pacers
	latencyKeys latencyKeys // recent attempt latencies by key, for HedgeQuantile
	hooks       hookSet
	timed       bool // hooks or the breaker need timestamps
	onCaller    bool // Do may run its first attempt on its caller's goroutine (caller.go)
	keyStats    bool // keys count their calls (WithKeyStats)
	bubbled     bool // created inside a testing/synctest bubble (see bubble.go)
	stats       counters

	// intake: Submit holds mu for reading while it hands a call over; Close takes it for
	// writing once, to know that no hand-over is under way after closed is set.
	mu      sync.RWMutex
	closed  atomic.Bool
	closing chan struct{} // closed when Close starts: wakes blocked submitters
	live    atomic.Int64  // accepted calls not settled yet
	drained chan struct{} // closed once live reaches 0 after Close started
	drainMu sync.Once

	hard       atomic.Bool    // Close's ctx ended: settle what is left instead of running it
	halt       chan struct{}  // closed with hard: wakes the retry dispatcher
	dispatched chan struct{}  // closed when the retry dispatcher has exited
	watchers   sync.WaitGroup // context.AfterFunc callbacks that may still run
	watchMu    sync.Mutex     // guards watches and the calls' places in them
	watches    map[<-chan struct{}]*parentWatch
	// Close has started; later calls wait on closeDone, a channel, not on a sync.Once, whose
	// mutex a synctest bubble does not count as durably blocked.
	closeStarted atomic.Bool
	closeDone    chan struct{}
	closeErr     error
}

// New validates opts and starts the engine: its scheduler and the goroutine that hands due
// retries to workers. Workers start when there is work. Errors name the option and the value
// at fault.
func New(opts ...Option) (*Engine, error) {
	cfg := config{
		maxWorkers:  DefaultMaxConcurrency,
		minWorkers:  DefaultMinWorkers(),
		idleTimeout: DefaultIdleTimeout,
		queue:       DefaultQueueSize,
		rateQueue:   DefaultRateLimitQueue,
		keyIdle:     DefaultKeyIdle,
	}
	for _, o := range opts {
		if o == nil {
			cfg.fail("nil Option")
			continue
		}
		o.apply(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	base := defaultPolicy()
	p, err := resolve(&base, append(cfg.defaults[:len(cfg.defaults):len(cfg.defaults)], cfg.overrides...))
	if err != nil {
		return nil, err
	}
	e := &Engine{
		name:        cfg.name,
		born:        time.Now(),
		bubbled:     bubble.Inside(),
		policy:      *p,
		overrides:   cfg.overrides,
		bulkhead:    cfg.bulkhead,
		breakers:    cfg.useBreaker,
		breakerOpts: cfg.breakerOpts,
		newBreaker:  cfg.newBreaker,
		budget:      cfg.budget,
		hooks:       cfg.hooks,
		closing:     make(chan struct{}),
		drained:     make(chan struct{}),
		halt:        make(chan struct{}),
		dispatched:  make(chan struct{}),
		closeDone:   make(chan struct{}),
	}
	e.policy.e = e
	e.pool = pool{
		born:        e.born,
		maxWorkers:  int32(cfg.maxWorkers),
		minWorkers:  int32(min(cfg.minWorkers, cfg.maxWorkers)),
		idleTimeout: cfg.idleTimeout,
		maxQueue:    cfg.queue,
		maxStarting: 2 * runtime.GOMAXPROCS(0),
	}
	e.keys = keys{e: e, idleFor: cfg.keyIdle, sweepAt: minSweep}
	e.keyStats = cfg.keyStats
	e.pacers.mode = cfg.pacing
	e.pacers.limit, e.pacers.keyLimits, e.pacers.maxWaiting = cfg.limit, cfg.keyLimits, cfg.rateQueue
	e.pacers.limited = cfg.limit.rate > 0 || len(cfg.keyLimits) > 0
	if e.breakers || e.bulkhead.limit > 0 || e.keyStats {
		if e.keys.def, err = e.newKey(""); err != nil {
			return nil, err
		}
		e.keys.byName = make(map[string]*keyState)
	}
	e.timed = e.hooks.timed() || e.breakers || e.bulkhead.adaptive != nil
	e.onCaller = !cfg.workersOnly && !cfg.capped && cfg.bulkhead.limit == 0
	// A small buffer lets the scheduler hand over a batch of due retries at once; items in it
	// count as fired (they can no longer be canceled), so it stays small.
	if e.sched, err = scheduler.New[job](64); err != nil {
		return nil, err
	}
	go e.dispatchRetries()
	return e, nil
}

// dispatchRetries hands each due retry to the pool (or to its key's queue) until Close closes
// the scheduler. It blocks while the pool is at its cap and its queue full: the retries behind
// it wait in the scheduler, holding no goroutine.
func (e *Engine) dispatchRetries() {
	defer close(e.dispatched)
	for j := range e.sched.C() {
		j, run := e.fired(j)
		if !run {
			continue // settled, or waits for its key's pacer or a slot of its bulkhead
		}
		if err := e.dispatch(j, true, nil, e.halt); err != nil {
			e.giveBack(j)
			e.cancelCall(j.base(), ReasonClosed, ErrClosed)
		}
	}
}

// Breaker returns the breaker of calls without a key, for manual control (ForceOpen, Reset) and
// its counts; nil if the engine has no breakers. KeyBreaker returns a key's.
func (e *Engine) Breaker() *breaker.Breaker {
	if e.keys.def == nil {
		return nil
	}
	return e.keys.def.brk
}

// Close stops intake (Submit returns ErrClosed), lets pending and running calls finish until ctx
// ends, then settles every call still pending with ErrClosed and cancels the contexts of running
// attempts. It returns once every goroutine the engine started has exited: nil if every call
// finished on its own, otherwise ctx's error. An operation that ignores its context keeps its
// worker, and so Close, waiting until it returns. Calling Close again waits for the first call to
// finish and returns nil. Called across a testing/synctest bubble's boundary (see ErrCrossBubble),
// Close does nothing and returns that error.
//
// Close called on one of the engine's own goroutines (by an operation, a classifier, a strategy or
// a hook) cannot wait for that goroutine, nor for the call it runs in, which is pending until it
// returns. There, Close stops intake and settles what is left as usual, but returns ctx's error
// when ctx ends (so give it a context that does), and the engine finishes closing once the
// goroutine is free; a later Close from outside waits for that.
//
// A nil ctx is an error, returned before anything changes, as for Submit: the engine goes on, and
// a later Close with a real context closes it.
func (e *Engine) Close(ctx context.Context) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	if err := e.checkBubble(); err != nil {
		return err // closing from across the boundary would abort the program
	}
	inside := onEngineGoroutine()
	first := e.closeStarted.CompareAndSwap(false, true)
	if first {
		e.stopIntake()
		if !inside {
			e.finish(ctx)
			return e.closeErr
		}
		go e.finish(ctx) // not on this goroutine, which finish has to wait for
	}
	if !inside {
		<-e.closeDone
		return nil
	}
	select {
	case <-e.closeDone: // not this engine's goroutine after all: another engine's
		if first {
			return e.closeErr
		}
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// stopIntake makes Submit fail with ErrClosed and waits for the hand-overs under way.
func (e *Engine) stopIntake() {
	close(e.closing) // wakes submitters blocked on a full queue
	e.mu.Lock()      // waits for every hand-over under way; later ones see closed
	e.closed.Store(true)
	e.mu.Unlock()
	e.noteSettled(0)
}

// finish does the rest of the first Close, once intake has stopped.
func (e *Engine) finish(ctx context.Context) {
	e.closeErr = e.shutdown(ctx)
	close(e.closeDone)
}

// shutdown lets the calls finish until ctx ends, settles what is left, and joins the engine's
// goroutines.
func (e *Engine) shutdown(ctx context.Context) error {
	var err error
	select {
	case <-e.drained:
	case <-ctx.Done():
		err = context.Cause(ctx)
		e.hard.Store(true)
		close(e.halt)
		for _, c := range e.pool.running() {
			e.cancelCall(c, ReasonClosed, ErrClosed)
		}
	}
	// No call is pending or will be (graceful), or everything left is being settled as closed
	// (hard stop): the scheduler hands back what it holds and closes its channel, which ends
	// the retry dispatcher. Then nobody adds to the work queue or the keys' queues: what they
	// hold is settled here, not left to workers that may all be stuck in operations.
	for _, j := range e.sched.Close() {
		e.cancelCall(j.base(), ReasonClosed, ErrClosed)
	}
	<-e.dispatched
	for _, j := range e.pacers.drain() {
		e.cancelCall(j.base(), ReasonClosed, ErrClosed)
	}
	e.keys.each(func(k *keyState) {
		for _, j := range e.drainFIFO(k) {
			e.cancelCall(j.base(), ReasonClosed, ErrClosed)
		}
	})
	for _, j := range e.pool.close() {
		e.giveBack(j) // the bulkhead slot it took on its way to the queue
		e.cancelCall(j.base(), ReasonClosed, ErrClosed)
	}
	e.pool.wait()
	e.watchers.Wait()
	return err
}

// noteSettled records that delta calls left the live set and, once Close has started and none
// is left, lets Close go on.
func (e *Engine) noteSettled(delta int64) {
	if e.live.Add(-delta) == 0 && e.closed.Load() {
		e.drainMu.Do(func() { close(e.drained) })
	}
}
