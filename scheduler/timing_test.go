package scheduler

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsNegativeBuffer(t *testing.T) {
	for _, buffer := range []int{-1, -1000} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			s, err := New[int](buffer)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), "buffer")
			assert.Contains(t, err.Error(), fmt.Sprint(buffer))
		})
	}
}

func TestFiresAtExactTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		schedule(t, s, t0.Add(3*time.Second), "c")
		schedule(t, s, t0.Add(time.Second), "a")
		schedule(t, s, t0.Add(2*time.Second+time.Nanosecond), "b2")
		schedule(t, s, t0.Add(2*time.Second), "b")

		got := receive(t, s, t0, 4)
		assert.Equal(t, []arrival[string]{
			{"a", time.Second},
			{"b", 2 * time.Second},
			{"b2", 2*time.Second + time.Nanosecond},
			{"c", 3 * time.Second},
		}, got)
		assert.Zero(t, s.Len())
	})
}

func TestTiesAreFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[int](t, 4)
		t0 := time.Now()
		var want []arrival[int]
		for i := range 50 {
			// Alternate two instants so that ties are interleaved in the heap.
			d := time.Second * time.Duration(1+i%2)
			schedule(t, s, t0.Add(d), i)
		}
		for i := 0; i < 50; i += 2 {
			want = append(want, arrival[int]{i, time.Second})
		}
		for i := 1; i < 50; i += 2 {
			want = append(want, arrival[int]{i, 2 * time.Second})
		}
		assert.Equal(t, want, receive(t, s, t0, 50))
	})
}

func TestPastTimesAreDueAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		time.Sleep(time.Hour) // so that "the past" also predates New
		t0 := time.Now()
		// In due order: the scheduler runs beside this goroutine (synctest fakes the clock, not
		// the parallelism) and may deliver an item due at once before the next is scheduled.
		schedule(t, s, time.Time{}, "year one")
		schedule(t, s, t0.Add(-2*time.Hour), "before New")
		schedule(t, s, t0, "now")
		schedule(t, s, t0.Add(time.Second), "future")

		assert.Equal(t, []arrival[string]{
			{"year one", 0}, {"before New", 0}, {"now", 0}, {"future", time.Second},
		}, receive(t, s, t0, 4))
	})
}

func TestEarlierItemRearmsTheTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		schedule(t, s, t0.Add(10*time.Second), "late")
		synctest.Wait() // the goroutine now waits on a timer for +10s
		schedule(t, s, t0.Add(time.Second), "early")
		synctest.Wait()
		schedule(t, s, t0.Add(5*time.Second), "middle") // not the earliest: no wake-up needed

		assert.Equal(t, []arrival[string]{
			{"early", time.Second}, {"middle", 5 * time.Second}, {"late", 10 * time.Second},
		}, receive(t, s, t0, 3))
	})
}

func TestScheduleWakesAnIdleScheduler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		synctest.Wait() // the goroutine waits with an empty heap and no timer
		schedule(t, s, t0.Add(time.Second), "first")
		assert.Equal(t, []arrival[string]{{"first", time.Second}}, receive(t, s, t0, 1))

		synctest.Wait() // empty again
		schedule(t, s, t0, "past")
		assert.Equal(t, []arrival[string]{{"past", time.Second}}, receive(t, s, t0, 1))
	})
}

func TestCanceledEarliestItemDoesNotStallTheNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		first := schedule(t, s, t0.Add(time.Second), "canceled")
		schedule(t, s, t0.Add(2*time.Second), "kept")
		synctest.Wait()
		require.True(t, s.Cancel(first))

		assert.Equal(t, []arrival[string]{{"kept", 2 * time.Second}}, receive(t, s, t0, 1))
	})
}

// TestDeliveryOrderMatchesStableSort checks, for several channel capacities
// (so for batches of several sizes and for synchronous hand-off), that
// random items arrive sorted by due time, FIFO among ties, each exactly on time.
func TestDeliveryOrderMatchesStableSort(t *testing.T) {
	for _, buffer := range []int{0, 1, 3, 1000} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(buffer)))
				s := start[int](t, buffer)
				t0 := time.Now()
				want := make([]arrival[int], 600)
				for i := range want {
					// Millisecond granularity over 200ms gives plenty of ties.
					d := time.Duration(rng.IntN(200)) * time.Millisecond
					want[i] = arrival[int]{i, d}
					schedule(t, s, t0.Add(d), i)
				}
				slices.SortStableFunc(want, func(a, b arrival[int]) int { return cmp.Compare(a.At, b.At) })
				assert.Equal(t, want, receive(t, s, t0, len(want)))
			})
		})
	}
}

func TestSlowConsumerDoesNotBlockCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := start[string](t, 0)
		t0 := time.Now()
		schedule(t, s, t0, "a")
		schedule(t, s, t0, "b")
		synctest.Wait() // the goroutine holds "a" and waits for a receiver

		later := schedule(t, s, t0.Add(time.Minute), "later")
		schedule(t, s, t0.Add(time.Second), "c")
		assert.Equal(t, 3, s.Len(), `"a" has fired; "b", "c" and "later" wait`)
		assert.True(t, s.Cancel(later))

		time.Sleep(5 * time.Second) // nobody receives for a while
		assert.Equal(t, []arrival[string]{
			{"a", 5 * time.Second}, {"b", 5 * time.Second}, {"c", 5 * time.Second},
		}, receive(t, s, t0, 3))
	})
}
