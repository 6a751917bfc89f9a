package fleet

import (
	"errors"
	"fmt"
	"time"

	"github.com/recur-go/recur/engine"
)

// Options configure one process's membership of a fleet. Every replica of a service gives the
// same Namespace and the same budget and probe settings.
type Options struct {
	// Namespace prefixes every Redis key and names the pub/sub channel: the replicas of one
	// service share it, other services use their own. Required.
	Namespace string

	// Ratio, MinPerSecond and Capacity are the fleet's retry budget, as engine.NewBudget's: the
	// fleet's retries stay within Ratio of the fleet's calls, plus MinPerSecond each second, plus
	// Capacity once. Capacity 0 means no fleet budget (Fleet.Budget returns nil).
	Ratio        float64
	MinPerSecond float64
	Capacity     int

	// MaxLease is the most tokens one lease hands a process (default 8). Leases start at one
	// token and grow while the process spends them quickly, so a process with a larger share of
	// the failing traffic holds more; a small cap keeps few tokens idle in quiet processes.
	MaxLease int

	// Probes is how many half-open probes the whole fleet sends per key (default 1). Give the
	// breakers HalfOpenProbes of at least this, so that the local limit is not the lower one.
	Probes int
	// ProbeLease is how long a fleet probe slot stays taken if its probe never reports, because
	// its process died (default 10s).
	ProbeLease time.Duration

	// Timeout bounds every Redis operation: no call waits on Redis longer (default 50ms). A
	// failed or timed-out operation puts the process in local mode until Redis answers again.
	Timeout time.Duration
	// Poll is how often a process reads the fleet's breaker states, in case a message was lost
	// (default 1s); while Redis is failing it is how often the process tries to rejoin, at most
	// 250ms.
	Poll time.Duration
}

const (
	defaultMaxLease   = 8
	defaultProbeLease = 10 * time.Second
	defaultTimeout    = 50 * time.Millisecond
	defaultPoll       = time.Second
	maxRejoin         = 250 * time.Millisecond
)

// check fills in the defaults and validates the rest, naming each bad field and value.
func (o *Options) check() error {
	var errs []error
	if o.Namespace == "" {
		errs = append(errs, errors.New("fleet: Options.Namespace is empty"))
	}
	if o.Capacity != 0 {
		if _, err := engine.NewBudget(o.Ratio, o.MinPerSecond, o.Capacity); err != nil {
			errs = append(errs, fmt.Errorf("fleet: Options budget: %w", err))
		}
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{{"MaxLease", &o.MaxLease, defaultMaxLease}, {"Probes", &o.Probes, 1}} {
		if *f.v == 0 {
			*f.v = f.def
		} else if *f.v < 0 {
			errs = append(errs, fmt.Errorf("fleet: Options.%s %d is negative", f.name, *f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"ProbeLease", &o.ProbeLease, defaultProbeLease}, {"Timeout", &o.Timeout, defaultTimeout}, {"Poll", &o.Poll, defaultPoll}} {
		if *f.v == 0 {
			*f.v = f.def
		} else if *f.v < 0 {
			errs = append(errs, fmt.Errorf("fleet: Options.%s %v is negative", f.name, *f.v))
		}
	}
	return errors.Join(errs...)
}

// rejoin is how often a process in local mode asks Redis whether it is back.
func (o *Options) rejoin() time.Duration { return min(o.Poll, maxRejoin) }
