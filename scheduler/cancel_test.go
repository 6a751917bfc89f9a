package scheduler

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCancelBeforeDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		h := schedule(t, s, t0.Add(time.Second), "canceled")
		schedule(t, s, t0.Add(2*time.Second), "kept")
		require.Equal(t, 2, s.Len())

		assert.True(t, s.Cancel(h))
		assert.Equal(t, 1, s.Len())
		assert.False(t, s.Cancel(h), "second cancel")

		assert.Equal(t, []arrival[string]{{"kept", 2 * time.Second}}, receive(t, s, t0, 1))
		assert.Empty(t, s.Close())
	})
}

func TestCancelAfterDelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		h := schedule(t, s, t0.Add(time.Second), "a")
		receive(t, s, t0, 1)
		assert.False(t, s.Cancel(h))
	})
}

// An item taken from the heap has fired even if nobody received it yet: it
// can no longer be canceled, and Close hands it back instead.
func TestCancelAfterDueButBeforeReceipt(t *testing.T) {
	for _, buffer := range []int{0, 1} {
		t.Run(map[int]string{0: "held", 1: "buffered"}[buffer], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := start[string](t, buffer)
				h := schedule(t, s, time.Now().Add(time.Second), "a")
				time.Sleep(time.Hour)

				assert.False(t, s.Cancel(h))
				assert.Zero(t, s.Len())
				assert.Equal(t, []string{"a"}, s.Close())
			})
		})
	}
}

func TestCancelWithZeroHandle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		assert.False(t, s.Cancel(Handle{}), "empty scheduler")
		schedule(t, s, time.Now().Add(time.Second), "a")
		assert.False(t, s.Cancel(Handle{}), "slot 0 in use")
		assert.Equal(t, 1, s.Len())
	})
}

func TestStaleHandleAfterSlotReuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		old := schedule(t, s, t0.Add(time.Second), "old")
		require.True(t, s.Cancel(old))
		reused := schedule(t, s, t0.Add(time.Second), "new")
		require.Equal(t, old.slot, reused.slot, "the freed slot is reused")

		assert.False(t, s.Cancel(old))
		assert.Equal(t, 1, s.Len())
		assert.Equal(t, []arrival[string]{{"new", time.Second}}, receive(t, s, t0, 1))

		// Fired: the slot is free again, and both handles are stale.
		again := schedule(t, s, t0.Add(time.Hour), "again")
		require.Equal(t, old.slot, again.slot)
		assert.False(t, s.Cancel(old))
		assert.False(t, s.Cancel(reused))
		assert.True(t, s.Cancel(again))
	})
}

func TestCancelWithOutOfRangeHandle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[int](t, 0)
		for i := range 3 {
			schedule(t, s, time.Now().Add(time.Second), i)
		}
		assert.False(t, s.Cancel(Handle{slot: 7, gen: 1}))
		assert.Equal(t, 3, s.Len())
	})
}
