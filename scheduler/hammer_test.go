package scheduler

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHammerAccountsForEveryItemOnce runs, in real time, producers that
// schedule items with small random delays (some in the past) and cancel
// earlier items at random (racing with their fire), consumers that read C,
// and a Close that lands either mid-stream (racing with Schedule) or after
// the producers finish (racing with the consumers). Every item that
// Schedule accepted must be received, canceled or returned by Close exactly
// once.
func TestHammerAccountsForEveryItemOnce(t *testing.T) {
	for round := range 12 {
		buffer := []int{0, 1, 16}[round%3]
		closeMidway := round%2 == 0
		t.Run(fmt.Sprintf("round=%d/buffer=%d/closeMidway=%t", round, buffer, closeMidway), func(t *testing.T) {
			hammer(t, uint64(round), buffer, closeMidway)
		})
	}
}

func hammer(t *testing.T, seed uint64, buffer int, closeMidway bool) {
	const (
		producers   = 6
		consumers   = 3
		perProducer = 1500
		items       = producers * perProducer
	)
	s, err := New[int](buffer)
	require.NoError(t, err)

	var accepted, received, canceled, returned [items]atomic.Int32
	var scheduledTotal, receivedTotal atomic.Int64
	midway := make(chan struct{})
	var signalMidway sync.Once

	var consumersWG, producersWG sync.WaitGroup
	for c := range consumers {
		consumersWG.Go(func() {
			rng := rand.New(rand.NewPCG(seed, 100+uint64(c)))
			for id := range s.C() {
				received[id].Add(1)
				receivedTotal.Add(1)
				if rng.IntN(8) == 0 {
					runtime.Gosched() // a slow consumer now and then: backpressure
				}
			}
		})
	}
	for p := range producers {
		producersWG.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(p)))
			var handles []Handle
			var ids []int
			for i := range perProducer {
				id := p*perProducer + i
				delay := time.Duration(rng.IntN(400)-100) * time.Microsecond
				h, err := s.Schedule(time.Now().Add(delay), id)
				if err != nil {
					assert.ErrorIs(t, err, ErrClosed)
					return
				}
				accepted[id].Add(1)
				handles, ids = append(handles, h), append(ids, id)
				if rng.IntN(3) == 0 { // cancel a recent item: may have fired, or been canceled already
					k := max(0, len(handles)-1-rng.IntN(8))
					if s.Cancel(handles[k]) {
						canceled[ids[k]].Add(1)
					}
				}
				if i%16 == 0 {
					runtime.Gosched() // let the scheduler and consumers interleave with producers
				}
				if scheduledTotal.Add(1) == items/2 {
					signalMidway.Do(func() { close(midway) })
				}
			}
		})
	}

	if closeMidway {
		<-midway
	} else {
		producersWG.Wait()
		// The items fall due within 300us of being scheduled, but timers fire on a coarser
		// clock under load (a millisecond or more): let the first deliveries happen, so that
		// Close races with consumers that are receiving.
		require.Eventually(t, func() bool { return receivedTotal.Load() > 0 }, 10*time.Second, time.Millisecond)
	}
	for _, id := range s.Close() {
		returned[id].Add(1)
	}
	producersWG.Wait()
	consumersWG.Wait()

	var total [4]int
	for id := range items {
		a, r, c, ret := accepted[id].Load(), received[id].Load(), canceled[id].Load(), returned[id].Load()
		if a == 0 {
			require.Zero(t, r+c+ret, "item %d was never scheduled but was accounted", id)
			continue
		}
		require.Equal(t, int32(1), r+c+ret,
			"item %d: received %d, canceled %d, returned by Close %d", id, r, c, ret)
		total[0]++
		total[1] += int(r)
		total[2] += int(c)
		total[3] += int(ret)
	}
	t.Logf("accepted %d: received %d, canceled %d, returned by Close %d", total[0], total[1], total[2], total[3])
	assert.NotZero(t, total[1], "nothing was received")
	assert.NotZero(t, total[2], "nothing was canceled")
}
