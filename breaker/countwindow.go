package breaker

import "sync/atomic"

// countWindow holds the last n outcomes reported in one closed period and
// says when the share of bad ones (failures, or slow calls) reaches a ratio.
//
// Each report takes the next slot of a ring from an atomic counter and swaps
// its outcome in, stamped with the generation it belongs to; a slot stamped
// with an older generation counts as empty, which is how a new closed period
// starts with an empty window without anyone clearing the ring. The running
// totals live in one packed word, also stamped, and each report adds the
// difference between what it wrote and what it replaced. Deltas commute, so
// the totals are exact once concurrent reports have finished, whatever order
// their updates land in; in between, the bad count may be briefly off by the
// reports in flight, which is why it is stored with a bias.
type countWindow struct {
	ratio    float64
	minCalls uint32
	next     atomic.Uint64
	slots    []atomic.Uint64 // 0: never written; else gen<<2 | bad<<1 | 1
	totals   atomic.Uint64   // epoch<<40 | total<<20 | (bad+totalBias)
}

const (
	totalBits  = 20
	totalMask  = 1<<totalBits - 1
	totalBias  = 1 << (totalBits - 1) // maxWindow plus reports in flight stay well below
	epochBits  = 24
	epochMask  = 1<<epochBits - 1
	epochShift = 2 * totalBits
)

func newCountWindow(r *countRule, gen uint32) *countWindow {
	w := &countWindow{ratio: r.ratio, minCalls: uint32(r.minCalls), slots: make([]atomic.Uint64, r.window)}
	w.totals.Store(packTotals(gen, 0, 0))
	return w
}

func slotValue(gen uint32, bad bool) uint64 {
	v := uint64(gen)<<2 | 1
	if bad {
		v |= 2
	}
	return v
}

func packTotals(gen uint32, total, bad int64) uint64 {
	return uint64(gen&epochMask)<<epochShift | uint64(total)<<totalBits | uint64(bad+totalBias)
}

func unpackTotals(t uint64) (epoch uint32, total, bad int64) {
	return uint32(t >> epochShift), int64(t>>totalBits) & totalMask, int64(t&totalMask) - totalBias
}

// record adds one outcome of generation gen and reports whether the window
// now calls for a trip. Only a bad outcome can raise the ratio, so only a bad
// one can trip. state is the breaker's word: when a slot or the totals carry
// another generation, they are taken over only while gen is still the
// breaker's generation, and a report that finds gen replaced is dropped.
// Asking the breaker, rather than comparing generations, stays right however
// long a slot has lain untouched.
func (w *countWindow) record(state *atomic.Uint64, gen uint32, bad bool) (trip bool) {
	i := w.next.Add(1) - 1
	slot := &w.slots[i%uint64(len(w.slots))]
	value := slotValue(gen, bad)
	var old uint64
	for {
		old = slot.Load()
		if old != 0 && uint32(old>>2) != gen && wordGen(state.Load()) != gen {
			return false
		}
		if slot.CompareAndSwap(old, value) {
			break
		}
	}
	dTotal, dBad := int64(1), int64(0)
	if bad {
		dBad = 1
	}
	if old != 0 && uint32(old>>2) == gen {
		dTotal = 0
		if old&2 != 0 {
			dBad--
		}
	}
	for {
		t := w.totals.Load()
		epoch, total, badCount := unpackTotals(t)
		if epoch != gen&epochMask {
			if wordGen(state.Load()) != gen {
				return false
			}
			total, badCount = 0, 0
		}
		total, badCount = total+dTotal, badCount+dBad
		if w.totals.CompareAndSwap(t, packTotals(gen, total, badCount)) {
			return bad && w.exceeded(total, badCount)
		}
	}
}

func (w *countWindow) exceeded(total, bad int64) bool {
	// Division, not bad >= ratio*total: it is correctly rounded, so 3 of 10
	// meets a ratio of 0.3 exactly as written.
	return total >= int64(w.minCalls) && float64(bad)/float64(total) >= w.ratio
}

// clear empties the totals for generation gen as it starts, unless reports
// of gen got there first or gen has already been replaced. Reports would
// take the totals over anyway; clearing up front keeps totals left from a
// closed period long ago from passing for gen's, should their epochs match
// after wrapping around.
func (w *countWindow) clear(state *atomic.Uint64, gen uint32) {
	for {
		t := w.totals.Load()
		if epoch, _, _ := unpackTotals(t); epoch == gen&epochMask || wordGen(state.Load()) != gen {
			return
		}
		if w.totals.CompareAndSwap(t, packTotals(gen, 0, 0)) {
			return
		}
	}
}

// badRatio returns the share of bad outcomes of generation gen in the window,
// or 0 if it holds none.
func (w *countWindow) badRatio(gen uint32) float64 {
	epoch, total, bad := unpackTotals(w.totals.Load())
	if epoch != gen&epochMask || total <= 0 {
		return 0
	}
	return max(0, float64(bad)/float64(total))
}
