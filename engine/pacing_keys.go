package engine

import "time"

// The registry of pacers, one per throttled or rate-limited key: made by a key's first pushback
// or, for a key with a rate limit, its first attempt; forgotten once it holds nothing a new one
// would not; drained by Close.

// get returns key's pacer, making it if create is set; nil if there is none (or no room).
func (ps *pacers) get(key string, create bool) *pacer {
	ps.mu.RLock()
	p := ps.byKey[key]
	ps.mu.RUnlock()
	if p != nil || !create {
		return p
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p = ps.byKey[key]; p != nil || ps.closed {
		return p
	}
	now := time.Now()
	if len(ps.byKey) >= ps.sweepAt {
		ps.sweep(now)
	}
	limit := ps.limitOf(key)
	if limit.rate == 0 && len(ps.byKey) >= maxPacers {
		return nil // a learnt pace is a courtesy, a rate limit is not: it always gets a pacer
	}
	if ps.byKey == nil {
		ps.byKey = make(map[string]*pacer)
	}
	p = &pacer{key: key, fixed: limit.rate}
	if limit.rate > 0 {
		p.tolerance = limit.tolerance()
	}
	p.winStart = now
	p.tick.p = p
	ps.byKey[key] = p
	ps.live.Add(1)
	return p
}

// retire forgets p if it still has nothing to do, once the server has not pushed back for a
// while. A pacer with a rate limit forgets only what it learnt: its bucket stays until a sweep
// finds it full.
func (ps *pacers) retire(p *pacer) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.retired || p.head < len(p.fifo) || p.ticking || now.Sub(p.lastPush) < paceRetire {
		return
	}
	if p.fixed > 0 {
		p.learnt = learnt{winStart: now}
		return
	}
	p.forget(ps)
}

// sweep forgets every idle pacer; ps.mu is held. It runs when the registry has doubled since the
// last sweep, so that its cost per new pacer is constant and the registry holds at most twice the
// pacers in use, plus minSweep, however many keys have rate limits.
func (ps *pacers) sweep(now time.Time) {
	for _, p := range ps.byKey {
		p.mu.Lock()
		if p.idle(now) {
			p.forget(ps)
		}
		p.mu.Unlock()
	}
	ps.sweepAt = max(2*len(ps.byKey), minSweep)
}

// idle reports whether p holds nothing a new pacer would not: nobody waits, the server has not
// pushed back lately, and a rate limit's bucket is full again; p.mu is held.
func (p *pacer) idle(now time.Time) bool {
	return p.head == len(p.fifo) && !p.ticking && now.Sub(p.lastPush) >= paceRetire &&
		(p.fixed == 0 || !now.Before(p.next.Add(p.tolerance)))
}

// forget takes p out of the registry; ps.mu and p.mu are held. An attempt that found p before
// finds it retired, and asks the registry again.
func (p *pacer) forget(ps *pacers) {
	p.retired = true
	if ps.byKey[p.key] == p {
		delete(ps.byKey, p.key)
		ps.live.Add(-1)
	}
}

// drain closes every pacer and takes the attempts waiting in them, for Close.
func (ps *pacers) drain() []job {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.closed = true
	var out []job
	for _, p := range ps.byKey {
		p.mu.Lock()
		p.closed = true
		for _, j := range p.fifo[p.head:] {
			if !j.base().isDone.Load() {
				out = append(out, j)
			}
		}
		p.fifo, p.head = nil, 0
		p.mu.Unlock()
	}
	return out
}
