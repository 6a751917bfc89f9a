package engine

import "context"

// dispatchAll is dispatch for the first attempts of a batch: under one hold of the pool's lock,
// idle workers take what they can, new workers start for the next while few are starting, and
// the queue takes what fits, as dispatch would do call by call. What is left waits for room, as
// a Submit would: when room frees, it takes the lock again and hands over as much as now fits.
// A batch thus takes the pool's lock once when the pool has room for it, and otherwise a few
// times, not once per call: room frees in bulk, as the workers started for the queue drain it
// (10,000 calls on a new engine with the default queue of 1,024 took 14 to 62 holds in one
// measurement, and one when idle workers were waiting).
//
// Starting a worker for every call beyond the queue, instead of waiting for room, would take the
// lock once in every case; measured, it made a batch of calls that return at once twice as slow
// and left thousands of idle workers behind, and gained nothing for calls that take time.
//
// Waiting ends with ctx or stop; it returns how many attempts it handed over and, if not all,
// why it stopped.
func (e *Engine) dispatchAll(js []job, ctx context.Context, stop <-chan struct{}) (int, error) {
	p := &e.pool
	handed := 0
	var woken []*worker
	for {
		p.mu.Lock()
		left := js[handed:]
		// Idle workers first, the most recently idle first, as dispatch takes them.
		idle := min(len(p.idle), len(left))
		woken = woken[:0]
		for range idle {
			n := len(p.idle) - 1
			woken = append(woken, p.idle[n])
			p.idle[n] = nil
			p.idle = p.idle[:n]
		}
		spawn := p.reserve(len(left)-idle, p.maxStarting-p.starting)
		queueFrom := idle + spawn
		queued := min(max(p.maxQueue-(len(p.queue)-p.head), 0), len(left)-queueFrom)
		p.queue = append(p.queue, left[queueFrom:queueFrom+queued]...)
		took := queueFrom + queued
		var room chan struct{}
		if took < len(left) {
			if p.room == nil {
				p.room = make(chan struct{})
			}
			room = p.room
			p.waiting++
		}
		p.mu.Unlock()

		for i, w := range woken {
			w.wake <- left[i] // never blocks: an idle worker's channel is empty
		}
		clear(woken)
		for _, j := range left[idle:queueFrom] {
			e.spawn(j)
		}
		handed += took
		if room == nil {
			return handed, nil
		}
		var done <-chan struct{}
		if ctx != nil {
			done = ctx.Done()
		}
		select {
		case <-room:
		case <-done:
			p.unwait(room)
			return handed, context.Cause(ctx)
		case <-stop:
			p.unwait(room)
			return handed, ErrClosed
		}
	}
}

// reserve counts up to want new workers as starting, at most limit and no more than the cap
// allows, and returns how many; p.mu is held.
func (p *pool) reserve(want, limit int) int {
	n := min(want, limit, int(p.maxWorkers-p.total.Load()))
	if n <= 0 {
		return 0
	}
	p.total.Add(int32(n))
	p.starting += n
	return n
}
