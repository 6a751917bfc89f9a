package engine

import "time"

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
	now := time.Since(p.born)
	n := 0
	for n < len(p.idle) && now-p.idle[n].idleSince >= p.idleTimeout && p.total.Load() > p.minWorkers {
		close(p.idle[n].wake)
		p.total.Add(-1)
		n++
	}
	if n > 0 {
		p.freed() // room for a new worker
	}
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
	if rest > 0 && p.total.Load() > p.minWorkers {
		p.reaping = true
		p.reaps.Add(1)
		p.reaper.Reset(p.idleTimeout - (now - p.idle[0].idleSince))
	}
}

// close lets the idle workers go and stops the busy ones from taking more work, then waits for
// every worker to exit. It returns what was still queued, for Close to settle.
func (p *pool) close() []job {
	p.mu.Lock()
	p.closed = true
	for _, w := range p.idle {
		close(w.wake)
	}
	clear(p.idle)
	p.idle = p.idle[:0]
	queued := p.queue[p.head:]
	p.queue, p.head = nil, 0
	if p.reaping && p.reaper.Stop() {
		p.reaping = false
		p.reaps.Done()
	}
	p.mu.Unlock()
	p.reaps.Wait()
	return queued
}

// wait waits for every worker to exit.
func (p *pool) wait() {
	p.wg.Wait()
	p.total.Store(0) // workers that left with Close never counted themselves out
}

// counts returns the idle workers and the queued attempts.
func (p *pool) counts() (idle, queued int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle), len(p.queue) - p.head
}
