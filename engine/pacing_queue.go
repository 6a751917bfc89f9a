package engine

import "time"

// A pacer's queue: attempts waiting for their turn, let through one at a time by the pacer's
// tick in the engine's scheduler.

// release takes the oldest attempt still waiting, when the pacer's tick fires, and arms the
// tick for the next one.
func (p *pacer) release(e *Engine) job {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ticking = false
	if p.closed {
		return nil // Close settles what waits
	}
	if p.rate == 0 && p.fixed == 0 { // the first window has passed with no answer to close it
		p.adjust(now)
		if p.rate == 0 {
			p.cut(now)
		}
	}
	var j job
	for p.head < len(p.fifo) && j == nil {
		x := p.fifo[p.head]
		p.fifo[p.head] = nil
		p.head++
		if !x.base().isDone.Load() { // canceled while it waited: its turn goes to the next
			j = x
		}
	}
	if p.head == len(p.fifo) {
		p.fifo, p.head = p.fifo[:0], 0
	}
	if j != nil {
		p.take(now)
	}
	if p.head < len(p.fifo) {
		p.schedule(e, now)
	}
	return j
}

// schedule arms the tick for the pacer's next turn; p.mu is held. If the scheduler has closed,
// Close settles what waits.
func (p *pacer) schedule(e *Engine, now time.Time) {
	at := later(p.next, now)
	if h, err := e.sched.Schedule(at, &p.tick); err == nil {
		p.ticking, p.tickAt, p.handle = true, at, h
	}
}

// hurry brings the next turn forward after the rate has risen, so that a pacer that was slow
// does not wait out the long interval it had armed; p.mu is held. A tick already handed over
// cannot be taken back: it fires as armed.
func (p *pacer) hurry(e *Engine, now time.Time) {
	next := later(p.last.Add(p.interval()), now)
	if !next.Before(p.next) {
		return
	}
	p.next = next
	if p.ticking && next.Before(p.tickAt) && e.sched.Cancel(p.handle) {
		p.ticking = false
		p.schedule(e, now)
	}
}

// ready reports whether an attempt may go at now: nobody waits before it and its turn has come;
// p.mu is held.
func (p *pacer) ready(now time.Time) bool {
	return p.head == len(p.fifo) && !now.Before(p.next)
}

// take spends the turn of an attempt that goes at now; p.mu is held.
func (p *pacer) take(now time.Time) {
	p.next = p.after(p.next, now)
	p.last = now
}

// after returns the turn that follows one taken at now when the turn was due at next: an
// interval after it, or after now less the slack if the pacer has fallen behind. The slack is
// made up for; a longer pause is not turned into a burst. p.mu is held.
func (p *pacer) after(next, now time.Time) time.Time {
	return later(next, now.Add(-p.slack())).Add(p.interval())
}

// wait puts j in the queue, and arms the tick for the pacer's next turn unless it is armed; p.mu
// is held.
func (p *pacer) wait(e *Engine, j job, now time.Time) {
	p.push(j)
	e.pacers.waited.Add(1)
	if !p.ticking {
		p.schedule(e, now)
	}
}

// current returns the rate the pacer lets attempts go at: the stricter of the rate learnt and
// the key's rate limit; 0 if neither holds them back yet.
func (p *pacer) current() float64 {
	if p.fixed > 0 && (p.rate == 0 || p.fixed < p.rate) {
		return p.fixed
	}
	return p.rate
}

func (p *pacer) interval() time.Duration {
	return time.Duration(float64(time.Second) / p.current())
}

// slack is how far behind its schedule the pacer may fall and catch up. For a learnt rate, a tick
// that fires late (timers are coarse, a loaded machine runs the dispatcher late: up to 50ms here)
// is made up for, a pause in demand is not turned into a burst; a rate limit's is its burst's
// tolerance. With both, the smaller: together with the longer interval, no schedule is allowed
// that either would refuse.
func (p *pacer) slack() time.Duration {
	if p.rate == 0 {
		return p.tolerance
	}
	s := max(time.Duration(float64(time.Second)/p.rate), 50*time.Millisecond)
	if p.fixed > 0 {
		s = min(s, p.tolerance)
	}
	return s
}

// push appends j to the queue; p.mu is held. Before the slice grows, settled entries are dropped,
// so calls canceled while they wait cost amortized constant time and hold no memory for long.
func (p *pacer) push(j job) {
	if len(p.fifo) == cap(p.fifo) && len(p.fifo) > 0 {
		p.compact()
		if len(p.fifo) > cap(p.fifo)/2 { // not worth another scan soon: grow now
			p.fifo = append(make([]job, 0, 2*cap(p.fifo)), p.fifo...)
		}
	}
	p.fifo = append(p.fifo, j)
}

// compact drops the settled entries from the queue; p.mu is held.
func (p *pacer) compact() {
	live := p.fifo[:0]
	for _, x := range p.fifo[p.head:] {
		if !x.base().isDone.Load() {
			live = append(live, x)
		}
	}
	clear(p.fifo[len(live):])
	p.fifo, p.head = live, 0
}
