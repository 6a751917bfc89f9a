package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// The worker pool is elastic: an attempt handed to the pool goes to an idle worker if there is
// one, else to a new worker while fewer than maxWorkers run, else into the bounded queue, which
// workers empty before they go idle. Idle workers wait on channels of their own, on a stack: the
// most recently idle is woken first, so a steady load keeps a few warm workers busy and leaves the
// rest idle long enough for the reaper (one timer for the whole pool) to let them go, down to
// minWorkers. A running attempt holds a goroutine and nothing else does.
type pool struct {
	maxWorkers  int32
	minWorkers  int32
	idleTimeout time.Duration
	total       atomic.Int32 // workers alive
	queue       chan job     // attempts waiting while maxWorkers workers are busy
	wg          sync.WaitGroup

	mu      sync.Mutex // guards what follows
	idle    []*worker  // waiting for work, the most recently idle last
	workers *worker    // every worker, for Close to find what runs
	closed  bool
	reaper  *time.Timer // armed while workers are idle
	reaping bool
	reaps   sync.WaitGroup // a reaper run that may still be under way
}

// worker is one worker goroutine's entry in the pool.
type worker struct {
	current    atomic.Pointer[call] // the call whose attempt this worker runs, for Close
	wake       chan job             // a job to run; nil to look at the queue; closed to exit
	idleSince  time.Time
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

// popIdle takes the most recently idle worker, if any.
func (p *pool) popIdle() *worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	w := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return w
}

// start hands j to an idle worker or to a new one; false means the pool is at its cap.
func (e *Engine) start(j job) bool {
	if w := e.pool.popIdle(); w != nil {
		w.wake <- j // never blocks: an idle worker's channel is empty
		return true
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
	p := &e.pool
	select {
	case p.queue <- j:
	default:
		if !block {
			return ErrQueueFull
		}
		var done <-chan struct{}
		if ctx != nil {
			done = ctx.Done()
		}
		select {
		case p.queue <- j:
		case <-done:
			return context.Cause(ctx)
		case <-stop:
			return ErrClosed
		}
	}
	// A worker may have gone idle, or exited, between the look for one and the queueing: it
	// looked at the queue before it parked (or left), so one of us sees the other.
	if w := p.popIdle(); w != nil {
		w.wake <- nil
	} else if p.grow() {
		e.spawn(nil)
	}
	return nil
}

// spawn starts a worker whose first attempt is j (if any); its room was reserved by grow.
func (e *Engine) spawn(j job) {
	w := &worker{wake: make(chan job, 1)}
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

// work is a worker's life: run attempts, take queued ones, wait idle for more, until the reaper
// or Close lets it go.
func (e *Engine) work(w *worker, j job) {
	p := &e.pool
	defer p.unlist(w)
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
		if !p.park(w) {
			return
		}
		next, ok := <-w.wake
		if !ok {
			return
		}
		j = next // nil: look at the queue again
	}
}

// park puts w on the idle stack, unless the pool is closing. It arms the reaper if need be.
func (p *pool) park(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	w.idleSince = time.Now()
	p.idle = append(p.idle, w)
	if !p.reaping && p.total.Load() > p.minWorkers {
		p.reaping = true
		p.reaps.Add(1)
		if p.reaper == nil {
			p.reaper = time.AfterFunc(p.idleTimeout, p.reap)
		} else {
			p.reaper.Reset(p.idleTimeout)
		}
	}
	return true
}

// reap lets go of the workers idle for idleTimeout or longer, oldest first, down to minWorkers,
// and re-arms itself for the next one to come due.
func (p *pool) reap() {
	defer p.reaps.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reaping = false
	if p.closed {
		return
	}
	now := time.Now()
	n := 0
	for n < len(p.idle) && now.Sub(p.idle[n].idleSince) >= p.idleTimeout && p.total.Load() > p.minWorkers {
		close(p.idle[n].wake)
		p.total.Add(-1)
		n++
	}
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
	if rest > 0 && p.total.Load() > p.minWorkers {
		p.reaping = true
		p.reaps.Add(1)
		p.reaper.Reset(p.idleTimeout - now.Sub(p.idle[0].idleSince))
	}
}

// close ends the idle workers and tells the busy ones to end when their work is done. The work
// queue must be closed first, so that they empty it on the way out.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	for _, w := range p.idle {
		close(w.wake)
	}
	clear(p.idle)
	p.idle = p.idle[:0]
	if p.reaping && p.reaper.Stop() {
		p.reaping = false
		p.reaps.Done()
	}
	p.mu.Unlock()
	p.reaps.Wait()
	p.wg.Wait()
}

// idleCount returns the workers waiting for work.
func (p *pool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
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
