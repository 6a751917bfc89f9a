package chaos

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// TestRetryStorm reproduces the retry amplification the SRE book warns about ("Addressing
// Cascading Failures"): three layers of services, each retrying every failure (3 attempts in
// all), in front of a backend that fails every call. Without budgets each call at the top
// costs 3 x 3 x 3 = 27 backend calls. With a retry budget of 10% of calls at each layer
// (engine.NewBudget(0.1, 0, burst)), each layer sends at most 1.1 times the calls it gets plus
// its burst, and the backend sees about 1.1^3 = 1.33 times the calls made at the top (1.34
// with the bursts).
func TestRetryStorm(t *testing.T) {
	const (
		calls    = 10_000
		clients  = 64
		layers   = 3
		attempts = 3
	)
	for _, ratio := range []float64{0, 0.1} {
		name := "budget=none"
		if ratio > 0 {
			name = fmt.Sprintf("budget=%g", ratio)
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := storm(t, calls, clients, layers, attempts, ratio)
				t.Log(s)
				if ratio == 0 {
					for i, l := range s.layers {
						assert.InDelta(t, attempts, l.amplification(), 1e-9, "layer %d: every call makes every attempt", i+1)
					}
					assert.Equal(t, int64(calls*27), s.backend, "27 backend calls per call at the top")
					return
				}
				for i, l := range s.layers {
					// The budget starts full with burst tokens and earns ratio tokens a call
					// (none while it is full), so a layer's retries reach ratio of its calls,
					// give or take the burst.
					slack := burst / float64(l.submitted)
					assert.LessOrEqual(t, l.amplification(), 1+ratio+slack, "layer %d", i+1)
					assert.GreaterOrEqual(t, l.amplification(), 1+ratio-slack, "layer %d: the budget is spent", i+1)
				}
				overall := s.amplification()
				assert.LessOrEqual(t, overall, math.Pow(1+ratio+0.01, layers), "backend calls per call at the top")
				assert.GreaterOrEqual(t, overall, math.Pow(1+ratio-0.01, layers))
			})
		})
	}
}

// stormResult is what each layer and the backend saw.
type stormResult struct {
	calls   int
	layers  []layerCount
	backend int64
}

type layerCount struct {
	submitted, attempts, denied uint64
}

func (l layerCount) amplification() float64 { return float64(l.attempts) / float64(l.submitted) }

func (s stormResult) amplification() float64 { return float64(s.backend) / float64(s.calls) }

func (s stormResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d calls at the top, backend failing every call:\n", s.calls)
	fmt.Fprintf(&b, "%-8s %10s %10s %14s %13s\n", "layer", "calls in", "attempts", "budget denied", "amplification")
	for i, l := range s.layers {
		fmt.Fprintf(&b, "%-8d %10d %10d %14d %12.3fx\n", i+1, l.submitted, l.attempts, l.denied, l.amplification())
	}
	fmt.Fprintf(&b, "%-8s %10d %10s %14s %12.3fx", "backend", s.backend, "", "", s.amplification())
	return b.String()
}

var errUnavailable = errors.New("backend: unavailable")

// burst is each layer's budget capacity: the retries it may make at once, and at start-up.
const burst = 20

// storm makes calls from clients goroutines through layers engines stacked on each other, each
// layer's operation a Do on the layer below, the last one's a call to a backend that always
// fails. ratio > 0 gives every layer a budget of that share of its calls.
func storm(t *testing.T, calls, clients, layers, attempts int, ratio float64) stormResult {
	var backend atomic.Int64
	engines := make([]*engine.Engine, layers)
	for i := range engines {
		opts := []engine.Option{engine.WithMaxConcurrency(clients), engine.WithName(fmt.Sprintf("layer %d", i+1)),
			engine.Defaults(engine.MaxAttempts(attempts), engine.Backoff(backoff.Constant(time.Millisecond)))}
		if ratio > 0 {
			b, err := engine.NewBudget(ratio, 0, burst)
			require.NoError(t, err)
			opts = append(opts, engine.WithBudget(b))
		}
		e, err := engine.New(opts...)
		require.NoError(t, err)
		defer func() { require.NoError(t, e.Close(context.Background())) }()
		engines[i] = e
	}
	op := func(context.Context) (int, error) { backend.Add(1); return 0, errUnavailable }
	for i := layers - 1; i > 0; i-- {
		below, e := op, engines[i]
		op = func(ctx context.Context) (int, error) { return engine.Do(ctx, e, below) }
	}

	var wg sync.WaitGroup
	var failed atomic.Int64
	for c := range clients {
		wg.Go(func() {
			for range calls/clients + btoi(c < calls%clients) {
				if _, err := engine.Do(t.Context(), engines[0], op); errors.Is(err, errUnavailable) {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(calls), failed.Load(), "every call failed, with the backend's error at the bottom")

	res := stormResult{calls: calls, backend: backend.Load()}
	for _, e := range engines {
		s := e.Stats()
		res.layers = append(res.layers, layerCount{submitted: s.Submitted, attempts: s.Attempts, denied: s.Budget})
	}
	return res
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
