package scheduler

import "math"

// maxPending bounds the number of items in one queue: heap positions are
// stored as int32 to keep a slot at 8 bytes plus the item.
const maxPending = math.MaxInt32

// node is one heap entry. It holds everything a comparison needs, so sifting
// reads only the contiguous nodes slice; the slot is touched only to record
// the node's new position.
type node struct {
	due  int64  // nanoseconds since the scheduler's base time
	seq  uint32 // schedule order; breaks ties between equal due times (FIFO)
	slot uint32 // index into queue.slots
}

// before orders by due time, then by schedule order. The sequence numbers wrap, so they are
// compared by their difference: two items due at the same nanosecond keep their order as
// long as fewer than 2^31 others were scheduled between them. A 16-byte node, against 24
// with a 64-bit number, makes every waiting item 8 bytes smaller and sifts touch less memory.
func (a node) before(b node) bool {
	return a.due < b.due || (a.due == b.due && int32(a.seq-b.seq) < 0)
}

// slot stores one item outside the heap, so heap moves copy 16-byte nodes
// instead of items of any size. The item comes first so that a zero-size T
// adds no padding.
type slot[T any] struct {
	item T
	gen  uint32 // bumped whenever the slot is freed; a Handle must match it
	pos  int32  // index of the slot's node in queue.nodes, or -1 when free
}

// queue is a d-ary min-heap of nodes over a slab of reusable slots.
// It allocates only when it grows past its previous peak. It is not safe for
// concurrent use; the Scheduler guards it with its mutex.
type queue[T any] struct {
	nodes []node
	slots []slot[T]
	free  []uint32 // indices of free slots, used as a stack
	seq   uint32
	shift uint // log2 of the heap's arity: 1 for binary, 2 for 4-ary
}

func newQueue[T any](shift uint) queue[T] {
	return queue[T]{shift: shift}
}

func (q *queue[T]) len() int { return len(q.nodes) }

// push stores item due at due and returns its slot and generation.
// The caller checks len() < maxPending first.
func (q *queue[T]) push(due int64, item T) (uint32, uint32) {
	var idx uint32
	if n := len(q.free); n > 0 {
		idx = q.free[n-1]
		q.free = q.free[:n-1]
	} else {
		idx = uint32(len(q.slots))
		q.slots = append(q.slots, slot[T]{gen: 1})
	}
	s := &q.slots[idx]
	s.item = item
	q.seq++
	q.nodes = append(q.nodes, node{due: due, seq: q.seq, slot: idx})
	q.up(len(q.nodes) - 1)
	return idx, s.gen
}

// live reports the heap position of the item identified by (idx, gen), or
// false if that item is no longer in the heap.
func (q *queue[T]) live(idx, gen uint32) (int, bool) {
	if int(idx) >= len(q.slots) {
		return 0, false
	}
	s := &q.slots[idx]
	if s.gen != gen || s.pos < 0 {
		return 0, false
	}
	return int(s.pos), true
}

// earliest returns the due time of the top node; ok is false when empty.
func (q *queue[T]) earliest() (due int64, ok bool) {
	if len(q.nodes) == 0 {
		return 0, false
	}
	return q.nodes[0].due, true
}

// popTop removes the top node and returns its item, freeing its slot.
func (q *queue[T]) popTop() T {
	return q.removeAt(0)
}

// removeAt removes the node at heap position i and returns its item,
// freeing its slot so that outstanding handles to it go stale.
func (q *queue[T]) removeAt(i int) T {
	idx := q.nodes[i].slot
	last := len(q.nodes) - 1
	if i != last {
		q.nodes[i] = q.nodes[last]
	}
	q.nodes = q.nodes[:last]
	if i != last {
		q.fix(i)
	}
	return q.release(idx)
}

func (q *queue[T]) release(idx uint32) T {
	s := &q.slots[idx]
	item := s.item
	var zero T
	s.item = zero // drop references so the GC can reclaim what the item points to
	s.pos = -1
	s.gen++
	if s.gen == 0 { // zero is never live, so the zero Handle never matches
		s.gen = 1
	}
	q.free = append(q.free, idx)
	return item
}

// fix restores heap order after the node at i was replaced.
func (q *queue[T]) fix(i int) {
	if i > 0 && q.nodes[i].before(q.nodes[(i-1)>>q.shift]) {
		q.up(i)
	} else {
		q.down(i)
	}
}

func (q *queue[T]) up(i int) {
	nodes := q.nodes
	n := nodes[i]
	for i > 0 {
		parent := (i - 1) >> q.shift
		p := nodes[parent]
		if !n.before(p) {
			break
		}
		nodes[i] = p
		q.slots[p.slot].pos = int32(i)
		i = parent
	}
	nodes[i] = n
	q.slots[n.slot].pos = int32(i)
}

func (q *queue[T]) down(i int) {
	nodes := q.nodes
	n := nodes[i]
	arity := 1 << q.shift
	for {
		first := i<<q.shift + 1
		if first >= len(nodes) {
			break
		}
		end := min(first+arity, len(nodes))
		least := first
		for c := first + 1; c < end; c++ {
			if nodes[c].before(nodes[least]) {
				least = c
			}
		}
		if !nodes[least].before(n) {
			break
		}
		nodes[i] = nodes[least]
		q.slots[nodes[i].slot].pos = int32(i)
		i = least
	}
	nodes[i] = n
	q.slots[n.slot].pos = int32(i)
}
