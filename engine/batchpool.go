package engine

import "context"

// dispatchAll is dispatch for the first attempts of a batch, under one hold of the pool's lock
// while there is room for them: idle workers take what they can, new workers start for the next
// while few are starting (as dispatch does), the queue takes what fits, and new workers start
// for the rest, up to the cap.
//
// That last step is where a batch differs from a loop of Submit calls. A Submit that finds the
// queue full waits for room, which starting workers free one at a time; a batch would wait and
// refill as often as it has calls beyond the queue, taking the locks once per call after all.
// The calls are there, each with an operation to run, so the batch starts their workers at once,
// as the pool would start them one by one (TrySubmit does the same rather than fail). A batch of
// operations that return at once leaves those workers idle until WithIdleTimeout lets them go.
//
// Only at the cap with the queue full does it wait for room, until ctx or stop ends; it returns
// how many attempts it handed over, and, if not all, why it stopped.
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
		spawnFirst := p.reserve(len(left)-idle, int(p.maxStarting-p.starting))
		queueFrom := idle + spawnFirst
		queued := min(max(p.maxQueue-(len(p.queue)-p.head), 0), len(left)-queueFrom)
		p.queue = append(p.queue, left[queueFrom:queueFrom+queued]...)
		spawnFrom := queueFrom + queued
		spawnRest := p.reserve(len(left)-spawnFrom, len(left))
		took := spawnFrom + spawnRest
		var room chan struct{}
		if took < len(left) { // at the cap, the queue full: wait for room
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
		for _, j := range left[spawnFrom:took] {
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
