package fleet_test

import (
	"sync"
	"testing"
	"time"
)

// The fault tests bound how long a call waits on Redis by the real clock, on machines shared
// with other work: with more runnable threads than cores, the test process is at times not run
// at all for tens or hundreds of milliseconds, or its garbage collector, starved too, holds up
// every goroutine that allocates; every call in flight then lasts that much longer, Redis or
// not. A stallMeter measures those stalls, so that a bound on a wait can leave out the time the
// process could not run, rather than a slack large enough for any machine.

// stallMin is the shortest stall recorded: a sleeping goroutine's usual lateness is below it.
const stallMin = 5 * time.Millisecond

// span is an interval of real time.
type span struct{ from, to time.Time }

func (s span) len() time.Duration { return s.to.Sub(s.from) }

// stallMeter is a goroutine that sleeps for a millisecond at a time and records every wake-up
// that came stallMin or more late: the process (or at least that goroutine) could not run.
type stallMeter struct {
	mu     sync.Mutex
	stalls []span
	stop   chan struct{}
	done   chan struct{}
	sink   *[64]byte // the meter's allocation, kept on the heap
}

// startStallMeter starts a meter, stopped at the test's end.
func startStallMeter(t testing.TB) *stallMeter {
	m := &stallMeter{stop: make(chan struct{}), done: make(chan struct{})}
	go m.run()
	t.Cleanup(func() { close(m.stop); <-m.done })
	return m
}

func (m *stallMeter) run() {
	defer close(m.done)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-m.stop:
			return
		case <-tick.C:
		}
		// An allocation, as every call makes: when the garbage collector falls behind (its
		// workers starved of CPU), goroutines that allocate wait for it (GC assist), and the
		// meter with them.
		m.sink = new([64]byte)
		now := time.Now()
		if now.Sub(last) >= time.Millisecond+stallMin {
			m.mu.Lock()
			m.stalls = append(m.stalls, span{last.Add(time.Millisecond), now})
			m.mu.Unlock()
		}
		last = now
	}
}

// within returns how much of s the process spent stalled, and the longest stall overlapping s.
func (m *stallMeter) within(s span) (total, longest time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, st := range m.stalls {
		from, to := maxTime(s.from, st.from), minTime(s.to, st.to)
		if d := to.Sub(from); d > 0 {
			total += d
			longest = max(longest, st.len())
		}
	}
	return total, longest
}

// net returns how long s lasted while the process could run.
func (m *stallMeter) net(s span) time.Duration {
	stalled, _ := m.within(s)
	return s.len() - stalled
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
