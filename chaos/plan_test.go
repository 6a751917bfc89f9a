package chaos

import (
	"math/rand/v2"

	"github.com/recur-go/recur/engine"
)

// kind is how a call's operation behaves.
type kind uint8

const (
	kindSucceed   kind = iota // succeeds at once
	kindFlaky                 // fails `fails` times, then succeeds
	kindFail                  // always fails, retryably
	kindPermanent             // fails with a Permanent error
	kindPanic                 // panics
	kindHang                  // blocks until its context ends
	kindIgnore                // ignores its context: sleeps, then succeeds
	kindHint                  // fails `fails` times with a Retry-After hint, then succeeds
	kindRejected              // succeeds, but a ClassifyResult rejects the first `fails` results
	kindGoexit                // fails `fails` times, then calls runtime.Goexit, in the operation or its classifier
	numKinds
)

var kindNames = [numKinds]string{"succeed", "flaky", "fail", "permanent", "panic", "hang", "ignore", "hint", "rejected", "goexit"}

func (k kind) String() string { return kindNames[k] }

// caller is what the code that makes the call does.
type caller uint8

const (
	callerWait         caller = iota // Submit, then wait for Done
	callerCancel                     // cancels its context `after` ticks after submitting
	callerFutureCancel               // calls Future.Cancel `after` ticks after submitting
	callerDeadline                   // its context has a deadline `after` ticks away
	callerDo                         // Do (or Wrap) with a deadline `after` ticks away
	callerTry                        // TrySubmit, which may find the queue full
	numCallers
)

var callerNames = [numCallers]string{"wait", "cancel", "future-cancel", "deadline", "do", "try"}

func (c caller) String() string { return callerNames[c] }

// hasDeadline reports whether the call's context has a deadline.
func (c caller) hasDeadline() bool { return c == callerDeadline || c == callerDo }

// cancels reports whether the caller ends the call itself.
func (c caller) cancels() bool { return c == callerCancel || c == callerFutureCancel }

// maxSleep bounds how long an operation that ignores its context sleeps, in ticks.
const maxSleep = 24

// spec is one call of a plan. Durations are in ticks (see env.tick), so that one plan runs in
// fake time and on the real clock alike.
type spec struct {
	key       keyClass
	health    health
	kind      kind
	caller    caller
	mode      engine.BreakerMode
	strategy  uint8 // index into env.strategies; 0 is the engine's default
	fails     uint8
	attempts  uint8 // 0: UnlimitedAttempts
	timeout   uint8 // per-attempt timeout; 0: none
	maxDelay  uint8
	hint      uint8
	after     uint8
	sleepSeed uint32 // gives kindIgnore its sleep for each attempt
}

// sleep is how long attempt n of an operation that ignores its context sleeps, in ticks.
// Attempts often sleep exactly as long as their timeout, so that the timeout and the return
// race.
func (s *spec) sleep(n int) int {
	x := s.sleepSeed * uint32(2654435761*n)
	if x%4 == 0 {
		return int(s.timeout)
	}
	return int(x>>8) % (maxSleep + 1)
}

// phase is the state of the dependencies during a round, and of each key's.
type phase uint8

const (
	phaseCalm      phase = iota // mostly successes: the breakers close again
	phaseMixed                  // every behaviour alike
	phaseOutage                 // mostly failures everywhere: the breakers trip, the budget runs dry
	phaseKeyOutage              // one key's dependency is down, every other one is healthy
	numPhases
	// phaseHealthy is a key's phase only, in a key outage: nothing its calls do counts as a
	// failure to its breaker, so that one opening can only come from another key.
	phaseHealthy = numPhases
)

var phaseNames = [numPhases + 1]string{"calm", "mixed", "outage", "key-outage", "healthy"}

func (p phase) String() string { return phaseNames[p] }

// kindWeights are the odds of each kind in each phase of a key, in kind order. A healthy key's
// calls never Goexit, as their first attempts would fail (kindGoexit is kindFlaky until it exits). A
// failures are all of kinds its breaker does not count: permanent ones (the dependency answered),
// panics (a bug of the caller's), and hints and rejected results with a breaker classifier that
// ignores them (see newSpec).
var kindWeights = [numPhases + 1][numKinds]int{
	phaseCalm:    {60, 12, 2, 3, 1, 2, 7, 8, 5, 1},
	phaseMixed:   {30, 12, 6, 6, 4, 8, 12, 12, 10, 3},
	phaseOutage:  {3, 10, 50, 2, 1, 15, 9, 8, 2, 1},
	phaseHealthy: {60, 0, 0, 8, 2, 0, 10, 12, 8, 0},
}

var callerWeights = [numCallers]int{40, 10, 10, 15, 15, 10}

func pick(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	panic("unreachable")
}

// newSpec draws one call: its key, then what it does in that key's phase. numStrategies is how
// many strategies the engine offers.
func newSpec(rng *rand.Rand, keys *[numClasses]phase, numStrategies int) spec {
	key := keyClass(pick(rng, classWeights[:]))
	p := keys[key]
	s := spec{
		key:       key,
		health:    health(pick(rng, []int{70, 30, 0})),
		kind:      kind(pick(rng, kindWeights[p][:])),
		caller:    caller(pick(rng, callerWeights[:])),
		mode:      engine.BreakerMode(pick(rng, []int{50, 30, 20})),
		strategy:  uint8(rng.IntN(numStrategies)),
		fails:     uint8(rng.IntN(5)),
		attempts:  uint8(1 + pick(rng, []int{10, 15, 35, 30, 10})),
		maxDelay:  uint8(1 + rng.IntN(50)),
		hint:      uint8(rng.IntN(21)),
		after:     uint8(rng.IntN(31)),
		sleepSeed: rng.Uint32() | 1,
	}
	if rng.IntN(3) > 0 {
		s.timeout = uint8(2 + rng.IntN(19))
	}
	switch {
	case s.kind == kindHang && s.timeout == 0 && !s.caller.hasDeadline() && !s.caller.cancels():
		s.timeout = uint8(2 + rng.IntN(19)) // something must end it
	case s.caller.hasDeadline() && rng.IntN(8) == 0:
		// Unlimited: the deadline ends it, once time passes. Retrying without delay forever
		// is a busy loop by request, one in which fake time would never pass.
		s.attempts = 0
		s.strategy = min(s.strategy, strategyImmediate-1)
	}
	if s.kind == kindRejected && rng.IntN(2) == 0 {
		s.health = healthOfResult
	}
	if p == phaseHealthy {
		// An attempt timeout is a failure, and on the real clock any attempt may time out.
		s.timeout = 0
		switch s.kind {
		case kindHint:
			s.health = healthOfError
		case kindRejected:
			s.health = healthOfResult
		}
	}
	return s
}

// fallsBack reports whether the call has a Fallback, which turns its failure, or Do's refusal,
// into a result that says so (see fallbackValue); one call in four has one.
func (s *spec) fallsBack() bool { return s.sleepSeed&0x18 == 0x18 }

// hedged reports whether the call is hedged: one in four that may make more than one attempt
// (see hedgeOption).
func (s *spec) hedged() bool { return s.sleepSeed&0x60 == 0x60 && s.attempts != 1 }

// goexitInClassifier reports whether a kindGoexit call exits in its ClassifyResult, on a
// result its operation returned, rather than in the operation.
func (s *spec) goexitInClassifier() bool { return s.sleepSeed&2 != 0 }

// value is what attempt n of call id returns on success: it says which attempt succeeded.
func value(id uint64, n int) uint64 { return id<<8 | uint64(n) }

// lateTimeouts reports whether any attempt of the call may time out. In fake time only the
// operations that block or sleep do; on the real clock every attempt with a timeout may, as
// timeouts are a fraction of a millisecond and a busy machine may wake an operation late (a
// panic's stack trace alone can take that long).
func (s *spec) lateTimeouts(fake bool) bool { return !fake && s.timeout > 0 }

// looseCount reports whether the call may make more attempts than its plan says: on the real
// clock, when one may time out, or when it is hedged and a hedge may start beside an attempt
// the machine runs late (in fake time attempts that do not sleep return before any hedge is
// due). A later attempt may then be the one that succeeds or fails for good.
func (s *spec) looseCount(fake bool) bool { return s.lateTimeouts(fake) || !fake && s.hedged() }

// successAllowed reports whether attempt n of a call may be the one that succeeds. Whatever
// the clock, judge also checks that the value delivered is attempt n's: an abandoned attempt's
// result is never delivered.
func (s *spec) successAllowed(n int, fake bool) bool {
	if s.looseCount(fake) {
		switch s.kind {
		case kindSucceed, kindIgnore:
			return true
		case kindFlaky, kindHint, kindRejected:
			return n >= int(s.fails)+1
		}
		return false
	}
	switch s.kind {
	case kindSucceed:
		return n == 1
	case kindFlaky, kindHint, kindRejected:
		return n == int(s.fails)+1
	case kindIgnore:
		if s.hedged() {
			// Any attempt that returned in time may win: a later one started beside a slow one
			// may answer first. A late result still never may.
			return s.timeout == 0 || s.sleep(n) <= int(s.timeout)
		}
		if s.timeout == 0 {
			return n == 1
		}
		// Earlier attempts were abandoned at their timeout, and this one returned in time:
		// a late result must never be delivered.
		for k := 1; k < n; k++ {
			if s.sleep(k) < int(s.timeout) {
				return false
			}
		}
		return s.sleep(n) <= int(s.timeout)
	}
	return false
}

// canFailRetryably reports whether some attempt of the call may fail and be retried.
func (s *spec) canFailRetryably(fake bool) bool {
	if s.lateTimeouts(fake) {
		return true
	}
	switch s.kind {
	case kindFlaky, kindHint, kindRejected, kindGoexit:
		return s.fails > 0
	case kindFail, kindHang:
		return true
	case kindIgnore:
		return s.timeout > 0
	}
	return false
}
