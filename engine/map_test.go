package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// gauge counts the operations running at once and the most that ever did.
type gauge struct{ now, peak atomic.Int64 }

func (g *gauge) enter() {
	n := g.now.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
}

func (g *gauge) leave() { g.now.Add(-1) }

// settledOnce checks that every call e accepted has settled, each once: the OnSettled hook

// counted as many settlements as the engine counted calls, and none is pending.

func settledOnce(t *testing.T, e *engine.Engine, settled *atomic.Int64) {
	t.Helper()
	s := e.Stats()
	assert.Zero(t, s.Pending, "pending calls")
	assert.Equal(t, s.Submitted, s.Succeeded+s.Failed(), "submitted = succeeded + failed")
	assert.Equal(t, int64(s.Submitted), settled.Load(), "one settlement per call")
}

// countingEngine is newEngine with a hook that counts settlements, and retries 1ms apart.

func countingEngine(t *testing.T, opts ...engine.Option) (*engine.Engine, *atomic.Int64) {
	settled := new(atomic.Int64)
	opts = append(opts, engine.WithHooks(engine.Hooks{OnSettled: func(engine.Settled) { settled.Add(1) }}),
		engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	return newEngine(t, opts...), settled
}

func inputs(n int) []int {
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	return in
}

func TestMapYieldsEveryIndexOnceInSettleOrder(t *testing.T) {
	for _, bound := range []int{0, 1, 3, 50} {
		t.Run(fmt.Sprintf("MaxInFlight=%d", bound), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, settled := countingEngine(t)
				var opts []engine.CallOption
				if bound > 0 {
					opts = append(opts, engine.MaxInFlight(bound))
				}
				const n = 20
				tries := make([]atomic.Int32, n)
				// Later inputs are quicker, and odd ones fail once: settle order is known.
				op := func(_ context.Context, i int) (string, error) {
					time.Sleep(time.Duration(n-i) * 10 * time.Millisecond)
					if i%2 == 1 && tries[i].Add(1) == 1 {
						return "", errFlaky
					}
					return fmt.Sprint("v", i), nil
				}
				var order []int
				var settledAt []time.Time
				for i, r := range engine.Map(t.Context(), e, inputs(n), op, opts...) {
					require.NoError(t, r.Err)
					assert.Equal(t, fmt.Sprint("v", i), r.Value)
					order = append(order, i)
					settledAt = append(settledAt, time.Now())
				}
				assert.ElementsMatch(t, inputs(n), order, "every index once")
				assert.IsNonDecreasing(t, settledAt, "in settle order")
				if bound == 0 {
					// Even i settles at (20-i)*10ms, odd i at twice that plus the 1ms retry delay.
					assert.Equal(t, []int{18, 19, 16, 14, 17, 12, 10, 15, 8, 6, 13, 4, 2, 11, 0, 9, 7, 5, 3, 1}, order)
				}
				settledOnce(t, e, settled)
			})
		})
	}
}

func TestMapBoundsTheCallsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, settled := countingEngine(t)
		var g gauge
		tries := make([]atomic.Int32, 100)
		op := func(_ context.Context, i int) (int, error) {
			g.enter()
			defer g.leave()
			time.Sleep(time.Duration(i%5+1) * time.Millisecond)
			if i%3 == 0 && tries[i].Add(1) == 1 { // its retry still counts as in flight
				return 0, errFlaky
			}
			return i, nil
		}
		n := 0
		for _, r := range engine.Map(t.Context(), e, inputs(100), op, engine.MaxInFlight(7), engine.MaxInFlight(9)) {
			require.NoError(t, r.Err)
			n++
			assert.LessOrEqual(t, e.Stats().Pending, uint64(7))
		}
		assert.Equal(t, 100, n)
		assert.Equal(t, int64(7), g.peak.Load(), "the smaller bound, reached")
		settledOnce(t, e, settled)
	})
}

func TestMapWaitsForRoomAtTheEnginesCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, settled := countingEngine(t, engine.WithMaxConcurrency(2), engine.WithQueueSize(1))
		var g gauge
		op := func(_ context.Context, i int) (int, error) {
			g.enter()
			defer g.leave()
			time.Sleep(time.Millisecond)
			return i, nil
		}
		n := 0
		for _, r := range engine.Map(t.Context(), e, inputs(30), op) {
			require.NoError(t, r.Err)
			n++
		}
		assert.Equal(t, 30, n)
		assert.Equal(t, int64(2), g.peak.Load())
		settledOnce(t, e, settled)
	})
}

func TestMapTurnsAPanicOrAGoexitIntoAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		op := func(_ context.Context, i int) (int, error) {
			switch i {
			case 1:
				panic("boom")
			case 2:
				runtime.Goexit() // as t.FailNow would, in a test's operation
			}
			return i, nil
		}
		want := []any{nil, "boom", engine.ErrGoexit, nil}
		n := 0
		for i, r := range engine.Map(t.Context(), e, inputs(4), op) {
			n++
			if want[i] == nil {
				assert.NoError(t, r.Err)
				continue
			}
			var pe *engine.PanicError
			require.ErrorAs(t, r.Err, &pe)
			assert.Equal(t, want[i], pe.Value)
		}
		assert.Equal(t, 4, n)
	})
}

func TestMapYieldsBadInputWithEveryIndex(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		ok := func(_ context.Context, i int) (int, error) { return i, nil }
		cases := []struct {
			name string
			seq  func() func(func(int, engine.Result[int]) bool)
			want string
		}{
			{"nil fn", func() func(func(int, engine.Result[int]) bool) {
				return engine.Map[int, int](t.Context(), e, inputs(3), nil)
			}, "engine: op is nil"},
			{"nil engine", func() func(func(int, engine.Result[int]) bool) { return engine.Map(t.Context(), nil, inputs(3), ok) }, "engine: nil *Engine"},
			{"nil ctx", func() func(func(int, engine.Result[int]) bool) {
				var nilCtx context.Context // a variable: staticcheck (SA1012) rejects a literal nil
				return engine.Map(nilCtx, e, inputs(3), ok)
			}, "engine: nil Context"},
			{"MaxInFlight(0)", func() func(func(int, engine.Result[int]) bool) {
				return engine.Map(t.Context(), e, inputs(3), ok, engine.MaxInFlight(0))
			}, "engine: MaxInFlight(0): must be at least 1"},
			{"MaxAttempts(0)", func() func(func(int, engine.Result[int]) bool) {
				return engine.Map(t.Context(), e, inputs(3), ok, engine.MaxAttempts(0))
			}, "MaxAttempts 0"},
			{"ClassifyResult of another type", func() func(func(int, engine.Result[int]) bool) {
				return engine.Map(t.Context(), e, inputs(3), ok, engine.ClassifyResult(func(string, error) engine.Decision { return engine.Stop() }))
			}, "ClassifyResult"},
		}
		for _, tc := range cases {
			var idx []int
			for i, r := range tc.seq() {
				idx = append(idx, i)
				require.Error(t, r.Err, tc.name)
				assert.Contains(t, r.Err.Error(), tc.want, tc.name)
			}
			assert.Equal(t, []int{0, 1, 2}, idx, tc.name)
		}
		assert.Zero(t, e.Stats().Submitted, "nothing submitted")
	})
}

func TestMapOptionOutsideMapIsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		_, err := engine.Submit(t.Context(), e, sleeper(0, 1, nil), engine.MaxInFlight(3))
		assert.EqualError(t, err, "engine: MaxInFlight(3): an option of Map, not of a call")
		_, err = engine.New(engine.Defaults(engine.MaxInFlight(3)))
		assert.ErrorContains(t, err, "MaxInFlight(3)")
	})
}

func TestMapRunsTheCallsAgainWhenRangedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var calls atomic.Int64
		seq := engine.Map(t.Context(), e, inputs(4), func(_ context.Context, i int) (int, error) {
			calls.Add(1)
			return i, nil
		})
		for range 2 {
			n := 0
			for range seq {
				n++
			}
			assert.Equal(t, 4, n)
		}
		assert.Equal(t, int64(8), calls.Load())
		for range engine.Map(t.Context(), e, []int{}, func(context.Context, int) (int, error) { panic("no input") }) {
			t.Fatal("no input, no yield")
		}
	})
}

// TestMapAllocatesPerBatchNotPerCall: the options are resolved once and the calls allocated
// together, with no closure per call: a batch of 1,000 calls with options costs far less than
// an allocation per call (a Submit loop costs two, three with options).
func TestMapAllocatesPerBatchNotPerCall(t *testing.T) {
	e := newEngine(t, engine.WithMinWorkers(4))
	in := inputs(1000)
	op := func(_ context.Context, i int) (int, error) { return i, nil }
	allocs := testing.AllocsPerRun(5, func() {
		for _, r := range engine.Map(context.Background(), e, in, op, engine.Name("batch"), engine.MaxAttempts(2)) {
			if r.Err != nil {
				t.Error(r.Err)
			}
		}
	})
	t.Logf("%.0f allocations for %d calls", allocs, len(in))
	assert.Less(t, allocs/float64(len(in)), 0.5, "%.0f allocations for %d calls", allocs, len(in))
}
