package breaker

import (
	"math"
	"runtime"
	"time"
)

// openPeriod is the deadline of one trip. It is published after the
// compare-and-swap that opened the breaker (its generation says which trip it
// belongs to), so until it appears the breaker simply counts as not yet due.
// Trips are rare; one small allocation each buys an exact, race-free deadline.
type openPeriod struct {
	gen   uint32
	trips int   // consecutive trips since the breaker last closed, from 1
	until int64 // nanoseconds since Breaker.base
}

// transition moves the breaker from word w to word next, which must carry the
// next generation, and reports whether it won the race to do so. The winner
// alone does the follow-up work, then publishes the change to the callbacks.
// until and trips describe the open period when next is Open.
func (b *Breaker) transition(w, next uint64, until int64, trips int) bool {
	if !b.word.CompareAndSwap(w, next) {
		return false
	}
	gen, to := wordGen(next), wordState(next)
	switch to {
	case Open:
		b.trips.Add(1)
		b.publishOpen(&openPeriod{gen: gen, trips: trips, until: until})
	case Closed, Disabled:
		if b.failRate != nil {
			b.failRate.clear(&b.word, gen)
		}
		if b.slowRate != nil {
			b.slowRate.clear(&b.word, gen)
		}
	}
	b.publish(gen, wordState(w), to)
	return true
}

// publishOpen installs p while the trip it belongs to is still the current
// state: a winner descheduled between its compare-and-swap and this store
// must not overwrite the deadline of a later trip. (The word is read after
// the record, so a later record already in place means a later word.)
func (b *Breaker) publishOpen(p *openPeriod) {
	for {
		cur := b.open.Load()
		if wordGen(b.word.Load()) != p.gen {
			return
		}
		if b.open.CompareAndSwap(cur, p) {
			return
		}
	}
}

// due reports whether the open breaker in word w may turn half-open at now.
func (b *Breaker) due(w uint64, now int64) bool {
	p := b.open.Load()
	return p != nil && p.gen == wordGen(w) && now >= p.until
}

// current returns the state word after turning an open breaker whose time is
// up half-open, so that every reader sees the state the clock implies.
func (b *Breaker) current() uint64 {
	for {
		w := b.word.Load()
		if wordState(w) != Open || !b.due(w, b.nanotime()) {
			return w
		}
		b.transition(w, pack(HalfOpen, nextGen(wordGen(w)), 0, 0), 0, 0)
	}
}

// trip opens the breaker from word w (closed or half-open), as trip number
// trips since it last closed.
func (b *Breaker) trip(w uint64, trips int) bool {
	until := b.nanotime()
	if d := int64(b.openDuration(trips)); d > math.MaxInt64-until {
		until = math.MaxInt64
	} else {
		until += d
	}
	return b.transition(w, pack(Open, nextGen(wordGen(w)), 0, 0), until, trips)
}

// openDuration is how long trip number trips keeps the breaker open.
func (b *Breaker) openDuration(trips int) time.Duration {
	d := b.cfg.openFor
	if f := b.cfg.openBackoff; f != nil {
		d = max(f(trips), 0)
	}
	if j := b.cfg.jitter; j > 0 {
		scaled := float64(d) * (1 + j*(2*b.cfg.random()-1))
		if scaled >= math.MaxInt64 {
			return math.MaxInt64
		}
		d = time.Duration(scaled)
	}
	return d
}

// tripsAfter returns the trip number of a trip out of half-open generation
// gen: one more than the trip that opened the breaker before it.
func (b *Breaker) tripsAfter(gen uint32) int {
	if p := b.open.Load(); p != nil && p.gen == (gen-1)&genMask {
		return p.trips + 1
	}
	return 1
}

// reportClosed records an outcome of closed (or disabled) generation gen,
// starting from word w, and trips the breaker if a rule says so.
func (b *Breaker) reportClosed(w uint64, gen uint32, failed, slow bool) {
	trip := false
	if b.failRate != nil {
		trip = b.failRate.record(&b.word, gen, failed)
	}
	if b.failOver != nil && b.failOver.record(&b.word, b.nanotime(), gen, failed) {
		trip = true
	}
	if b.slowRate != nil && b.slowRate.record(&b.word, gen, slow) {
		trip = true
	}
	for ; wordGen(w) == gen; w = b.word.Load() {
		run := wordA(w)
		next := uint32(0)
		if failed {
			next = min(run+1, maxCount)
		}
		if wordState(w) == Closed && (trip || b.cfg.consecutive > 0 && next >= b.cfg.consecutive) {
			if b.trip(w, 1) {
				return
			}
			continue
		}
		if next == run || b.word.CompareAndSwap(w, w&^(countMask<<aShift)|uint64(next)<<aShift) {
			return
		}
	}
}

// reportProbe records the outcome of a probe of half-open generation gen.
func (b *Breaker) reportProbe(gen uint32, failed bool) {
	for {
		w := b.word.Load()
		if wordGen(w) != gen {
			return
		}
		if failed {
			if b.trip(w, b.tripsAfter(gen)) {
				return
			}
			continue
		}
		passed := wordB(w) + 1
		if passed >= b.cfg.closeAfter {
			if b.transition(w, pack(Closed, nextGen(gen), 0, 0), 0, 0) {
				return
			}
			continue
		}
		if b.word.CompareAndSwap(w, pack(HalfOpen, gen, wordA(w)-min(wordA(w), 1), passed)) {
			return
		}
	}
}

// releaseProbe frees the slot of a probe of half-open generation gen that
// ended without saying anything about the dependency.
func (b *Breaker) releaseProbe(gen uint32) {
	for {
		w := b.word.Load()
		if wordGen(w) != gen || wordA(w) == 0 {
			return
		}
		if b.word.CompareAndSwap(w, w-1<<aShift) {
			return
		}
	}
}

// Trip opens a closed or half-open breaker as its own trip rules would: for
// the open duration of its next trip (OpenFor, OpenBackoff, OpenJitter), after
// which it turns half-open as usual, unlike [Breaker.ForceOpen]. It reports
// whether this call opened it; an open, forced-open or disabled breaker is
// left as it is. It is for telling a breaker what another one found out, such
// as the breaker of the same dependency in another process. Calls admitted
// before are ignored when they report.
func (b *Breaker) Trip() bool {
	for {
		w := b.current()
		trips := 1
		switch wordState(w) {
		case Closed:
		case HalfOpen:
			trips = b.tripsAfter(wordGen(w))
		default:
			return false
		}
		if b.trip(w, trips) {
			return true
		}
	}
}

// ForceOpen opens the breaker until [Breaker.Reset] or [Breaker.ForceClosed]:
// every call is rejected with [ErrOpen]. Calls admitted before are ignored
// when they report.
func (b *Breaker) ForceOpen() { b.force(ForcedOpen) }

// ForceClosed disables the breaker until [Breaker.Reset] or
// [Breaker.ForceOpen]: every call is admitted and no rule trips it. Outcomes
// are still counted.
func (b *Breaker) ForceClosed() { b.force(Disabled) }

func (b *Breaker) force(s State) {
	for {
		w := b.word.Load()
		if wordState(w) == s || b.transition(w, pack(s, nextGen(wordGen(w)), 0, 0), 0, 0) {
			return
		}
	}
}

// Reset closes the breaker with empty windows and no consecutive failures or
// trips behind it, whatever its state, forced ones included. Calls admitted
// before are ignored when they report. The totals in [Counts] are kept.
func (b *Breaker) Reset() {
	for {
		w := b.word.Load()
		if b.transition(w, pack(Closed, nextGen(wordGen(w)), 0, 0), 0, 0) {
			return
		}
	}
}

// yield lets the goroutine HalfOpenAt waits on finish publishing a deadline.
func yield() { runtime.Gosched() }
