package chaos

import (
	"sync"
	"time"

	"github.com/recur-go/recur/engine"
)

// A short-lived engine may give every key a token bucket (engine.WithRateLimit). Its operations
// check the bucket's schedule from their side: of any burst+1 attempts of one key, the first and
// the last started at least one interval apart.

// drawRate gives one short-lived engine in three a rate limit of 2 to 8 attempts a tick per key
// with a burst of 1 to 16, drawn from what was drawn, so that a seed's plan is otherwise the
// same as before rate limits. Half of those have neither a bulkhead nor a cap, so that their
// operations can check the bucket's schedule (see checksRate).
func drawRate(l *limits) {
	if l.keyIdle%3 != 0 {
		return
	}
	l.ratePerTick, l.burst = 2+l.idle%7, 1+l.queue%16
	if l.keyIdle%2 == 0 {
		l.bulkhead, l.bulkQueue, l.adaptive, l.maxConcurrency = 0, 0, false, 0
	}
}

// rateOption is the engine option of l's rate limit, if it has one.
func (l limits) rateOption(tick time.Duration) []engine.Option {
	if l.ratePerTick == 0 {
		return nil
	}
	return []engine.Option{engine.WithRateLimit(float64(l.ratePerTick)/tick.Seconds(), l.burst)}
}

// starts keeps each long-lived key's latest attempt starts, to check its bucket's schedule.
type starts struct {
	mu   sync.Mutex
	last [numClasses][]time.Time // the last burst+1, oldest first
}

// checksRate reports whether the operations can check the schedule: in fake time, where an
// attempt given its token starts at that instant, unless a bulkhead slot or a capped pool makes
// it wait after taking it.
func (v *env) checksRate() bool {
	l := v.limits
	return v.fake && l.ratePerTick > 0 && l.bulkhead == 0 && l.maxConcurrency == 0
}

// started notes an attempt of key class c starting now, and checks it against the bucket.
func (v *env) started(c keyClass) {
	if c == keyFresh || !v.checksRate() {
		return
	}
	now := time.Now()
	// A token every 1/rate, which the engine rounds down to the nanosecond.
	interval := time.Duration(float64(time.Second) / (float64(v.limits.ratePerTick) / v.tick.Seconds()))
	s := &v.starts
	s.mu.Lock()
	defer s.mu.Unlock()
	last := append(s.last[c], now)
	if len(last) > v.limits.burst+1 {
		last = last[1:]
	}
	s.last[c] = last
	if len(last) == v.limits.burst+1 && now.Sub(last[0]) < interval {
		v.problems.add("key class %q: %d attempts started within %v, the bucket (burst %d) allows %d",
			c, len(last), now.Sub(last[0]), v.limits.burst, v.limits.burst)
	}
}
