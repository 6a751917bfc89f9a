package breaker

import (
	"math"
	"time"
)

// refBreaker is the reference for the model test: the breaker's behaviour
// written as plainly as possible, sequential, with time passed in and windows
// kept as slices. It shares nothing with the real breaker but config, a plain
// value.
type refBreaker struct {
	cfg              config
	state            State
	gen              int
	run              int // consecutive failures
	inFlight, passed int // half-open probes
	trips            int // number of the latest trip since the breaker last closed
	until            time.Duration
	failed, slow     []bool // outcomes of this closed period, latest last
	timed            []timedOutcome
	counts           Counts
	changes          []change
}

type timedOutcome struct {
	bucket int64
	failed bool
}

type refTicket struct {
	gen   int
	probe bool
}

func newRef(cfg config) *refBreaker {
	if !cfg.hasTripRule() {
		cfg.consecutive = 5
	}
	if cfg.closeAfter == 0 {
		cfg.closeAfter = cfg.probes
	}
	return &refBreaker{cfg: cfg}
}

func (r *refBreaker) change(to State) {
	if r.state != to {
		r.changes = append(r.changes, change{r.state, to})
	}
	r.state, r.gen = to, r.gen+1
	r.run, r.inFlight, r.passed = 0, 0, 0
	r.failed, r.slow, r.timed = nil, nil, nil
}

func (r *refBreaker) tick(now time.Duration) {
	if r.state == Open && now >= r.until {
		r.change(HalfOpen)
	}
}

func (r *refBreaker) trip(now time.Duration, trips int) {
	d := r.cfg.openFor
	if r.cfg.openBackoff != nil {
		d = max(r.cfg.openBackoff(trips), 0)
	}
	if r.cfg.jitter > 0 {
		d = time.Duration(float64(d) * (1 + r.cfg.jitter*(2*r.cfg.random()-1)))
	}
	r.until = now + d
	if d > math.MaxInt64-now {
		r.until = math.MaxInt64
	}
	r.trips = trips
	r.counts.Trips++
	r.change(Open)
}

func (r *refBreaker) admit(now time.Duration) (refTicket, error) {
	r.tick(now)
	switch r.state {
	case Closed, Disabled:
		return refTicket{gen: r.gen}, nil
	case HalfOpen:
		if r.inFlight >= int(r.cfg.probes) {
			r.counts.Rejections++
			return refTicket{}, ErrProbeLimit
		}
		r.inFlight++
		return refTicket{gen: r.gen, probe: true}, nil
	}
	r.counts.Rejections++
	return refTicket{}, ErrOpen
}

func (r *refBreaker) report(t refTicket, o Outcome, elapsed, now time.Duration) {
	if t.gen != r.gen {
		return
	}
	if o != Success && o != Failure {
		if t.probe && r.inFlight > 0 {
			r.inFlight--
		}
		return
	}
	failed := o == Failure
	if failed {
		r.counts.Failures++
	} else {
		r.counts.Successes++
	}
	slow := r.cfg.slowRate != nil && elapsed >= r.cfg.slowAfter
	if slow {
		r.counts.SlowCalls++
	}
	if t.probe {
		switch {
		case failed || slow:
			r.trip(now, r.trips+1)
		case r.passed+1 >= int(r.cfg.closeAfter):
			r.change(Closed)
		default:
			r.passed++
			r.inFlight = max(r.inFlight-1, 0)
		}
		return
	}
	trip := false
	if rule := r.cfg.failureRate; rule != nil {
		r.failed = lastN(append(r.failed, failed), rule.window)
		trip = failed && meets(r.failed, rule.ratio, rule.minCalls)
	}
	if rule := r.cfg.failureOver; rule != nil {
		r.timed = append(r.timed, timedOutcome{int64(now / (rule.window / time.Duration(rule.buckets))), failed})
		trip = trip || failed && meets(r.inWindow(now), rule.ratio, rule.minCalls)
	}
	if rule := r.cfg.slowRate; rule != nil {
		r.slow = lastN(append(r.slow, slow), rule.window)
		trip = trip || slow && meets(r.slow, rule.ratio, rule.minCalls)
	}
	if failed {
		r.run = min(r.run+1, maxCount)
	} else {
		r.run = 0
	}
	if r.state == Closed && (trip || r.cfg.consecutive > 0 && r.run >= int(r.cfg.consecutive)) {
		r.trip(now, 1)
	}
}

func (r *refBreaker) inWindow(now time.Duration) []bool {
	rule := r.cfg.failureOver
	width := rule.window / time.Duration(rule.buckets)
	var in []bool
	for _, o := range r.timed {
		if int64(now/width)-o.bucket < int64(rule.buckets) {
			in = append(in, o.failed)
		}
	}
	return in
}

func lastN(outcomes []bool, n int) []bool { return outcomes[max(0, len(outcomes)-n):] }

func share(outcomes []bool) float64 {
	if len(outcomes) == 0 {
		return 0
	}
	bad := 0
	for _, b := range outcomes {
		if b {
			bad++
		}
	}
	return float64(bad) / float64(len(outcomes))
}

func meets(outcomes []bool, ratio float64, minCalls int) bool {
	return len(outcomes) >= minCalls && share(outcomes) >= ratio
}

func (r *refBreaker) snapshot(now time.Duration) Counts {
	r.tick(now)
	c := r.counts
	c.State = r.state
	if r.state != Closed && r.state != Disabled {
		return c
	}
	c.ConsecutiveFailures = uint64(r.run)
	switch {
	case r.cfg.failureRate != nil:
		c.WindowFailureRatio = share(r.failed)
	case r.cfg.failureOver != nil:
		c.WindowFailureRatio = share(r.inWindow(now))
	}
	c.WindowSlowRatio = share(r.slow)
	return c
}

func (r *refBreaker) halfOpenAt(now time.Duration) (time.Duration, bool) {
	r.tick(now)
	return r.until, r.state == Open
}

func (r *refBreaker) force(s State) {
	if r.state != s {
		r.change(s)
	}
}
