package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// The latency of the hedge scenario's server: most answers come within bodyLo to bodyHi, and
// tailShare of them, a replica pausing for a collection, a cache miss, a retransmitted packet,
// within tailLo to tailHi. Its p50 is 5 ms and its p99 52 ms, ten times more; 95% of the
// answers come by bodyHi (about its p95), so a hedge after HedgeDelay starts for the slow
// answers and almost never for the others.
const (
	bodyLo, bodyHi = 4 * time.Millisecond, 6 * time.Millisecond
	tailLo, tailHi = 20 * time.Millisecond, 60 * time.Millisecond
	tailShare      = 0.05
)

// tailSeed seeds the draws, so that every run and every contender meets the same latencies.
const tailSeed = 14

// tailServer stands for a server with a long latency tail: the k-th request of call i (k from
// 0) takes lat[i][k], drawn once from the distribution above, and waits it on a timer, as a
// network call waits on the network, until its context ends. Every contender meets the same
// latencies in the same order, so the hedged calls differ only in how they hedge. It counts the
// requests of each call: the load the server gets, losers included, since it began them.
type tailServer struct {
	lat   [][]time.Duration
	tries []atomic.Int32
}

// newTailServer draws the latencies of calls calls of up to attempts requests each.
func newTailServer(calls, attempts int) *tailServer {
	rng := rand.New(rand.NewPCG(tailSeed, tailSeed))
	between := func(lo, hi time.Duration) time.Duration {
		return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
	}
	s := &tailServer{lat: make([][]time.Duration, calls), tries: make([]atomic.Int32, calls)}
	for i := range s.lat {
		s.lat[i] = make([]time.Duration, attempts)
		for k := range s.lat[i] {
			if rng.Float64() < tailShare {
				s.lat[i][k] = between(tailLo, tailHi)
			} else {
				s.lat[i][k] = between(bodyLo, bodyHi)
			}
		}
	}
	return s
}

// errTooManyRequests: a contender sent a call more requests than it may hedge.
var errTooManyRequests = fmt.Errorf("bench: more requests than a call may send")

// serve answers call i's next request after its latency, or fails when ctx ends first.
func (s *tailServer) serve(ctx context.Context, i int) error {
	k := int(s.tries[i].Add(1)) - 1
	if k >= len(s.lat[i]) {
		return errTooManyRequests
	}
	return sleepCtx(ctx, s.lat[i][k])
}

// extraLoad returns the requests beyond one per call, in percent of the calls: the price of
// hedging. It fails if a call was never sent.
func (s *tailServer) extraLoad() (float64, error) {
	total := 0
	for i := range s.tries {
		n := int(s.tries[i].Load())
		if n == 0 {
			return 0, fmt.Errorf("call %d sent no request", i)
		}
		total += n
	}
	return 100 * float64(total-len(s.tries)) / float64(len(s.tries)), nil
}
