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
	peaks              peaks // of the main engine, while calls were made
}

func (t *tally) add(o tally) {
	t.accepted += o.accepted
	t.succeeded += o.succeeded
	t.attempts += o.attempts
	t.refused += o.refused
	t.bulkhead += o.bulkhead
	for r, n := range o.failedBy {
		t.failedBy[r] += n
	}
}

func (t *tally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d accepted, %d refused (%d bulkhead full), %d succeeded, failed:", t.accepted, t.refused, t.bulkhead, t.succeeded)
	for r, n := range t.failedBy {
		fmt.Fprintf(&b, " %v=%d", engine.Reason(r), n)
	}
	fmt.Fprintf(&b, "; %d attempts", t.attempts)
	return b.String()
}

func (s *summary) String() string {
	return fmt.Sprintf("%d calls through one engine in %d rounds (%v; breaker tripped %d times, recovered %d; "+
		"up to %d workers, %d calls in the work queue, %d waiting for slots); %d short-lived engines closed mid-flight (%v)",
		s.calls, s.rounds, &s.main, s.trips, s.recoveries, s.peaks.workers, s.peaks.queued, s.peaks.slotWaiting,
		s.sideRounds, &s.side)
}

// checkBreakerChanges checks that the breaker's changes reached the hook once each and in
// order, and counts trips and recoveries.
func (v *env) checkBreakerChanges(t *testing.T) (trips, recoveries int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	from := breaker.Closed
	for i, c := range v.changes {
		require.Equal(t, from, c.From, "breaker change %d (%v>%v) does not follow from the one before", i, c.From, c.To)
		from = c.To
		if c.To == breaker.Open {
			trips++
		}
		if c.From == breaker.HalfOpen && c.To == breaker.Closed {
			recoveries++
		}
	}
	return trips, recoveries
}
