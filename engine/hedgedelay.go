package engine

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// HedgeQuantile hedges as Hedge does, after a delay learnt per key: the q-quantile of the key's
// recent attempt latencies (0.95: a hedge for the slowest twentieth), so that the delay follows
// the dependency as it speeds up and slows down. Until the key has measured minSamples attempts,
// and for calls without a key until the engine's keyless calls have, the delay is initial.
//
// The latencies are those of the attempts of the key's calls made with HedgeQuantile, from start
// to return; an attempt canceled because a hedge won counts as well, with the time it ran. That
// is less than its latency would have been, but still more than the delay it outlived, so the
// quantile is not pulled down by the hedges it starts; a hedge that lost does not count. The key
// keeps its last 512 to 1,024 latencies in logarithmic buckets, eight per power of two (about
// 2.5 KB), and the delay is the upper edge of the quantile's bucket: at most an eighth later
// than the exact quantile, computed again after every 16 latencies recorded. An engine learns
// the latencies of up to 4,096 keys at once (10 MB at most), and forgets a key's when no call of
// it has started for the keys' idle time (WithKeyIdle); calls of keys beyond those hedge after
// initial.
//
// q must be between 0 and 1, both excluded, and initial positive; max is as for Hedge.
func HedgeQuantile(q float64, max int, initial time.Duration) CallOption {
	return callOptionFunc(func(p *policy) {
		switch {
		case !(q > 0 && q < 1):
			p.fail("HedgeQuantile: q %v must be between 0 and 1, both excluded", q)
		case initial <= 0:
			p.fail("HedgeQuantile: initial delay %v must be positive", initial)
		case max < 1 || max > maxHedges:
			p.fail("HedgeQuantile: max %d must be between 1 and %d", max, maxHedges)
		default:
			p.hedgeAfter, p.hedgeMax, p.hedgeQ = initial, max, q
		}
	})
}

const (
	// latencyWindow is how many latencies a window holds before it becomes the previous one:
	// the quantile is of the last latencyWindow to 2*latencyWindow.
	latencyWindow = 512
	// minSamples is how many latencies a key needs before its quantile replaces the initial
	// delay: fewer say little of a 0.95-quantile.
	minSamples = 32
	subBits    = 3            // buckets per power of two: 1<<subBits
	subBuckets = 1 << subBits // each at most 1/8 of its lower edge wide
	// latencyBuckets covers 0 to 2^41 ns (36 minutes); longer latencies count in the last.
	latencyBuckets  = 39 * subBuckets
	maxLatencyKeys  = 4096 // keys whose latencies an engine learns at once, so memory stays bounded
	minLatencySweep = 64   // keys learnt before the first sweep for idle ones
)

// latencyKeys is an engine's latency records, by key. Idle keys' records are swept, as the keys
// registry sweeps its keys: when the records have doubled since the last sweep.
type latencyKeys struct {
	byKey   sync.Map // string to *latencies
	n       atomic.Int32
	sweepAt atomic.Int32 // 0: minLatencySweep
	sweep   sync.Mutex
}

// of returns key's latency record for a call starting now (nanoseconds on the engine's clock),
// making it on first use; nil if the engine learns as many keys as it may. Records idle for
// longer than idleFor are forgotten.
func (lk *latencyKeys) of(key string, now int64, idleFor time.Duration) *latencies {
	if l, ok := lk.byKey.Load(key); ok {
		l := l.(*latencies)
		l.used.Store(now)
		return l
	}
	if n := lk.n.Load(); n >= max(lk.sweepAt.Load(), minLatencySweep) && lk.sweep.TryLock() {
		lk.forget(now - int64(idleFor))
		lk.sweep.Unlock()
	}
	if lk.n.Add(1) > maxLatencyKeys {
		lk.n.Add(-1)
		return nil
	}
	l := new(latencies)
	l.cur.Store(new(latencyCounts))
	l.used.Store(now)
	got, loaded := lk.byKey.LoadOrStore(key, l)
	if loaded {
		lk.n.Add(-1)
		l = got.(*latencies)
		l.used.Store(now)
	}
	return l
}

// forget drops the records last used before since; lk.sweep is held.
func (lk *latencyKeys) forget(since int64) {
	lk.byKey.Range(func(key, l any) bool {
		if l.(*latencies).used.Load() < since && lk.byKey.CompareAndDelete(key, l) {
			lk.n.Add(-1)
		}
		return true
	})
	// Capped, or with most keys in use at the cap, no later sweep would ever come and no new key
	// be learnt once the busy ones went idle.
	lk.sweepAt.Store(min(2*lk.n.Load(), maxLatencyKeys))
}

// latencies is a key's record of recent attempt latencies, made on first use.
type latencies struct {
	cur   atomic.Pointer[latencyCounts]
	prev  atomic.Pointer[latencyCounts]
	n     atomic.Int64                  // latencies recorded, ever
	known atomic.Pointer[knownQuantile] // the quantile last computed
	used  atomic.Int64                  // when a call of the key last started, on the engine's clock
	mu    sync.Mutex                    // taken only to end a window
}

// knownQuantile is a quantile as computed when n latencies had been recorded.
type knownQuantile struct {
	q float64
	d time.Duration
	n int64
}

// quantileRefresh is how many latencies a computed quantile stands for before it is computed
// again: a hedge costs a scan of the buckets once in that many attempts, not at every one.
const quantileRefresh = 16

// latencyCounts is one window: how many latencies fell in each bucket.
type latencyCounts struct {
	bucket [latencyBuckets]atomic.Uint32
}

// record counts one attempt's latency. Every latencyWindow-th ends the window, which is replaced
// by a new one, made rather than cleared so that a record still adding to it cannot land in the
// new window.
func (l *latencies) record(d time.Duration) {
	w := l.cur.Load()
	w.bucket[latencyBucket(d)].Add(1)
	if l.n.Add(1)%latencyWindow != 0 {
		return
	}
	l.mu.Lock()
	if l.cur.Load() == w {
		l.prev.Store(w)
		l.cur.Store(new(latencyCounts))
	}
	l.mu.Unlock()
}

// delay returns the q-quantile as quantile does, computed again once quantileRefresh latencies
// have been recorded since it last was.
func (l *latencies) delay(q float64) (time.Duration, bool) {
	n := l.n.Load()
	if k := l.known.Load(); k != nil && k.q == q && n-k.n < quantileRefresh {
		return k.d, true
	}
	d, ok := l.quantile(q)
	if ok {
		l.known.Store(&knownQuantile{q: q, d: d, n: n})
	}
	return d, ok
}

// quantile returns the upper edge of the bucket holding the q-quantile of the recorded
// latencies, and false while there are fewer than minSamples.
func (l *latencies) quantile(q float64) (time.Duration, bool) {
	var sum [latencyBuckets]uint32
	total := 0
	for _, w := range [2]*latencyCounts{l.cur.Load(), l.prev.Load()} {
		if w == nil {
			continue
		}
		for i := range sum {
			n := w.bucket[i].Load()
			sum[i] += n
			total += int(n)
		}
	}
	if total < minSamples {
		return 0, false
	}
	// The smallest latency with at least q of them at or below it (nearest rank).
	rank := int(q*float64(total)-1e-9) + 1
	seen := 0
	for i, n := range sum {
		if seen += int(n); seen >= rank {
			return bucketTop(i), true
		}
	}
	return bucketTop(latencyBuckets - 1), true
}

// latencyBucket returns the bucket of latency d: d itself below subBuckets ns, then subBuckets
// per power of two.
func latencyBucket(d time.Duration) int {
	if d < subBuckets {
		return max(int(d), 0)
	}
	exp := bits.Len64(uint64(d)) - 1 // 2^exp <= d < 2^(exp+1)
	i := (exp-subBits+1)*subBuckets + int(uint64(d)>>(exp-subBits))&(subBuckets-1)
	return min(i, latencyBuckets-1)
}

// bucketTop returns the latency just above bucket i: every latency in it is shorter.
func bucketTop(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i + 1)
	}
	exp, sub := i/subBuckets+subBits-1, i%subBuckets
	return time.Duration(subBuckets+sub+1) << (exp - subBits)
}

// hedgeDelay is how long c's attempt goes unanswered before its next hedge; c.mu is held.
func (c *call) hedgeDelay() time.Duration {
	if l := c.hedging().lat; l != nil {
		if d, ok := l.delay(c.pol.hedgeQ); ok {
			return d
		}
	}
	return c.pol.hedgeAfter
}

// noteLatency records how long an attempt of c that began at start ran; c hedges by quantile.
// A hedge that lost is left out: it started after the delay and was cut short, so its time may
// lie below every latency of the key, and counting it would pull the quantile down, start more
// hedges and so more short times. An attempt a hedge beat counts, with a time above the delay.
func (c *call) noteLatency(start time.Time, hedge bool) {
	if hedge && c.isDone.Load() {
		return
	}
	if l := c.hedging().lat; l != nil {
		l.record(time.Since(start))
	}
}

// latencies returns the latency record of pol's key if its calls hedge by quantile, else nil.
func (pol *policy) latencies() *latencies {
	if pol.hedgeQ == 0 {
		return nil
	}
	e := pol.e
	return e.latencyKeys.of(pol.key, e.now(), e.keys.idleFor)
}
