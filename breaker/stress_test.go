package breaker

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

// TestStress hammers one breaker from dozens of goroutines on two cores while
// it trips and recovers many times, with callbacks that call back into it.
// It checks that no half-open period ever has more probes in flight than the
// limit, that callbacks never overlap, and that every state change is
// delivered exactly once and in order.
func TestStress(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	cases := []struct {
		name  string
		probe int
		rules []Option
	}{
		{"rule=consecutive/probes=1", 1, []Option{ConsecutiveFailures(3)}},
		{"rule=windows/probes=3", 3, []Option{
			FailureRatio(0.5, 20, 10), FailureRatioOver(0.5, 10*time.Millisecond, 10, 10),
			SlowCalls(50*time.Microsecond, 0.5, 20, 10),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { stress(t, tc.probe, tc.rules) })
	}
}

func stress(t *testing.T, probes int, rules []Option) {
	const (
		workers  = 48
		target   = 500 // recoveries (half-open to closed) and trips to see at least
		maxCalls = 200_000
	)
	// Probes in flight per half-open generation, counted by the test: after
	// Admit, before Report, so never more than the breaker counts.
	var inFlight [1 << 16]atomic.Int32
	var worst atomic.Int32
	var b *Breaker
	takeProbe := func(tk Ticket) func() {
		if tk.flags&ticketProbe == 0 {
			return func() {}
		}
		c := &inFlight[tk.gen%uint32(len(inFlight))]
		n := c.Add(1)
		for w := worst.Load(); n > w && !worst.CompareAndSwap(w, n); w = worst.Load() {
		}
		return func() { c.Add(-1) }
	}

	var seen []change
	var inCallback, overlaps, recoveries atomic.Int32
	opts := append(rules, OpenFor(20*time.Microsecond), HalfOpenProbes(probes), CloseAfter(2),
		OnStateChange(func(from, to State) {
			if inCallback.Add(1) != 1 {
				overlaps.Add(1)
			}
			defer inCallback.Add(-1)
			seen = append(seen, change{from, to})
			if to == Closed {
				recoveries.Add(1)
			}
			// Re-entrant calls while other goroutines race on.
			_ = b.State()
			_ = b.Counts()
			if tk, err := b.Admit(); err == nil {
				done := takeProbe(tk)
				done()
				b.Report(tk, Ignored, 0)
			}
		}))
	b = newBreaker(t, opts...)

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range maxCalls {
				if recoveries.Load() >= target && b.trips.Load() >= target {
					return
				}
				tk, err := b.Admit()
				if err != nil {
					runtime.Gosched()
					continue
				}
				done := takeProbe(tk)
				runtime.Gosched() // let others in while this call is "running"
				o, elapsed := Success, time.Duration(rng.IntN(100))*time.Microsecond
				switch rng.IntN(10) {
				case 0, 1, 2, 3:
					o = Failure
				case 4:
					o = Ignored
				}
				done()
				b.Report(tk, o, elapsed)
			}
		})
	}
	wg.Wait()

	assert.LessOrEqual(t, worst.Load(), int32(probes), "probes in flight in one half-open period")
	assert.Zero(t, overlaps.Load(), "callbacks ran concurrently")
	require.GreaterOrEqual(t, int(recoveries.Load()), target, "the breaker recovered often enough to test anything")
	require.GreaterOrEqual(t, b.trips.Load(), uint64(target))

	w := b.word.Load()
	assert.Len(t, seen, int((wordGen(w)-firstGen)&genMask), "one delivery per state change")
	opens := 0
	for i, c := range seen {
		want := Closed
		if i > 0 {
			want = seen[i-1].To
		}
		require.Equal(t, want, c.From, fmt.Sprintf("change %d: %v after %v", i, c, want))
		require.NotEqual(t, c.From, c.To)
		if c.To == Open {
			opens++
		}
	}
	assert.Equal(t, wordState(w), seen[len(seen)-1].To, "the last change delivered is the current state")
	assert.Equal(t, uint64(opens), b.Counts().Trips)
	if wordState(w) == HalfOpen {
		assert.Zero(t, wordA(w), "every probe gave its slot back")
	}
	assert.Empty(t, b.events.pending)
	assert.Nil(t, b.events.head.Load())
	t.Logf("%d state changes, %d trips, %d recoveries", len(seen), opens, recoveries.Load())
}

// TestStressEveryChangeIsDeliveredBeforeCallsReturn races goroutines that
// change the state over and over, many short rounds, and checks after each
// round that nothing is left undelivered: a change pushed just as another
// goroutine finishes delivering must not wait for the next change.
func TestStressEveryChangeIsDeliveredBeforeCallsReturn(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for round := range 1000 {
		var delivered []change
		b := newBreaker(t, OnStateChange(func(from, to State) { delivered = append(delivered, change{from, to}) }))
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 10 {
					if (g+i)%2 == 0 {
						b.ForceOpen()
					} else {
						b.ForceClosed()
					}
				}
			})
		}
		wg.Wait()
		require.Len(t, delivered, int(wordGen(b.word.Load())-firstGen), "round %d", round)
	}
}
