package chaos

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing/synctest"
	"time"

	"github.com/recur-go/recur/engine"
)

// limits are an engine's pool, bulkhead and key settings; durations are in ticks.
type limits struct {
	maxConcurrency int // 0: engine.DefaultMaxConcurrency
	queue          int
	minWorkers     int
	idle           int  // how long a worker idles before it exits
	bulkhead       int  // attempts running per key; 0: no bulkhead
	bulkQueue      int  // first attempts waiting per key
	adaptive       bool // the bulkhead's limit adapts (WithAdaptiveLimit), up to bulkhead
	keyIdle        int
	ratePerTick    int // attempts per tick per key (WithRateLimit); 0: no rate limit
	burst          int
}

// mainLimits are the main engine's: a cap below what the keys' bulkheads add up to, so that the
// work queue fills and Submit and the retry dispatcher block; workers that idle for a few ticks,
// so that the pool grows and shrinks within a round.
var mainLimits = limits{maxConcurrency: 64, queue: 256, minWorkers: 2, idle: 5, bulkhead: 16, bulkQueue: 16, keyIdle: 200}

// drawLimits draws a short-lived engine's: often a cap of a few workers, sometimes no bulkhead,
// and bulkheads down to one attempt per key, which no retry of a call may overtake either.
func drawLimits(rng *rand.Rand) limits {
	l := limits{queue: rng.IntN(32), minWorkers: rng.IntN(4), idle: 1 + rng.IntN(20), keyIdle: 1 + rng.IntN(200)}
	if rng.IntN(2) == 0 {
		l.maxConcurrency = 1 + rng.IntN(16)
	}
	if rng.IntN(4) > 0 {
		l.bulkhead, l.bulkQueue = 1+rng.IntN(8), rng.IntN(16)
		// Drawn from what was drawn, not with a draw of its own, so that a seed's plan is
		// otherwise the same as before adaptive limits.
		l.adaptive = l.bulkQueue%2 == 1
	}
	drawRate(&l)
	return l
}

func (l limits) options(tick time.Duration) []engine.Option {
	opts := []engine.Option{engine.WithQueueSize(l.queue), engine.WithMinWorkers(l.minWorkers),
		engine.WithIdleTimeout(time.Duration(l.idle) * tick), engine.WithKeyIdle(time.Duration(l.keyIdle) * tick)}
	if l.maxConcurrency > 0 {
		opts = append(opts, engine.WithMaxConcurrency(l.maxConcurrency))
	}
	opts = append(opts, l.rateOption(tick)...)
	switch {
	case l.adaptive:
		opts = append(opts, engine.WithAdaptiveLimit(engine.AdaptiveLimit{Max: l.bulkhead,
			Initial: max(1, l.bulkhead/2), Queue: l.bulkQueue}))
	case l.bulkhead > 0:
		opts = append(opts, engine.WithBulkhead(l.bulkhead, l.bulkQueue))
	}
	return opts
}

// floor is how many workers an idle engine keeps.
func (l limits) floor() int {
	if l.maxConcurrency > 0 {
		return min(l.minWorkers, l.maxConcurrency)
	}
	return l.minWorkers
}

// gauges count each key's attempts whose operations are running, to check the bulkhead from the
// operations' side: an attempt holds its slot for at least as long as its operation runs, even
// once abandoned, so no key ever has more operations running than its limit.
type gauges struct {
	running [numClasses]atomic.Int32 // the long-lived keys' and the key ""'s
	peak    [numClasses]atomic.Int32 // the most seen at once, fresh keys together
}

// of returns the gauge of a call's key: a fresh key's is its only call's.
func (g *gauges) of(c keyClass, ops *opCount) *atomic.Int32 {
	if c == keyFresh {
		return &ops.running
	}
	return &g.running[c]
}

// enter counts an operation in on its key's gauge and checks the key's limit.
func (v *env) enter(gauge *atomic.Int32, c keyClass) {
	n := gauge.Add(1)
	if v.limits.bulkhead > 0 && int(n) > v.limits.bulkhead {
		v.problems.add("key class %q: %d operations running, over the bulkhead's %d", c, n, v.limits.bulkhead)
	}
	v.started(c)
	for p := &v.gauges.peak[c]; ; {
		old := p.Load()
		if n <= old || p.CompareAndSwap(old, n) {
			return
		}
	}
}

func (g *gauges) peaks() (p [numClasses]int32) {
	for c := range p {
		p[c] = g.peak[c].Load()
	}
	return p
}

// peaks is the most of an engine's gauges seen at once.
type peaks struct {
	workers, queued int
	slotWaiting     int64
}

func (p *peaks) add(o peaks) {
	p.workers, p.queued, p.slotWaiting = max(p.workers, o.workers), max(p.queued, o.queued), max(p.slotWaiting, o.slotWaiting)
}

// gaugesNow reads the engine's gauges, to show that the pool grew and that calls waited in the
// work queue and for their keys' slots.
func (v *env) gaugesNow() peaks {
	s := v.e.Stats()
	return peaks{workers: s.Workers, queued: s.Queued, slotWaiting: s.SlotWaiting}
}

// checkIdle lets a quiet engine idle for its workers' idle timeout and checks that its pool is
// back to its floor: in fake time exactly then, on the real clock within a second.
func (v *env) checkIdle() string {
	time.Sleep(time.Duration(v.limits.idle) * v.tick)
	if v.fake {
		synctest.Wait()
	}
	deadline := time.Now().Add(time.Second)
	for {
		s := v.e.Stats()
		if s.Workers <= v.limits.floor() && s.IdleWorkers == s.Workers {
			return ""
		}
		if v.fake || time.Now().After(deadline) {
			return fmt.Sprintf("%d workers (%d idle) after idling, the floor is %d", s.Workers, s.IdleWorkers, v.limits.floor())
		}
		time.Sleep(v.tick)
	}
}
