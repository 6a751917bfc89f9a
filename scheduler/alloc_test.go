package scheduler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The engine promises zero allocations per retry, so the scheduler must not
// allocate per item once its slab, heap and free list have grown.
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	s := start[*int](t, 16)
	item := new(int)
	far := time.Now().Add(time.Hour)
	for range 100 {
		schedule(t, s, far, item) // a non-trivial heap for the items below to sift through
	}

	t.Run("op=schedule+deliver", func(t *testing.T) {
		allocs := testing.AllocsPerRun(1000, func() {
			if _, err := s.Schedule(time.Now(), item); err != nil {
				t.Fatal(err)
			}
			<-s.C()
		})
		assert.Zero(t, allocs)
	})
	t.Run("op=schedule+cancel", func(t *testing.T) {
		allocs := testing.AllocsPerRun(1000, func() {
			h, err := s.Schedule(far.Add(-time.Minute), item)
			if err != nil || !s.Cancel(h) {
				t.Fatal("schedule or cancel failed", err)
			}
		})
		assert.Zero(t, allocs)
	})
}
