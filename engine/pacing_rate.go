package engine

import (
	"math"
	"time"
)

// How a pacer learns its rate (see pacing.go for the design and its sources).
//
// Answers are counted in windows of paceWindow. A window in which more than paceNoise of the
// answers were pushback measures what the server
// admitted: the answers that were not pushback, up to the window's last pushback, per second of
// that span (after it the server may have had room to spare: that says nothing of its limit).
// The measurements are smoothed (paceSmoothing) and the rate is cut to them, never raised by
// them: CUBIC raises it from the cut, slowly at first (the cut is to the server's limit, the
// flat of the cubic), then, if the server still does not push back, more and more quickly.
//
// The first measurement can be far too low: a wave of calls that all arrive at once is
// answered at once, and the few admitted among them may have come before the first pushback
// made the pacer. Until the pushback that follows it, the rate doubles every quiet window's length, as
// TCP's slow start doubles its window every round trip.

// observe counts an answer at now, and reports whether the pacer may go: nothing waits and the
// server has not pushed back for paceRetire.
func (p *pacer) observe(e *Engine, now time.Time, throttled bool) (retire bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.retired || p.closed || !throttled && p.firstPush.IsZero() {
		return false // nothing learnt: a rate limit's pacer, whose key has not pushed back
	}
	if now.Sub(p.winStart) >= paceWindow {
		old := p.rate
		p.adjust(now)
		if p.rate > old {
			p.hurry(e, now)
		}
	}
	if throttled {
		if p.firstPush.IsZero() {
			p.firstPush = now
		}
		p.pushed, p.okAtPush, p.lastPush = true, p.ok, now
		p.pushes++
		return false
	}
	p.ok++
	return now.Sub(p.lastPush) >= paceRetire && p.head == len(p.fifo) && !p.ticking
}

// adjust closes the window that started at p.winStart; p.mu is held.
func (p *pacer) adjust(now time.Time) {
	if p.pushed && float64(p.pushes) <= paceNoise*float64(p.pushes+p.ok) {
		// A few refusals among many answers are a server's odd 429, not a limit: cutting to
		// what was admitted would ratchet the rate down a few percent every window.
		p.pushed = false
		if p.rate == 0 { // the pushback that made the pacer was such an odd one
			p.rate, p.wmax, p.cutAt = maxPaceRate, maxPaceRate, now
		}
	}
	if p.pushed {
		ok, span := p.okAtPush, p.lastPush.Sub(p.winStart)
		if span < paceWindow/4 { // too short to measure a rate on: take the whole window
			ok, span = p.ok, now.Sub(p.winStart)
		}
		measured := float64(ok) / span.Seconds()
		if p.admitted == 0 {
			p.admitted = measured
		} else {
			p.admitted = paceSmoothing*measured + (1-paceSmoothing)*p.admitted
		}
		p.cut(now)
	} else if p.rate > 0 {
		t := now.Sub(p.cutAt).Seconds() - p.k
		grown := cubicC*t*t*t + p.wmax
		if p.starting { // no cut since the first: the first measurement may be far too low
			grown = max(grown, p.rate*math.Exp2(now.Sub(p.winStart).Seconds()/paceWindow.Seconds()))
		}
		p.rate = min(max(p.rate, grown), maxPaceRate)
	}
	p.winStart, p.ok, p.okAtPush, p.pushed, p.pushes = now, 0, 0, false, 0
}

// cut lowers the rate to what the server admitted, after pushback; p.mu is held.
func (p *pacer) cut(now time.Time) {
	old, target := p.rate, p.admitted
	p.starting = old == 0
	if target <= 0 { // nothing got through: the SDKs' multiplicative cut
		target = cubicBeta * old
	}
	if old > 0 {
		target = min(target, old)
	} else {
		// The first cut: nothing may have been measured yet (see slow start above). Two
		// attempts a window are few enough for any server, and slow start doubles them.
		target = max(target, startPaceRate)
	}
	p.rate = min(max(target, minPaceRate), maxPaceRate)
	// CUBIC would climb back to the rate it cut from, quickly, and stay there: that rate was
	// refused. The admitted rate is the server's limit, so the climb starts from it, at the
	// flat of the cubic, and probes beyond it slowly (K = 0).
	p.wmax, p.k = p.rate, 0
	p.cutAt = now
}
