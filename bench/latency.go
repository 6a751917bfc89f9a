package bench

import (
	"fmt"
	"time"
)

// LatencyDelay is the wait between the attempts of a call in the latency scenario: short
// beside the operations' own latency, so that the time goes to attempts that run.
const LatencyDelay = time.Millisecond

// LatencyRetries are the failures before success of the latency scenario's calls: none, and
// two, whose retries wait in the contender while the other calls' attempts run.
var LatencyRetries = []int{0, 2}

// Latency is scenario 6: n concurrent calls (10,000 in the report) whose every attempt takes
// latency, as a network call does (it waits on a timer and holds no CPU), and which fail k
// times, LatencyDelay apart, then succeed. All n calls can run at once: a contender that
// caps its running attempts below n pays for it in wall time here, which the fan-out
// scenario, with operations that return at once, cannot show. It reports ns/batch,
// peak-goroutines and peak-heap-B.
func Latency(rounds, n, k int, latency time.Duration) Scenario {
	name := fmt.Sprintf("latency/n=%d/op=%v/k=%d", n, latency, k)
	return batchScenarioOf(name, rounds, newSlowFlaky(n, k, latency), Policy{Attempts: k + 1, Delay: LatencyDelay},
		false, NsPerBatch, PeakGoroutines, PeakHeap)
}
