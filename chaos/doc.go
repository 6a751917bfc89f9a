// Package chaos holds recur's reliability tests; it has no code of its own, only tests.
//
// TestChaos drives at least a million calls (with -chaos.calls=1000000, as `make chaos`
// does; about 20 seconds' worth in `make test`) through one engine inside a testing/synctest
// bubble. The operations succeed, fail, fail permanently, panic, hang, ignore their context,
// return Retry-After hints or have their results rejected by a classifier; callers wait,
// cancel their context, cancel the Future, set deadlines, use Do, Wrap and TrySubmit. Rounds
// take the dependency down so that the breaker trips and recovers and the retry budget runs
// dry, and Close arrives mid-flight, both on short-lived engines every few rounds and on the
// main engine at the end. After every round the test checks, call by call and in total:
//
//   - every accepted call settled exactly once (counted through the OnSettled hook), and its
//     Future agrees with the hook on success, reason and attempts;
//   - a success came from an attempt that was allowed to succeed, never from a late result of
//     an abandoned attempt, and a failure has a reason the call's behaviour allows;
//   - Stats accounts for every call: Submitted == Succeeded + Failed() per reason, Pending,
//     Running, Waiting and Queued back to 0, Attempts equal to the operations started and to
//     the OnAttemptStart events, Retries equal to the OnRetry events;
//   - the goroutine count returns to where it started and the heap returns to its baseline
//     after a garbage collection, within a stated slack.
//
// TestChaosRealTime runs the same rounds on the real clock for a bounded time, for the races
// between timers and operations that fake time does not produce. TestRetryStorm reproduces the
// retry amplification of three layers of retries (27x) and shows a 10% budget per layer
// holding it near 1.1x a layer.
//
// A failing run prints its seed; -chaos.seed=N replays the same plan.
package chaos
