package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool is elastic: an attempt handed to the pool goes to an idle worker if one is
// waiting, else to a new worker while fewer than maxWorkers run, else into the bounded queue,
// which workers empty before they go idle. A worker idle for idleTimeout exits, down to
// minWorkers. So a running attempt holds a goroutine and nothing else does.
type pool struct {
	maxWorkers  int32
	minWorkers  int32
	idleTimeout time.Duration
	total       atomic.Int32 // workers alive
	idle        atomic.Int32 // workers waiting for work
	handoff     chan job     // unbuffered: a send succeeds only if a worker is waiting
	queue       chan job     // attempts waiting while maxWorkers workers are busy
	wg          sync.WaitGroup

	mu      sync.Mutex // guards the list of workers, which Close reads to cancel what runs
	workers *worker
}

// worker is one worker goroutine's entry in the pool's list.
type worker struct {
	current    atomic.Pointer[call] // the call whose attempt this worker runs, for Close
	prev, next *worker
}

// grow reserves room for one more worker, if the pool is below its cap.
func (p *pool) grow() bool {
	for {
		n := p.total.Load()
		if n >= p.maxWorkers {
			return false
		}
		if p.total.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// shrink lets a worker go if more than minWorkers remain.
func (p *pool) shrink() bool {
	for {
		n := p.total.Load()
		if n <= p.minWorkers {
			return false
		}
		if p.total.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// start hands j to an idle worker or to a new one; false means the pool is at its cap.
func (e *Engine) start(j job) bool {
	select {
	case e.pool.handoff <- j:
		return true
	default:
	}
	if !e.pool.grow() {
		return false
	}
	e.spawn(j)
	return true
}

// dispatch hands j's attempt to the pool. At the cap it queues j: waiting for room if block is
// set, until ctx or stop ends (nil channels never do), else failing with ErrQueueFull.
func (e *Engine) dispatch(j job, block bool, ctx context.Context, stop <-chan struct{}) error {
	if e.start(j) {
		return nil
	}
	select {
	case e.pool.queue <- j:
	default:
		if !block {
			return ErrQueueFull
		}
		var done <-chan struct{}
		if ctx != nil {
			done = ctx.Done()
		}
		select {
		case e.pool.queue <- j:
		case <-done:
			return context.Cause(ctx)
		case <-stop:
			return ErrClosed
		}
	}
	// A worker may have exited between the cap check and the queueing, leaving room and
	// nobody to empty the queue; a worker that exits checks the queue after it leaves, so
	// between the two of us one sees the other.
	if e.pool.grow() {
		e.spawn(nil)
	}
	return nil
}

// spawn starts a worker whose first attempt is j (if any); its room was reserved by grow.
func (e *Engine) spawn(j job) {
	w := &worker{}
	p := &e.pool
	p.mu.Lock()
	w.next = p.workers
	if p.workers != nil {
		p.workers.prev = w
	}
	p.workers = w
	p.mu.Unlock()
	p.wg.Go(func() { e.work(w, j) })
}

// work is a worker's life: run attempts, take queued ones, wait idle for more, exit when idle
// too long (above the floor) or when Close closes the channels.
func (e *Engine) work(w *worker, j job) {
	p := &e.pool
	defer p.unlist(w)
	var timer *time.Timer
	for {
		if j != nil {
			e.run(w, j)
		}
		select {
		case next, ok := <-p.queue:
			if !ok {
				return
			}
			j = next
			continue
		default:
		}
		if timer == nil {
			timer = time.NewTimer(p.idleTimeout)
		} else {
			timer.Reset(p.idleTimeout)
		}
		var ok bool
		if j, ok = e.await(timer); !ok {
			return
		}
	}
}

// await waits idle for the next attempt. When the timer fires, the worker exits if the pool may
// shrink, or else waits on without a limit.
func (e *Engine) await(timer *time.Timer) (job, bool) {
	p := &e.pool
	p.idle.Add(1)
	defer p.idle.Add(-1)
	timeout := timer.C
	for {
		select {
		case j, ok := <-p.handoff:
			if !ok { // Close closed the queue first: take what it still holds, then go
				j, ok = <-p.queue
			}
			return j, ok
		case j, ok := <-p.queue:
			return j, ok
		case <-timeout:
			if !p.shrink() {
				timeout = nil
				continue
			}
			// Out of the count now: see dispatch for why the queue is checked after.
			if len(p.queue) > 0 && p.grow() {
				timer.Reset(p.idleTimeout)
				continue
			}
			return nil, false
		}
	}
}

// unlist takes an exiting worker off the pool's list.
func (p *pool) unlist(w *worker) {
	p.mu.Lock()
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		p.workers = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	}
	p.mu.Unlock()
}

// running returns the calls whose attempts are running now, for Close.
func (p *pool) running() []*call {
	p.mu.Lock()
	defer p.mu.Unlock()
	var calls []*call
	for w := p.workers; w != nil; w = w.next {
		if c := w.current.Load(); c != nil {
			calls = append(calls, c)
		}
	}
	return calls
}
