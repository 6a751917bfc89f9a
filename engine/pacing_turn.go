package engine

import "time"

// Whose turn it is: an attempt of a paced or rate-limited key goes now, waits in its key's queue,
// or is refused.

// paced reports whether c's key has a pacer that holds its attempts back, or a rate limit.
func (e *Engine) paced(c *call) bool {
	ps := &e.pacers
	if !ps.limited && ps.live.Load() == 0 {
		return false
	}
	if ps.limitOf(c.pol.key).rate > 0 {
		return true
	}
	p := ps.get(c.pol.key, false)
	return p != nil && p.limits()
}

func (p *pacer) limits() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.retired
}

// pace lets j's attempt go now, or puts it in its key's queue, or refuses it (see refuse) if
// its turn would come after its deadline, or at once by its call's FailIfLimited. It reports
// whether the attempt may go now; err is a first attempt's refusal, for Submit. A hedge goes now
// or not at all (see isHedge): the call's attempt runs on, and its deadline is its own.
func (e *Engine) pace(j job, first bool) (bool, error) {
	ps := &e.pacers
	if !ps.limited && (ps.live.Load() == 0 || first && ps.mode != PaceAll) {
		return true, nil
	}
	c := j.base()
	limit := ps.limitOf(c.pol.key)
	if first && limit.rate == 0 && ps.mode != PaceAll {
		return true, nil
	}
	if h, ok := j.(*hedgeTimer); ok && h.stale() {
		return false, nil // its round ended while it waited for its delay: it takes no turn
	}
	for {
		p := ps.get(c.pol.key, limit.rate > 0)
		if p == nil {
			return true, nil
		}
		if run, ok, err := e.paceAt(p, j, first); ok {
			return run, err
		}
		// p was forgotten, idle, as we found it: a new pacer, as the old one would, takes its place.
	}
}

// paceAt is pace at pacer p; ok is false if p was forgotten meanwhile and the key has a rate
// limit, which a new pacer keeps.
func (e *Engine) paceAt(p *pacer, j job, first bool) (run, ok bool, err error) {
	c := j.base()
	now := time.Now()
	p.mu.Lock()
	switch {
	case p.closed:
		p.mu.Unlock()
		e.cancelCall(c, ReasonClosed, ErrClosed)
		return false, true, nil
	case p.retired:
		p.mu.Unlock()
		return true, p.fixed == 0, nil
	case p.fixed == 0 && p.rate == 0 && !first:
		// The pacer is learning the server's rate: a retry has waited its hint or backoff
		// already, and a lone throttled call should not wait longer for a rate it never needs.
		p.mu.Unlock()
		return true, true, nil
	case p.fixed == 0 && p.rate == 0:
		// The pacer is learning the server's rate from the answers to the attempts already
		// sent: a new call (PaceAll) waits until the window closes and it is known, at most
		// paceWindow, rather than add to a wave the server is refusing.
		if !p.ticking {
			p.next = p.winStart.Add(paceWindow)
		}
		p.wait(e, j, now)
		p.mu.Unlock()
		return false, true, nil
	}
	if p.ready(now) {
		p.take(now)
		p.mu.Unlock()
		return true, true, nil
	}
	limited := p.fixed > 0
	if isHedge(j) { // it goes now or not at all (see isHedge): its round goes on without it
		p.mu.Unlock()
		if limited {
			e.stats.rateLimited.Add(1)
		}
		return false, true, nil
	}
	if limited && c.pol.rateMode == FailIfLimited {
		p.mu.Unlock()
		return false, true, e.refuse(j, first, true, ReasonRateLimited)
	}
	turn := p.next.Add(time.Duration(len(p.fifo)-p.head) * p.interval())
	if (!first || limited) && missesDeadline(c.parent, turn) {
		p.mu.Unlock()
		return false, true, e.refuse(j, first, limited, ReasonDeadline)
	}
	p.wait(e, j, now)
	p.mu.Unlock()
	return false, true, nil
}
