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
//
// The idle stack, the queue and the count of workers change together under one lock, so that no
// attempt is ever queued while a worker goes idle, or left in the queue by a worker that exits.
type pool struct {
	maxWorkers  int32
	minWorkers  int32
	maxQueue    int
	idleTimeout time.Duration
	total       atomic.Int32 // workers alive; written under mu
	maxStarting int          // workers started but not yet running, beyond which work queues
	born        time.Time    // the engine's, for the idle workers' clock
	wg          sync.WaitGroup

	mu       sync.Mutex // guards what follows
	idle     []*worker  // waiting for work, the most recently idle last
	queue    []job      // attempts waiting while maxWorkers workers are busy, oldest from head
	head     int
	starting int           // workers started and not yet running
	room     chan struct{} // closed when a worker or a place in the queue frees, if anyone waits
	waiting  int           // dispatchers waiting for room
	closed   bool
	reaper   *time.Timer // armed while workers are idle above the floor
	reaping  bool
	reaps    sync.WaitGroup // a reaper run that may still be under way

	listed listed // every worker and every attempt running on a caller, for Close to find
}

// worker is one worker goroutine's entry in the pool.
type worker struct {
	current    atomic.Pointer[call] // the call whose attempt this worker runs, for Close
	verdict    verdictOf            // the outcome of the attempt it ran last
	attempt    int                  // which attempt of it runs (0: none yet), for goexit
	inAttempt  bool                 // counted in Stats.Running, for goexit
	retry      bool                 // the attempt is a retry (see AttemptOf)
	hedge      bool                 // the attempt is a hedge
	start      time.Time            // when it started, if the engine keeps time
	sample     sample               // what its attempt taught the key's adaptive limit, for leave
	wake       chan job             // the next attempt; closed to let the worker go
	idleSince  time.Duration        // when it went idle, since the pool's birth (monotonic: cheaper to read)
	onCaller   bool                 // not a worker: a caller's goroutine running its own call (see Do)
	shard      uint32               // of pool.listed
	prev, next *worker
}

// dispatch hands j's attempt to an idle worker, a new one, or the queue. When the queue is full
// it waits for room if block is set, until ctx or stop ends (nil ones never do), or else fails
// with ErrQueueFull.
func (e *Engine) dispatch(j job, block bool, ctx context.Context, stop <-chan struct{}) error {
	p := &e.pool
	for {
		p.mu.Lock()
		if n := len(p.idle); n > 0 {
			w := p.idle[n-1]
			p.idle[n-1] = nil
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			w.wake <- j // never blocks: an idle worker's channel is empty
			return nil
		}
		// Below the cap a new worker starts unless enough are starting already: then the attempt
		// queues for them, and a caller that may wait waits for room rather than start one
		// worker per call faster than they get to run.
		full := len(p.queue)-p.head >= p.maxQueue
		if p.total.Load() < p.maxWorkers && (p.starting < p.maxStarting || full && !block) {
			p.total.Add(1)
			p.starting++
			p.mu.Unlock()
			e.spawn(j)
			return nil
		}
		if !full {
			p.queue = append(p.queue, j)
			p.mu.Unlock()
			return nil
		}
		if !block {
			p.mu.Unlock()
			return ErrQueueFull
		}
		if p.room == nil {
			p.room = make(chan struct{})
		}
		room := p.room
		p.waiting++
		p.mu.Unlock()
		var done <-chan struct{}
		if ctx != nil {
			done = ctx.Done()
		}
		select {
		case <-room:
			continue // look again: another dispatcher may have taken the room
		case <-done:
			err := context.Cause(ctx)
			p.unwait(room)
			return err
		case <-stop:
			p.unwait(room)
			return ErrClosed
		}
	}
}

// unwait counts out a dispatcher that stopped waiting for room, unless the room came meanwhile
// (then freed has counted every waiter out).
func (p *pool) unwait(room chan struct{}) {
	p.mu.Lock()
	if p.room == room {
		p.waiting--
	}
	p.mu.Unlock()
}

// freed tells the dispatchers waiting for room that there is some; p.mu is held.
func (p *pool) freed() {
	if p.waiting > 0 {
		close(p.room)
		p.room, p.waiting = nil, 0
	}
}

// spawn starts a worker whose first attempt is j; its room was counted in total.
func (e *Engine) spawn(j job) {
	w := &worker{wake: make(chan job, 1)}
	p := &e.pool
	p.listed.assign(w)
	p.list(w)
	p.wg.Add(1)
	go e.work(w, j) // not wg.Go: its closures would cost two allocations and a frame per worker
}

// work is a worker's life: run attempts, take queued ones, wait idle for more, until the reaper
// or Close lets it go.
func (e *Engine) work(w *worker, j job) {
	p := &e.pool
	defer p.wg.Done()
	defer p.unlist(w)
	e.started()
	for {
		e.run(w, j)
		if j = e.dueRetry(); j != nil {
			continue
		}
		var ok bool
		if j, ok = p.next(w); !ok {
			return
		}
		if j == nil {
			if j, ok = <-w.wake; !ok {
				return
			}
		}
	}
}

// dueRetry takes a retry that has come due, if one waits for a worker, so that the workers a
// wave of retries finds free run it, rather than the dispatcher handing the retries out one at a
// time. A retry whose key has no free slot goes to the key's queue instead.
func (e *Engine) dueRetry() job {
	for {
		select {
		case j, ok := <-e.sched.C():
			if !ok {
				return nil
			}
			if j, run := e.fired(j); run {
				return j
			}
		default:
			return nil
		}
	}
}

// started counts a new worker as running and, if attempts queued while it was starting, starts
// another for the oldest of them. A burst of submissions thus starts workers as fast as they get
// to run, not one per submission: a submitter outruns the workers it starts, and a burst of
// short calls would otherwise leave thousands of idle workers behind.
func (e *Engine) started() {
	p := &e.pool
	p.mu.Lock()
	p.starting--
	var j job
	var idle *worker
	if p.head < len(p.queue) {
		if n := len(p.idle); n > 0 { // a worker went idle meanwhile: it takes the work
			idle = p.idle[n-1]
			p.idle[n-1] = nil
			p.idle = p.idle[:n-1]
			j = p.pop()
		} else if p.total.Load() < p.maxWorkers {
			j = p.pop()
			p.total.Add(1)
			p.starting++
		}
	}
	p.freed() // a place in the queue, or room to start a worker
	p.mu.Unlock()
	switch {
	case idle != nil:
		idle.wake <- j
	case j != nil:
		e.spawn(j)
	}
}

// keptQueue is how many places an empty work queue keeps for the next burst.
const keptQueue = 256

// pop takes the oldest queued attempt; p.mu is held and the queue not empty.
func (p *pool) pop() job {
	j := p.queue[p.head]
	p.queue[p.head] = nil
	if p.head++; p.head == len(p.queue) {
		p.queue, p.head = p.queue[:0], 0
	}
	return j
}

// next takes the oldest queued attempt, or else puts w on the idle stack (j is nil). ok is false
// if the pool is closing.
func (p *pool) next(w *worker) (j job, ok bool) {
	now := time.Since(p.born) // read before taking the lock: thousands of workers may park at once
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, false
	}
	defer p.freed() // a place in the queue, or an idle worker
	if p.head < len(p.queue) {
		return p.pop(), true
	}
	if cap(p.queue) > keptQueue {
		p.queue = nil // a burst grew it: let it go, or its room would outlive the burst
	}
	w.idleSince = now
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
	return nil, true
}
