// Package chaos holds recur's reliability tests; it has no code of its own, only tests.
//
// TestChaos drives at least a million calls (with -chaos.calls=1000000, as `make chaos`
// does; about 20 seconds' worth in `make test`) through one engine inside a testing/synctest
// bubble. The operations succeed, fail, fail permanently, panic, hang, ignore their context,
// return Retry-After hints, have their results rejected by a classifier, or call
// runtime.Goexit (in the operation or in its classifier, as require does); callers wait,
// cancel their context, cancel the Future, set deadlines, use Do, Wrap and TrySubmit. Calls go
// to a few long-lived keys, to the key "" and now and then to a key of their own, so that the
// engine keeps making keys and must forget idle ones; some bring a breaker classifier of their
// own. Each key has its breaker and its bulkhead; the pool has a cap below what the bulkheads add
// up to and workers that idle for a few ticks, so that it grows and shrinks within a round, the
// work queue fills and Submit and the retry dispatcher block. Rounds take every dependency down,
// so that the breakers trip and recover and the retry budget runs dry, or one key's alone while
// the others stay healthy; Close arrives mid-flight, both on short-lived engines every few rounds
// (with random caps, bulkheads down to one slot per key, fixed or adaptive, or none) and on the
// main engine at the end. A short-lived engine is closed in turn from its OnSettled hook with a
// short context, by two Close calls at once, and by the test. After every round the test checks,
// call by call and in total:
//
//   - every accepted call settled exactly once (counted through the OnSettled hook), and its
//     Future agrees with the hook on success, reason and attempts (and the hook on its key); a
//     call refused (a full bulkhead or queue, an open breaker) never ran nor settled;
//   - a success came from an attempt that was allowed to succeed, never from a late result of
//     an abandoned attempt, and a failure has a reason the call's behaviour allows; only a call
//     planned to call runtime.Goexit fails with a *engine.PanicError of engine.ErrGoexit, on the
//     attempt planned and not retried (when Do ran that attempt on its caller's goroutine, the
//     goroutine ends there, Do never returns, and the hook's error is checked instead);
//   - a call with a Fallback (one in four) that fails for a reason the Fallback covers gets its
//     value and no error, while its hook still sees the failure (FellBack set) and the Future's
//     Replaced returns it; a Do refused by an open breaker or a full bulkhead gets it too; no
//     other call falls back;
//   - a hedged call (one in four of those that may make more than one attempt: a hedge after
//     one to four ticks or, for half of them, at the 0.9-quantile of their key's latencies, up
//     to three at once) succeeds with the result of the attempt its
//     OnSettled hook names as the winner, and in fake time with one that was allowed to win;
//   - on a short-lived engine with a rate limit (one in three), of any burst+1 attempts of a key
//     the first and the last started at least an interval apart, in fake time where neither a
//     bulkhead nor a capped pool holds an attempt after it took its token; a call refused for
//     want of a token in time is refused so only by such an engine, and Stats.RateLimited counts it;
//   - no key ever had more operations running at once than its bulkhead allows, counted by the
//     operations themselves, abandoned ones included;
//   - keyed isolation: while one key is down, a healthy key's breaker counts no failure and never
//     opens, and if it was closed it refuses none of its calls (and in every run the down
//     key's breaker opens);
//   - Stats accounts for every call: Submitted == Succeeded + Failed() per reason, Rejected
//     counts the refusals, Pending, Running, Waiting, Queued and SlotWaiting back to 0 (and
//     each key quiet), Attempts equal to the operations started and to the OnAttemptStart
//     events, Retries equal to the OnRetry events, Keys bounded however many keys were made;
//   - every Stats snapshot taken during a round (a tick apart by a goroutine of its own, and
//     by OnSettled now and then) has Submitted == Succeeded + Failed() + Pending, Pending not
//     wrapped below zero, and settled counts that never go down;
//   - Close returns, whoever calls it: from a hook it returns its context's error when that
//     ends (and the engine finishes closing by itself), of two at once one returns nil, and a
//     later Close joins the finished one with nil;
//   - after idling for the workers' idle timeout the pool is back to its floor (in fake time
//     at that very instant);
//   - the goroutine count returns to where it started and the heap returns to its baseline
//     after a garbage collection, within a stated slack (and the keys held).
//
// TestChaosRealTime runs the same rounds on the real clock for a bounded time, for the races
// between timers and operations that fake time does not produce. TestRetryStorm reproduces the
// retry amplification of three layers of retries (27x) and shows a 10% budget per layer
// holding it near 1.1x a layer.
//
// A failing run prints its seed; -chaos.seed=N replays the same plan.
package chaos
