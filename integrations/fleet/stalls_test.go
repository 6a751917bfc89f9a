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

// net returns how long s lasted while the process could run: its length less the stalls in it.
func (m *stallMeter) net(s span) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := s.len()
	for _, st := range m.stalls {
		from, to := s.from, s.to
		if st.from.After(from) {
			from = st.from
		}
		if st.to.Before(to) {
			to = st.to
		}
		if to.After(from) {
			d -= to.Sub(from)
		}
	}
	return d
}
