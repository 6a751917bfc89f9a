// Package breaker is a lock-free circuit breaker: it stops calls to a
// dependency that keeps failing, and lets a few probe calls through after a
// while to find out whether it has recovered.
//
// # Two steps
//
// A call asks first and reports after, which fits calls that run
// asynchronously:
//
//	t, err := b.Admit() // nil, ErrOpen, or ErrProbeLimit
//	if err != nil {
//		return err
//	}
//	start := time.Now()
//	err = call()
//	b.Report(t, outcome(err), time.Since(start))
//
// The [Ticket] remembers the generation it was admitted in. Every state
// change starts a new generation, and a report from an older one is ignored:
// a call that started before the breaker tripped, or before [Breaker.Reset],
// says nothing about the new period. Report [Ignored] for calls that say
// nothing about the dependency, such as the caller giving up; it does not
// count as a failure, but frees the probe slot if the call held one.
//
// # States
//
//   - [Closed]: every call is admitted. The trip rules watch the outcomes;
//     when any one of them is met the breaker opens. The rules are
//     [ConsecutiveFailures] (the default, with 5), [FailureRatio] over the last
//     N outcomes, [FailureRatioOver] a sliding window of time, and [SlowCalls],
//     the share of calls over a duration. Each closed period starts with
//     empty windows.
//   - [Open]: every call is rejected with [ErrOpen] for the open duration:
//     [OpenFor], or [OpenBackoff] growing with consecutive trips, optionally
//     spread by [OpenJitter] so that breakers that opened together do not
//     probe together.
//   - [HalfOpen]: once the open duration has passed, exactly [HalfOpenProbes]
//     calls are admitted at a time, never more, however many goroutines ask;
//     the rest get [ErrProbeLimit], which matches [ErrOpen]. [CloseAfter]
//     successful probes close the breaker; one failed probe opens it again.
//   - [ForcedOpen] and [Disabled]: manual control through [Breaker.ForceOpen]
//     and [Breaker.ForceClosed], until [Breaker.Reset].
//
// Breakers of one dependency in several processes can act as one:
// [Breaker.Trip] opens a breaker as its rules would when another process's
// breaker tripped, and [ProbeGate] lets a shared store cap the half-open
// probes of all of them together.
//
// The state follows the clock: [Breaker.State] reports half-open as soon as
// the open duration has passed, without waiting for a call to move it, and
// [Breaker.HalfOpenAt] says when that will be. The breaker reads time with
// time.Now, so under testing/synctest it follows the bubble's fake clock:
// make it inside the bubble.
//
// # Lock-free
//
// There is no mutex anywhere. The state, the generation, the run of
// consecutive failures and the half-open probe counts share one 64-bit word
// updated by compare-and-swap, so admitting a call to a closed breaker is a
// single atomic load and reporting a success adds one counter. Windows are
// rings of atomic slots and buckets stamped with their generation. The
// breaker starts no goroutines and reads the clock only when it must: when it
// trips, while it is open, and on every report when a [FailureRatioOver]
// window is set.
//
// # State changes
//
// [OnStateChange] callbacks learn of every state change exactly once and in
// order, and are called with nothing held: a callback may call any method of
// the breaker, Admit included, even one that changes the state again; that
// change is delivered after the callback returns. Delivery is combined: the
// goroutine that finds no delivery under way delivers every pending change,
// and the others go on at once.
package breaker
