package breaker

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTripOpensAsTheRulesWould(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var seen changes
		b := newBreaker(t, OpenFor(time.Second), seen.option())
		tk := admit(t, b)
		require.True(t, b.Trip(), "a closed breaker opens")
		assert.Equal(t, Open, b.State(), "open, not forced open: it half-opens on its own")
		at, ok := b.HalfOpenAt()
		require.True(t, ok)
		assert.Equal(t, time.Now().Add(time.Second), at, "for the open duration of a first trip")
		assert.False(t, b.Trip(), "an open breaker is left as it is")
		b.Report(tk, Success, 0) // from before the trip: ignored
		assert.Equal(t, uint64(0), b.Counts().Successes)
		assert.Equal(t, uint64(1), b.Counts().Trips, "counted as a trip")

		time.Sleep(time.Second)
		assert.Equal(t, HalfOpen, b.State())
		assert.True(t, b.Trip(), "a half-open breaker opens again")
		assert.Equal(t, []change{{Closed, Open}, {Open, HalfOpen}, {HalfOpen, Open}}, seen.list)
	})
}

func TestTripFollowsOpenBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, OpenBackoff(func(trips int) time.Duration { return time.Duration(trips) * time.Second }))
		require.True(t, b.Trip())
		time.Sleep(time.Second)
		require.Equal(t, HalfOpen, b.State())
		require.True(t, b.Trip(), "out of half-open: the second trip in a row")
		at, _ := b.HalfOpenAt()
		assert.Equal(t, time.Now().Add(2*time.Second), at)
	})
}

func TestTripLeavesManualStatesAlone(t *testing.T) {
	b := newBreaker(t)
	b.ForceOpen()
	assert.False(t, b.Trip())
	assert.Equal(t, ForcedOpen, b.State())
	b.ForceClosed()
	assert.False(t, b.Trip())
	assert.Equal(t, Disabled, b.State())
}

func TestProbeGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var asked atomic.Int32
		allow := atomic.Bool{}
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Second), HalfOpenProbes(2),
			ProbeGate(func() bool { asked.Add(1); return allow.Load() }))
		succeed(t, b, 3)
		assert.Equal(t, int32(0), asked.Load(), "a closed breaker never asks")
		fail(t, b, 1)
		time.Sleep(time.Second)

		_, err := b.Admit()
		assert.ErrorIs(t, err, ErrProbeLimit, "the gate said no to the call that half-opened it")
		_, err = b.Admit()
		assert.ErrorIs(t, err, ErrProbeLimit, "and to the next one")
		assert.Equal(t, int32(2), asked.Load())

		allow.Store(true)
		t1, t2 := admit(t, b), admit(t, b)
		_, err = b.Admit()
		assert.ErrorIs(t, err, ErrProbeLimit, "denied slots were given back: both are free, then both taken")
		assert.Equal(t, int32(4), asked.Load(), "a call with no free slot does not ask")
		b.Report(t1, Success, 0)
		b.Report(t2, Success, 0)
		assert.Equal(t, Closed, b.State())
	})
}

func TestProbeGateRejectsNil(t *testing.T) {
	_, err := New(ProbeGate(nil))
	assert.ErrorContains(t, err, "ProbeGate")
}

// Two breakers sharing one gate of 3 slots, hammered from many goroutines, hand out 3 probes in
// all: the limit holds across breakers as HalfOpenProbes holds within one.
func TestProbeGateSharedLimitUnderContention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var slots atomic.Int32
		gate := func() bool {
			if slots.Add(1) > 3 {
				slots.Add(-1)
				return false
			}
			return true
		}
		var bs [2]*Breaker
		for i := range bs {
			bs[i] = newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Second), HalfOpenProbes(3), ProbeGate(gate))
			fail(t, bs[i], 1)
		}
		time.Sleep(time.Second)
		var admitted atomic.Int32
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Go(func() {
				for range 100 {
					if _, err := bs[g%2].Admit(); err == nil {
						admitted.Add(1)
					}
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(3), admitted.Load())
	})
}
