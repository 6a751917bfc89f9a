package bench

import (
	"runtime"
	"time"
)

// Sizes fixes how big and how repeated each scenario is.
type Sizes struct {
	FanOutCalls    int // calls per fan-out batch
	FanOutRounds   int // rounds of each fan-out scenario
	Calls          int // calls made one after another in the per-call scenario
	CallRounds     int
	LatencyCalls   int             // calls per latency batch
	LatencyOps     []time.Duration // how long each attempt of the latency scenario takes
	LatencyRounds  int
	HOLSlowCalls   int           // slow calls submitted at once in the head-of-line scenario
	HOLFastCalls   int           // fast calls sent while they run
	HOLSlowOp      time.Duration // how long a slow call takes
	HOLRounds      int
	ScalingCalls   []int // batch sizes of the scaling scenario
	ScalingRounds  int   // rounds of each scaling size up to 100,000 calls
	LargeRounds    int   // rounds of each larger scaling size
	WaitingCalls   int   // retries waiting at once
	WaitingRounds  int
	BreakerOps     int // admit-report cycles per measurement
	BreakerRounds  int
	Pending        []int // far-future items the scheduler holds while it delivers
	DeliveryItems  int   // items delivered per measurement
	DeliveryRounds int
	ThrottleCalls  int     // concurrent calls against the rate-limited server
	ThrottleRate   float64 // its limit, requests per second
	ThrottleRounds int
	HedgeCalls     int // concurrent calls against the server with a long latency tail
	HedgeRounds    int
	LimitedCalls   int // calls at once through the rate limit (RateLimitRate, RateLimitBurst)
	LimitedRounds  int
}

// FullSizes are the sizes the README's table comes from.
var FullSizes = Sizes{
	FanOutCalls:    10_000,
	FanOutRounds:   20,
	Calls:          100_000,
	CallRounds:     10,
	LatencyCalls:   10_000,
	LatencyOps:     []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond},
	LatencyRounds:  10,
	HOLSlowCalls:   2_000,
	HOLFastCalls:   500,
	HOLSlowOp:      500 * time.Millisecond,
	HOLRounds:      10,
	ScalingCalls:   []int{1_000, 10_000, 100_000, 1_000_000},
	ScalingRounds:  10,
	LargeRounds:    5,
	WaitingCalls:   100_000,
	WaitingRounds:  7,
	BreakerOps:     1 << 21,
	BreakerRounds:  10,
	Pending:        []int{0, 100_000},
	DeliveryItems:  500_000,
	DeliveryRounds: 10,
	ThrottleCalls:  3_000,
	ThrottleRate:   200,
	ThrottleRounds: 3,
	HedgeCalls:     3_000,
	HedgeRounds:    5,
	LimitedCalls:   2_000,
	LimitedRounds:  5,
}

// QuickSizes run every scenario with fewer sizes and rounds, in under three minutes on a
// two-core machine. The latency family keeps its 10,000 calls, which it is about: a few seconds
// a round when every contender runs all of them at once, about a minute for one that runs
// 64 attempts at a time.
var QuickSizes = Sizes{
	FanOutCalls:    10_000,
	FanOutRounds:   5,
	Calls:          50_000,
	CallRounds:     3,
	LatencyCalls:   10_000,
	LatencyOps:     []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond},
	LatencyRounds:  3,
	HOLSlowCalls:   2_000,
	HOLFastCalls:   500,
	HOLSlowOp:      500 * time.Millisecond,
	HOLRounds:      5,
	ScalingCalls:   []int{10_000, 1_000_000},
	ScalingRounds:  3,
	LargeRounds:    2,
	WaitingCalls:   100_000,
	WaitingRounds:  3,
	BreakerOps:     1 << 19,
	BreakerRounds:  3,
	Pending:        []int{100_000},
	DeliveryItems:  200_000,
	DeliveryRounds: 3,
	ThrottleCalls:  3_000,
	ThrottleRate:   200,
	ThrottleRounds: 1,
	HedgeCalls:     3_000,
	HedgeRounds:    3,
	LimitedCalls:   2_000,
	LimitedRounds:  3,
}

// TinySizes run every scenario once, small, to check that the harness works.
var TinySizes = Sizes{
	FanOutCalls:    200,
	FanOutRounds:   1,
	Calls:          200,
	CallRounds:     1,
	LatencyCalls:   200,
	LatencyOps:     []time.Duration{time.Millisecond},
	LatencyRounds:  1,
	HOLSlowCalls:   200,
	HOLFastCalls:   25,
	HOLSlowOp:      100 * time.Millisecond,
	HOLRounds:      1,
	ScalingCalls:   []int{500},
	ScalingRounds:  1,
	LargeRounds:    1,
	WaitingCalls:   300,
	WaitingRounds:  1,
	BreakerOps:     2_000,
	BreakerRounds:  1,
	Pending:        []int{100},
	DeliveryItems:  3_000,
	DeliveryRounds: 1,
	ThrottleCalls:  100,
	ThrottleRate:   200,
	ThrottleRounds: 1,
	HedgeCalls:     200,
	HedgeRounds:    1,
	LimitedCalls:   100,
	LimitedRounds:  1,
}

// Scenarios returns every scenario at the given sizes, in the order of the report.
func Scenarios(z Sizes) []Scenario {
	ss := []Scenario{Call(z.CallRounds, z.Calls)}
	for _, fanOut := range []func(rounds, n, k int, delay time.Duration) Scenario{FanOut, FanOutCancelable} {
		for _, k := range []int{0, 2} {
			for _, delay := range []time.Duration{0, time.Millisecond} {
				ss = append(ss, fanOut(z.FanOutRounds, z.FanOutCalls, k, delay))
			}
		}
	}
	for _, latency := range z.LatencyOps {
		for _, k := range LatencyRetries {
			ss = append(ss, Latency(z.LatencyRounds, z.LatencyCalls, k, latency))
		}
	}
	ss = append(ss, BatchAPI(z.FanOutRounds, z.LatencyRounds, z.LatencyCalls)...)
	ss = append(ss, HeadOfLine(z.HOLRounds, z.HOLSlowCalls, z.HOLFastCalls, z.HOLSlowOp))
	for _, n := range z.ScalingCalls {
		rounds := z.ScalingRounds
		if n > 100_000 {
			rounds = z.LargeRounds
		}
		ss = append(ss, Scaling(rounds, n))
	}
	ss = append(ss, Waiting(z.WaitingRounds, z.WaitingCalls))
	procs := runtime.GOMAXPROCS(0)
	ss = append(ss, BreakerScenario(z.BreakerRounds, z.BreakerOps, false, procs),
		BreakerScenario(z.BreakerRounds, z.BreakerOps, true, procs))
	for _, p := range z.Pending {
		ss = append(ss, SchedulerScenario(z.DeliveryRounds, p, z.DeliveryItems))
	}
	ss = append(ss, Throttle(z.ThrottleRounds, z.ThrottleCalls, ThrottleAttempts, z.ThrottleRate, ThrottleBurst))
	ss = append(ss, Hedging(z.HedgeRounds, z.HedgeCalls))
	ss = append(ss, RateLimit(z.LimitedRounds, z.LimitedCalls, RateLimitRate, RateLimitBurst, RateLimitOp))
	return ss
}
