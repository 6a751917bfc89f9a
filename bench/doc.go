// Package bench measures recur side by side with its peers: failsafe-go (its async API),
// cenkalti/backoff v5, avast/retry-go v4 and sony/gobreaker v2, a naive baseline (one goroutine
// per call that sleeps between attempts) and, for the scheduler, one time.AfterFunc per item.
//
// # One harness for every contender
//
// Retry contenders sit behind [Retrier]: start a batch of calls, wait for all of them, close.
// Every contender gets the same [Policy] (attempts and one constant delay, no jitter), built
// the way its documentation recommends, once per batch; the calls themselves are the same
// flaky operations, which fail a set number of times and then succeed, and the harness checks
// after every batch that each contender ran exactly the attempts the policy asks for.
// Breakers sit behind [Breaker] (admit, then report), schedulers behind [Deliverer].
//
// # Scenarios
//
// [Scenarios] lists them, each named by a key=value path:
//
//   - fanout/k=K/delay=D: 10,000 concurrent calls that fail K times, D apart, then succeed,
//     under context.Background(): ns/batch, allocs/call, peak-goroutines, peak-heap-B. With
//     /ctx=cancelable, the same under a context that can be canceled (and is not), as a
//     server's request context can: ns/batch and allocs/call.
//   - scaling/n=N: N concurrent calls that fail once and succeed after a 100 ms retry:
//     ns/batch and peak-heap-B.
//   - waiting/n=100000: 100,000 retries waiting at once for an hour: B/waiting, the live heap
//     and goroutine stacks each of them holds after a GC. The calls run under a cancelable
//     context, since canceling it is the only way to stop some peers.
//   - breaker/mode=serial|parallel: admit and report a success on a closed breaker, from one
//     goroutine or from GOMAXPROCS of them: ns/op.
//   - scheduler/pending=P: items due at once go from Schedule to delivery while P others wait
//     far in the future: ops/s.
//
// [Run] measures every scenario in rounds, contenders interleaved within each round, and
// [Summarize] takes the median of each metric and its ratio to recur's. The command
// cmd/compare prints the result as Markdown or JSON lines and draws charts; the Benchmark
// functions in this package's tests measure the same scenarios for benchstat.
package bench
