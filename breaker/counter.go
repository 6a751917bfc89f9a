package breaker

import (
	"sync/atomic"
	"unsafe"
)

// A stripedCounter spreads its adds over counterStripes cache lines.
const (
	stripeBits     = 3
	counterStripes = 1 << stripeBits
)

// stripedCounter is a counter for many writers and rare readers. Each add goes to the stripe
// picked by the address of the adding goroutine's stack, so that goroutines running on
// different cores seldom write the same cache line (one shared line costs every core a miss
// per add); a read sums the stripes.
type stripedCounter struct {
	stripes [counterStripes]struct {
		n atomic.Uint64
		_ [56]byte
	}
}

func (c *stripedCounter) add() {
	var onStack byte
	// Goroutine stacks are at least 2 KiB apart, so the bits above 11 tell goroutines apart;
	// a Fibonacci hash spreads them even when stacks are aligned to larger sizes. A stack that
	// moves when it grows just moves to another stripe: the sum is the same.
	h := uint64(uintptr(unsafe.Pointer(&onStack))>>11) * 0x9e3779b97f4a7c15
	c.stripes[h>>(64-stripeBits)].n.Add(1)
}

func (c *stripedCounter) load() uint64 {
	var sum uint64
	for i := range c.stripes {
		sum += c.stripes[i].n.Load()
	}
	return sum
}
