package scheduler

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCloseReturnsPendingItemsInDueOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		schedule(t, s, t0.Add(3*time.Second), "c")
		h := schedule(t, s, t0.Add(time.Second), "a")
		schedule(t, s, t0.Add(2*time.Second), "b1")
		schedule(t, s, t0.Add(2*time.Second), "b2")
		synctest.Wait()

		assert.Equal(t, []string{"a", "b1", "b2", "c"}, s.Close())
		assert.Zero(t, s.Len())
		assert.False(t, s.Cancel(h), "an item returned by Close is no longer pending")
		_, open := <-s.C()
		assert.False(t, open, "C is closed")
		assert.Equal(t, time.Duration(0), time.Since(t0), "Close does not wait for due times")
	})
}

// With nobody reading C, items are spread over C's buffer, the goroutine's
// hand and the heap; Close gathers them from all three, in delivery order.
func TestCloseReturnsItemsNobodyReceived(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[int](t, 2)
		t0 := time.Now()
		var due []Handle
		for i := range 5 {
			due = append(due, schedule(t, s, t0.Add(time.Duration(i)*time.Millisecond), i))
		}
		schedule(t, s, t0.Add(time.Hour), 6)
		schedule(t, s, t0.Add(time.Minute), 5)
		time.Sleep(time.Second)

		assert.Equal(t, 4, s.Len(), "two in C's buffer and one held have left the heap")
		assert.Equal(t, 2, len(s.C()))
		assert.False(t, s.Cancel(due[0]), "buffered in C")
		assert.False(t, s.Cancel(due[2]), "held by the goroutine")
		assert.True(t, s.Cancel(due[4]), "due but still in the heap")

		assert.Equal(t, []int{0, 1, 2, 3, 5, 6}, s.Close())
	})
}

func TestCloseIsIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 1)
		schedule(t, s, time.Now().Add(time.Second), "a")

		var wg sync.WaitGroup
		results := make([][]string, 3)
		for i := range results {
			wg.Go(func() { results[i] = s.Close() })
		}
		wg.Wait()

		var returned []string
		nils := 0
		for _, r := range results {
			if r == nil {
				nils++
			}
			returned = append(returned, r...)
		}
		assert.Equal(t, []string{"a"}, returned)
		assert.Equal(t, 2, nils, "only the first Close returns the items")
		assert.Nil(t, s.Close())
	})
}

func TestCloseWithNothingPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 3)
		rest := s.Close()
		assert.NotNil(t, rest)
		assert.Empty(t, rest)
	})
}

func TestScheduleAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		s.Close()
		h, err := s.Schedule(time.Now(), "late")
		require.ErrorIs(t, err, ErrClosed)
		assert.Equal(t, Handle{}, h)
		assert.Zero(t, s.Len())
		assert.Nil(t, s.Close())
	})
}

func TestCloseEndsConsumersRangingOverC(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[int](t, 8)
		t0 := time.Now()
		for i := range 4 {
			schedule(t, s, t0.Add(time.Duration(i)*time.Second), i)
		}
		var got []int
		var wg sync.WaitGroup
		wg.Go(func() {
			for item := range s.C() {
				got = append(got, item)
			}
		})
		time.Sleep(1500 * time.Millisecond)
		rest := s.Close()
		wg.Wait()

		assert.Equal(t, []int{0, 1}, got)
		assert.Equal(t, []int{2, 3}, rest)
	})
}
