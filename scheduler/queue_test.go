package scheduler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkQueue verifies every structural invariant of q and returns the first
// violation: heap order, positions recorded in slots, generations, free list.
func checkQueue[T any](q *queue[T]) error {
	for i := 1; i < len(q.nodes); i++ {
		if parent := (i - 1) >> q.shift; q.nodes[i].before(q.nodes[parent]) {
			return fmt.Errorf("node %d is before its parent %d", i, parent)
		}
	}
	for i, n := range q.nodes {
		if got := q.slots[n.slot].pos; got != int32(i) {
			return fmt.Errorf("node %d: its slot %d records position %d", i, n.slot, got)
		}
	}
	free := make(map[uint32]bool, len(q.free))
	for _, idx := range q.free {
		if free[idx] {
			return fmt.Errorf("slot %d is free twice", idx)
		}
		free[idx] = true
		if q.slots[idx].pos != -1 {
			return fmt.Errorf("free slot %d has position %d", idx, q.slots[idx].pos)
		}
	}
	for idx, s := range q.slots {
		if s.gen == 0 {
			return fmt.Errorf("slot %d has generation 0", idx)
		}
	}
	if len(free)+len(q.nodes) != len(q.slots) {
		return fmt.Errorf("%d free + %d in heap != %d slots", len(free), len(q.nodes), len(q.slots))
	}
	return nil
}

type entry struct {
	due, seq int64
}

// TestQueueMatchesModel drives the heap with random pushes, pops and removals
// and compares every result with a plain slice model, checking the
// invariants after each step, for both arities.
func TestQueueMatchesModel(t *testing.T) {
	for _, shift := range []uint{1, 2} {
		for seed := range uint64(8) {
			t.Run(fmt.Sprintf("arity=%d/seed=%d", 1<<shift, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 42))
				q := newQueue[entry](shift)
				type pending struct {
					entry
					slot, gen uint32
				}
				var model []pending // unordered; the minimum is found by scanning
				var stale []pending // fired or removed: their handles must be dead
				seq := int64(0)

				for step := range 4000 {
					switch op := rng.IntN(10); {
					case op < 5 || len(model) == 0: // push; few distinct dues, so many ties
						seq++
						e := entry{due: rng.Int64N(50) - 10, seq: seq}
						slot, gen := q.push(e.due, e)
						model = append(model, pending{e, slot, gen})
					case op < 8: // pop the earliest
						least := 0
						for i, p := range model {
							if p.due < model[least].due || (p.due == model[least].due && p.seq < model[least].seq) {
								least = i
							}
						}
						due, ok := q.earliest()
						require.True(t, ok)
						require.Equal(t, model[least].due, due, "step %d", step)
						require.Equal(t, model[least].entry, q.popTop(), "step %d", step)
						stale = append(stale, model[least])
						model = append(model[:least], model[least+1:]...)
					default: // remove an arbitrary live item by handle
						i := rng.IntN(len(model))
						pos, ok := q.live(model[i].slot, model[i].gen)
						require.True(t, ok, "step %d", step)
						require.Equal(t, model[i].entry, q.removeAt(pos), "step %d", step)
						stale = append(stale, model[i])
						model = append(model[:i], model[i+1:]...)
					}
					require.NoError(t, checkQueue(&q), "step %d", step)
					require.Equal(t, len(model), q.len())
					if len(stale) > 0 {
						old := stale[rng.IntN(len(stale))]
						_, ok := q.live(old.slot, old.gen)
						require.False(t, ok, "step %d: stale handle still live", step)
					}
				}
			})
		}
	}
}

func TestQueueReleaseDropsTheItem(t *testing.T) {
	q := newQueue[*int](defaultShift)
	v := 7
	slot, _ := q.push(1, &v)
	assert.Equal(t, &v, q.popTop())
	assert.Nil(t, q.slots[slot].item, "a freed slot must not keep its item reachable")
}

func TestQueueGenerationSkipsZeroOnWrap(t *testing.T) {
	q := newQueue[int](defaultShift)
	slot, _ := q.push(1, 1)
	q.slots[slot].gen = ^uint32(0)
	q.popTop()
	assert.Equal(t, uint32(1), q.slots[slot].gen)
	_, gen := q.push(1, 2)
	assert.NotZero(t, gen)
}

// TestQueueKeepsTiesInOrderAcrossSequenceWrap schedules items due at one time while the
// 32-bit sequence number wraps: they still come out first in, first out.
func TestQueueKeepsTiesInOrderAcrossSequenceWrap(t *testing.T) {
	for _, shift := range []uint{1, 2} {
		q := newQueue[int](shift)
		q.seq = math.MaxUint32 - 5
		for i := range 12 {
			q.push(7, i)
		}
		for want := range 12 {
			require.Equal(t, want, q.popTop(), "arity %d", 1<<shift)
		}
	}
}
