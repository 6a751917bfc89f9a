package engine

import "time"

// The registry of pacers, one per throttled key: made by a key's first pushback, forgotten
// once it has not been cut for a while, drained by Close.

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
	if p = ps.byKey[key]; p != nil || ps.closed || len(ps.byKey) >= maxPacers {
		return p
	}
	if ps.byKey == nil {
		ps.byKey = make(map[string]*pacer)
	}
	p = &pacer{key: key, winStart: time.Now()}
	p.tick.p = p
	ps.byKey[key] = p
	ps.live.Add(1)
	return p
}

// retire forgets p if it still has nothing to do.
func (ps *pacers) retire(p *pacer) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.retired || p.head < len(p.fifo) || p.ticking || time.Since(p.lastPush) < paceRetire {
		return
	}
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
