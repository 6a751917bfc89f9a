package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/scheduler"
)

// Engine runs calls on a fixed pool of workers and retries them through one scheduler. It is
// safe for concurrent use; one engine serves calls of every result type. Create it with New and
// end it with Close, which is the only way its goroutines stop.
type Engine struct {
	name    string
	born    time.Time // calls keep their submission time relative to it, in 8 bytes
	policy  policy    // the defaults calls start from
	work    chan job
	sched   *scheduler.Scheduler[job]
	brk     *breaker.Breaker
	budget  *Budget
	hooks   hookSet
	timed   bool // hooks or the breaker need timestamps
	current []atomic.Pointer[call]
	stats   counters

	// intake: Submit holds mu for reading while it hands a call over; Close takes it for
	// writing once, to know that no hand-over is under way after closed is set.
	mu      sync.RWMutex
	closed  atomic.Bool
	closing chan struct{} // closed when Close starts: wakes blocked submitters
	live    atomic.Int64  // accepted calls not settled yet
	drained chan struct{} // closed once live reaches 0 after Close started
	drainMu sync.Once

	hard      atomic.Bool // Close's ctx ended: settle what is left instead of running it
	workers   sync.WaitGroup
	watchers  sync.WaitGroup // context.AfterFunc callbacks that may still run
	watchMu   sync.Mutex     // guards watches and the calls' places in them
	watches   map[<-chan struct{}]*parentWatch
	closeOnce sync.Once
	closeDone chan struct{}
	closeErr  error
}

// New validates opts and starts the engine: one scheduler goroutine and the workers.
// Errors name the option and the value at fault.
func New(opts ...Option) (*Engine, error) {
	cfg := config{workers: DefaultWorkers(), queue: -1}
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
	if cfg.queue < 0 {
		cfg.queue = 4 * cfg.workers
	}
	base := defaultPolicy()
	p, err := resolve(&base, cfg.defaults)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		name:      cfg.name,
		born:      time.Now(),
		policy:    *p,
		work:      make(chan job, cfg.queue),
		budget:    cfg.budget,
		hooks:     cfg.hooks,
		current:   make([]atomic.Pointer[call], cfg.workers),
		closing:   make(chan struct{}),
		drained:   make(chan struct{}),
		closeDone: make(chan struct{}),
	}
	if cfg.useBreaker {
		bopts := cfg.breakerOpts
		if len(e.hooks.breakerChange) > 0 {
			bopts = append(bopts[:len(bopts):len(bopts)], breaker.OnStateChange(e.breakerChanged))
		}
		if e.brk, err = breaker.New(bopts...); err != nil {
			return nil, err
		}
	}
	e.timed = e.hooks.timed() || e.brk != nil
	// A small hand-off buffer lets the scheduler pop a batch while workers are busy; items in
	// it count as fired (they can no longer be canceled), so it stays at one per worker.
	if e.sched, err = scheduler.New[job](cfg.workers); err != nil {
		return nil, err
	}
	for i := range e.current {
		e.workers.Go(func() { e.worker(&e.current[i]) })
	}
	return e, nil
}

func (e *Engine) breakerChanged(from, to breaker.State) {
	fire(e.hooks.breakerChange, BreakerChange{Engine: e.name, From: from, To: to})
}

// Breaker returns the engine's circuit breaker, for manual control (ForceOpen, Reset) and its
// counts; nil if the engine has none.
func (e *Engine) Breaker() *breaker.Breaker { return e.brk }

// Close stops intake (Submit returns ErrClosed), lets pending and running calls finish until ctx
// ends, then settles every call still pending with ErrClosed and cancels the contexts of running
// attempts. It returns once every goroutine the engine started has exited: nil if every call
// finished on its own, otherwise ctx's error. An operation that ignores its context keeps its
// worker, and so Close, waiting until it returns. Calling Close again waits for the first call to
// finish and returns nil.
func (e *Engine) Close(ctx context.Context) error {
	first := false
	e.closeOnce.Do(func() {
		first = true
		e.closeErr = e.shutdown(ctx)
		close(e.closeDone)
	})
	if !first {
		<-e.closeDone
		return nil
	}
	return e.closeErr
}

func (e *Engine) shutdown(ctx context.Context) error {
	close(e.closing) // wakes submitters blocked on a full queue
	e.mu.Lock()      // waits for every hand-over under way; later ones see closed
	e.closed.Store(true)
	e.mu.Unlock()
	e.noteSettled(0)

	var err error
	select {
	case <-e.drained:
	case <-ctx.Done():
		err = context.Cause(ctx)
		e.hard.Store(true)
		for i := range e.current {
			if c := e.current[i].Load(); c != nil {
				e.cancelCall(c, ReasonClosed, ErrClosed)
			}
		}
	}
	// No call is pending or will be (graceful), or everything left is being settled as closed
	// (hard stop): the scheduler hands back what it holds, and closing the work queue, which
	// nobody sends on after the intake fence, lets the workers drain it and exit.
	for _, j := range e.sched.Close() {
		e.cancelCall(j.base(), ReasonClosed, ErrClosed)
	}
	close(e.work)
	e.workers.Wait()
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
