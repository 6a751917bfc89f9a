package chaos

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// summary adds up a run.
type summary struct {
	rounds, sideRounds int
	calls              int   // through the main engine
	main, side         tally // of the main engine, and of the short-lived ones
	trips, recoveries  int
	restarts           int               // breakers of keys forgotten while open, made anew
	keyTrips           int               // a down key's breaker opening while the others were healthy
	peaks              peaks             // of the main engine, while calls were made
	keys               int               // keys the main engine held at the end
	running            [numClasses]int32 // the most operations running at once per key
	snapshots          int               // Stats snapshots checked while calls were made
	closers            [numClosers]int   // short-lived engines closed by each closer
	hookCloses         int               // of those closed by a hook, closed by it (a call succeeded after closeAt)
}

func (t *tally) add(o tally) {
	t.accepted += o.accepted
	t.succeeded += o.succeeded
	t.attempts += o.attempts
	t.refused += o.refused
	t.bulkhead += o.bulkhead
	t.rateLimited += o.rateLimited
	t.fresh += o.fresh
	t.goexits += o.goexits
	for r, n := range o.failedBy {
		t.failedBy[r] += n
	}
}

func (t *tally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d accepted, %d refused (%d bulkhead full, %d without a token in time), %d succeeded, failed:",
		t.accepted, t.refused, t.bulkhead, t.rateLimited, t.succeeded)
	for r, n := range t.failedBy {
		fmt.Fprintf(&b, " %v=%d", engine.Reason(r), n)
	}
	fmt.Fprintf(&b, " (%d by runtime.Goexit); %d attempts", t.goexits, t.attempts)
	return b.String()
}

func (s *summary) String() string {
	return fmt.Sprintf("%d calls through one engine in %d rounds (%v; breakers tripped %d times, %d of them a down "+
		"key's, recovered %d, made anew %d; %d fresh keys, %d keys held at the end; up to %d workers, %d calls "+
		"in the work queue, %d waiting for slots; most operations running at once per key %v); "+
		"%d short-lived engines closed mid-flight (%v; closed by the test %d, by two Close calls at once %d, "+
		"from OnSettled %d, %d of them by the hook itself); %d Stats snapshots taken during rounds kept "+
		"Submitted == Succeeded + Failed() + Pending",
		s.calls, s.rounds, &s.main, s.trips, s.keyTrips, s.recoveries, s.restarts, s.main.fresh, s.keys,
		s.peaks.workers, s.peaks.queued, s.peaks.slotWaiting, s.running, s.sideRounds, &s.side,
		s.closers[closeByTest], s.closers[closeByTwo], s.closers[closeInHook], s.hookCloses, s.snapshots)
}

// checkBreakerChanges checks that each key's breaker changes reached the hook once each and in
// order, and counts trips, recoveries and breakers made anew: a key forgotten while its breaker
// was open or half-open (idle for its key idle time) gets a new, closed breaker when it is used
// again, so its changes may start again from closed, never from anywhere else.
func (v *env) checkBreakerChanges(t *testing.T) (trips, recoveries, restarts int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	state := make(map[string]breaker.State)
	for i, c := range v.changes {
		from, ok := state[c.Key]
		if !ok {
			from = breaker.Closed
		}
		if c.From != from {
			require.Equal(t, breaker.Closed, c.From, "breaker change %d (%v>%v) of key %q does not follow from the one before (%v)",
				i, c.From, c.To, c.Key, from)
			restarts++
		}
		state[c.Key] = c.To
		if c.To == breaker.Open {
			trips++
		}
		if c.From == breaker.HalfOpen && c.To == breaker.Closed {
			recoveries++
		}
	}
	return trips, recoveries, restarts
}
