package breaker

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Option configures a [Breaker] in [New]. An option given twice replaces the
// earlier one, except [OnStateChange], which adds a callback each time.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// Limits on the settings, so that every count fits the breaker's packed state
// and windows.
const (
	maxWindow      = 1 << 18 // calls in a count-based window
	maxBuckets     = 4096    // buckets in a time-based window
	minBucketWidth = time.Millisecond
)

type countRule struct {
	ratio    float64
	window   int
	minCalls int
}

type timeRule struct {
	ratio    float64
	window   time.Duration
	buckets  int
	minCalls int
}

type config struct {
	consecutive uint32 // 0: the rule is off
	failureRate *countRule
	failureOver *timeRule
	slowRate    *countRule
	slowAfter   time.Duration

	openFor     time.Duration
	openBackoff func(trips int) time.Duration
	jitter      float64
	random      func() float64 // in [0, 1); a seam for tests

	probes     uint32
	closeAfter uint32 // 0: same as probes
	onChange   []func(from, to State)
	probeGate  func() bool // nil: every free slot is a probe
}

func defaultConfig() config {
	return config{openFor: 60 * time.Second, probes: 1, random: rand.Float64}
}

func (c *config) hasTripRule() bool {
	return c.consecutive > 0 || c.failureRate != nil || c.failureOver != nil || c.slowRate != nil
}

// ConsecutiveFailures trips the breaker after n failures in a row while it is
// closed; any success resets the run. It is the default rule, with n = 5, when
// no trip rule is given. n must be in [1, 32767].
func ConsecutiveFailures(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 || n > maxCount {
			return fmt.Errorf("breaker: ConsecutiveFailures n %d outside [1, %d]", n, maxCount)
		}
		c.consecutive = uint32(n)
		return nil
	})
}

// FailureRatio trips the breaker when, among the last window outcomes
// reported while closed, the share of failures reaches ratio, once at least
// minCalls outcomes are in the window. ratio must be in (0, 1], window in
// [1, 262144] and minCalls in [1, window].
func FailureRatio(ratio float64, window, minCalls int) Option {
	return optionFunc(func(c *config) error {
		rule, err := newCountRule("FailureRatio", ratio, window, minCalls)
		c.failureRate = rule
		return err
	})
}

// FailureRatioOver trips the breaker when, among the outcomes reported while
// closed during the last window of time, the share of failures reaches ratio,
// once at least minCalls outcomes are in the window. The window slides in
// steps of window/buckets: it is made of buckets buckets, the oldest of which
// is dropped as a new one starts. ratio must be in (0, 1], buckets in
// [1, 4096], window a multiple of buckets with each bucket at least 1ms long,
// and minCalls at least 1.
func FailureRatioOver(ratio float64, window time.Duration, buckets, minCalls int) Option {
	return optionFunc(func(c *config) error {
		if err := checkRatio("FailureRatioOver", ratio); err != nil {
			return err
		}
		if buckets < 1 || buckets > maxBuckets {
			return fmt.Errorf("breaker: FailureRatioOver buckets %d outside [1, %d]", buckets, maxBuckets)
		}
		if window <= 0 || window%time.Duration(buckets) != 0 || window/time.Duration(buckets) < minBucketWidth {
			return fmt.Errorf("breaker: FailureRatioOver window %v is not a positive multiple of buckets %d with buckets of at least %v",
				window, buckets, minBucketWidth)
		}
		if minCalls < 1 {
			return fmt.Errorf("breaker: FailureRatioOver minCalls %d is less than 1", minCalls)
		}
		c.failureOver = &timeRule{ratio: ratio, window: window, buckets: buckets, minCalls: minCalls}
		return nil
	})
}

// SlowCalls trips the breaker when, among the last window calls reported
// while closed, the share that took threshold or longer (successful or not,
// as the elapsed time given to [Breaker.Report] says) reaches ratio, once at
// least minCalls calls are in the window. In half-open, a slow probe counts as
// a failed one. threshold must be positive, ratio in (0, 1], window in
// [1, 262144] and minCalls in [1, window].
func SlowCalls(threshold time.Duration, ratio float64, window, minCalls int) Option {
	return optionFunc(func(c *config) error {
		if threshold <= 0 {
			return fmt.Errorf("breaker: SlowCalls threshold %v is not positive", threshold)
		}
		rule, err := newCountRule("SlowCalls", ratio, window, minCalls)
		c.slowRate, c.slowAfter = rule, threshold
		return err
	})
}

// OpenFor sets how long the breaker stays open after tripping before it lets
// probes through (default 60s). d must be positive. [OpenBackoff], if given,
// takes its place.
func OpenFor(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("breaker: OpenFor duration %v is not positive", d)
		}
		c.openFor = d
		return nil
	})
}

// OpenBackoff makes the open duration grow with consecutive trips: after the
// n-th trip since the breaker last closed, it stays open for f(n) (n counts
// from 1). A backoff.Strategy s can drive it, with no previous delay to pass:
//
//	breaker.OpenBackoff(func(n int) time.Duration { return s.Delay(n, 0) })
//
// f must be safe for concurrent use and quick; it may be called more than
// once per trip, and a negative result counts as zero. It replaces [OpenFor].
func OpenBackoff(f func(trips int) time.Duration) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return fmt.Errorf("breaker: OpenBackoff function is nil")
		}
		c.openBackoff = f
		return nil
	})
}

// OpenJitter spreads each open duration uniformly over d*(1-frac) to
// d*(1+frac), so that breakers that opened together do not probe together.
// frac must be in [0, 1); 0 (the default) means no jitter.
func OpenJitter(frac float64) Option {
	return optionFunc(func(c *config) error {
		if !(frac >= 0 && frac < 1) {
			return fmt.Errorf("breaker: OpenJitter frac %v outside [0, 1)", frac)
		}
		c.jitter = frac
		return nil
	})
}

// HalfOpenProbes sets how many calls a half-open breaker lets through at a
// time (default 1). Exactly that many are admitted while none has reported;
// each report frees its slot for another probe. n must be in [1, 32767].
func HalfOpenProbes(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 || n > maxCount {
			return fmt.Errorf("breaker: HalfOpenProbes n %d outside [1, %d]", n, maxCount)
		}
		c.probes = uint32(n)
		return nil
	})
}

// CloseAfter sets how many successful probes close a half-open breaker
// (default: the HalfOpenProbes value). One failed probe opens it again.
// successes must be in [1, 32767].
func CloseAfter(successes int) Option {
	return optionFunc(func(c *config) error {
		if successes < 1 || successes > maxCount {
			return fmt.Errorf("breaker: CloseAfter successes %d outside [1, %d]", successes, maxCount)
		}
		c.closeAfter = uint32(successes)
		return nil
	})
}

// OnStateChange adds a callback that is told of every state change, exactly
// once each and in the order they happened. It may be given several times;
// every callback sees every change, in the order the callbacks were given.
// Callbacks run one at a time, on whichever goroutine is calling into the
// breaker when the change is delivered, with nothing held: a callback may call
// any method of the breaker. A change the callback itself causes is delivered
// after it returns. A call that makes a change while another goroutine is
// delivering may return before its change is delivered: that goroutine
// delivers it next. Callbacks should be quick, since other changes wait for
// them; a callback that panics propagates to the breaker method that ran it,
// and the change it was given is not delivered again.
func OnStateChange(f func(from, to State)) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return fmt.Errorf("breaker: OnStateChange callback is nil")
		}
		c.onChange = append(c.onChange, f)
		return nil
	})
}

// ProbeGate adds a check that a half-open breaker makes before it admits a
// probe, once it has a free slot for it: if gate returns false, the slot is
// given back and Admit returns [ErrProbeLimit]. It lets breakers in several
// processes share one limit of probes (a slot handed out by a shared store),
// so that a dependency coming back sees HalfOpenProbes probes in all, not in
// each process. Only half-open admissions call gate, never closed ones, so it
// costs nothing on the hot path; it runs with nothing held, but Admit waits
// for it, so a gate that asks over the network should bound its wait. Given
// twice, the later gate replaces the earlier one.
func ProbeGate(gate func() bool) Option {
	return optionFunc(func(c *config) error {
		if gate == nil {
			return fmt.Errorf("breaker: ProbeGate gate is nil")
		}
		c.probeGate = gate
		return nil
	})
}

func checkRatio(option string, ratio float64) error {
	if !(ratio > 0 && ratio <= 1) {
		return fmt.Errorf("breaker: %s ratio %v outside (0, 1]", option, ratio)
	}
	return nil
}

func newCountRule(option string, ratio float64, window, minCalls int) (*countRule, error) {
	if err := checkRatio(option, ratio); err != nil {
		return nil, err
	}
	if window < 1 || window > maxWindow {
		return nil, fmt.Errorf("breaker: %s window %d outside [1, %d]", option, window, maxWindow)
	}
	if minCalls < 1 || minCalls > window {
		return nil, fmt.Errorf("breaker: %s minCalls %d outside [1, window %d]", option, minCalls, window)
	}
	return &countRule{ratio: ratio, window: window, minCalls: minCalls}, nil
}
