package breaker

import "sync/atomic"

// timeWindow holds the outcomes reported in one closed period during the
// last stretch of time, in a ring of buckets that each cover width
// nanoseconds, and says when the share of failures reaches a ratio.
//
// A bucket is stamped with the generation and the bucket number (time since
// the breaker was made, divided by width) its counts belong to. A report that
// finds an older stamp claims the bucket by compare-and-swap and zeroes it; a
// stamp from another generation or from more than a window ago counts as
// empty, so no one ever needs to sweep the ring. Sequentially the counts are
// exact. Under contention one approximation remains, by design: a report that
// lands in the instant between a bucket being claimed and zeroed is lost.
type timeWindow struct {
	ratio    float64
	minCalls uint64
	width    int64
	buckets  []bucket
}

type bucket struct {
	stamp  atomic.Uint64 // gen&epochMask<<numberBits | bucket number
	counts atomic.Uint64 // total<<32 | bad
}

// Bucket numbers wrap after 2^40 buckets of at least a millisecond: decades.
const (
	numberBits = 64 - epochBits
	numberMask = 1<<numberBits - 1
)

func newTimeWindow(r *timeRule) *timeWindow {
	return &timeWindow{
		ratio:    r.ratio,
		minCalls: uint64(r.minCalls),
		width:    int64(r.window) / int64(r.buckets),
		buckets:  make([]bucket, r.buckets),
	}
}

func stampOf(gen uint32, number uint64) uint64 {
	return uint64(gen&epochMask)<<numberBits | number&numberMask
}

// numberNewer reports whether bucket number a comes after b, allowing for
// the numbers wrapping around.
func numberNewer(a, b uint64) bool { return int64((a-b)<<epochBits) > 0 }

func (w *timeWindow) number(now int64) uint64 {
	return uint64(max(now, 0) / w.width)
}

// record adds one outcome of generation gen at now (nanoseconds since the
// breaker was made) and reports whether the window now calls for a trip.
// state is the breaker's word: a bucket of the same number but another
// generation is taken over only while gen is still the breaker's generation.
func (w *timeWindow) record(state *atomic.Uint64, now int64, gen uint32, bad bool) (trip bool) {
	n := w.number(now)
	want := stampOf(gen, n)
	b := &w.buckets[n%uint64(len(w.buckets))]
	for {
		s := b.stamp.Load()
		if s == want {
			break
		}
		if number := s & numberMask; numberNewer(number, n&numberMask) ||
			number == n&numberMask && wordGen(state.Load()) != gen {
			return false
		}
		if b.stamp.CompareAndSwap(s, want) {
			b.counts.Store(0)
			break
		}
	}
	add := uint64(1) << 32
	if bad {
		add++
	}
	b.counts.Add(add)
	if !bad {
		return false
	}
	total, badCount := w.sum(now, gen)
	return total >= w.minCalls && float64(badCount)/float64(total) >= w.ratio
}

// sum adds up the buckets of generation gen that lie within the window
// ending at now.
func (w *timeWindow) sum(now int64, gen uint32) (total, bad uint64) {
	current := w.number(now)
	epoch := uint64(gen & epochMask)
	for i := range w.buckets {
		b := &w.buckets[i]
		s := b.stamp.Load()
		if s>>numberBits != epoch || (current-s)&numberMask >= uint64(len(w.buckets)) {
			continue
		}
		c := b.counts.Load()
		total += c >> 32
		bad += c & (1<<32 - 1)
	}
	return total, bad
}

// badRatio returns the share of failures of generation gen in the window
// ending at now, or 0 if it holds none.
func (w *timeWindow) badRatio(now int64, gen uint32) float64 {
	total, bad := w.sum(now, gen)
	if total == 0 {
		return 0
	}
	return float64(bad) / float64(total)
}
