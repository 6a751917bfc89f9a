package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// replica answers attempt n after latency[n-1] (the last entry for later attempts) with
// outcome[n-1] (nil: success, the attempt's number as the result), or when its context ends.
type replica struct {
	latency []time.Duration
	outcome []error

	mu       sync.Mutex
	started  []time.Duration // since the first attempt
	canceled []int           // attempts whose context ended first, in order
	t0       time.Time
}

func (r *replica) op(ctx context.Context) (int, error) {
	a, _ := engine.AttemptOf(ctx)
	r.mu.Lock()
	if len(r.started) == 0 {
		r.t0 = time.Now()
	}
	r.started = append(r.started, time.Since(r.t0))
	r.mu.Unlock()
	at := func(s []time.Duration, n int) time.Duration { return s[min(n, len(s))-1] }
	select {
	case <-time.After(at(r.latency, a.Number)):
	case <-ctx.Done():
		r.mu.Lock()
		r.canceled = append(r.canceled, a.Number)
		r.mu.Unlock()
		return 0, ctx.Err()
	}
	if a.Number <= len(r.outcome) && r.outcome[a.Number-1] != nil {
		return 0, r.outcome[a.Number-1]
	}
	return a.Number, nil
}

func TestHedgesStartOnTimeAndTheFirstAcceptableOutcomeWins(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		latency  []time.Duration
		outcome  []error
		want     int           // the attempt whose result the call gets
		took     time.Duration // from the first attempt's start
		started  []time.Duration
		canceled []int
	}{
		{"a slow first attempt loses to a hedge", []time.Duration{time.Hour, 10 * ms}, nil,
			2, 110 * ms, []time.Duration{0, 100 * ms}, []int{1}},
		{"no hedge for an attempt that answers in time", []time.Duration{50 * ms}, nil,
			1, 50 * ms, []time.Duration{0}, nil},
		{"up to the maximum, each after the one before", []time.Duration{time.Hour, time.Hour, 30 * ms}, nil,
			3, 230 * ms, []time.Duration{0, 100 * ms, 200 * ms}, []int{1, 2}},
		{"a failure is not a win: the round waits for the others", []time.Duration{150 * ms, 90 * ms}, []error{errFlaky},
			2, 190 * ms, []time.Duration{0, 100 * ms}, nil},
		{"the first attempt may still win", []time.Duration{150 * ms, 10 * ms}, []error{nil, errFlaky},
			1, 150 * ms, []time.Duration{0, 100 * ms}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var starts []bool
				var settled engine.Settled
				e := newEngine(t, engine.WithHooks(engine.Hooks{
					OnAttemptStart: func(a engine.AttemptStart) { starts = append(starts, a.Hedge) },
					OnSettled:      func(s engine.Settled) { settled = s },
				}))
				r := &replica{latency: tt.latency, outcome: tt.outcome}
				start := time.Now()
				v, err := engine.Do(t.Context(), e, r.op, engine.Hedge(100*ms, 2), engine.MaxAttempts(5))
				require.NoError(t, err)
				assert.Equal(t, tt.want, v)
				assert.Equal(t, tt.took, time.Since(start))
				synctest.Wait()
				assert.Equal(t, tt.started, r.started, "hedges start exactly on time")
				assert.ElementsMatch(t, tt.canceled, r.canceled, "the losers still running are canceled at once")
				assert.Equal(t, tt.want, settled.Winner)
				assert.Len(t, starts, len(tt.started))
				for i, hedge := range starts {
					assert.Equal(t, i > 0, hedge, "attempt %d", i+1)
				}
				assert.EqualValues(t, len(tt.started)-1, e.Stats().Hedges)
				assert.EqualValues(t, len(tt.started), e.Stats().Attempts)
			})
		})
	}
}

func TestAFailedRoundIsRetriedAndHedgedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		e := newEngine(t)
		r := &replica{latency: []time.Duration{150 * ms, 120 * ms, 500 * ms, 10 * ms}, outcome: []error{errFlaky, errFlaky}}
		v, err := engine.Do(t.Context(), e, r.op, engine.Hedge(100*ms, 1), engine.MaxAttempts(4),
			engine.Backoff(backoff.Constant(time.Second)))
		require.NoError(t, err)
		assert.Equal(t, 4, v)
		// Round 1: attempts 1 and 2 both fail, the last at 220ms; the retry waits a second; round 2:
		// attempt 3 at 1220ms, its hedge, attempt 4, 100ms later, wins at 1330ms.
		assert.Equal(t, []time.Duration{0, 100 * ms, 1220 * ms, 1320 * ms}, r.started)
		assert.EqualValues(t, 1, e.Stats().Retries)
		assert.EqualValues(t, 2, e.Stats().Hedges)
	})
}

func TestAPermanentFailureEndsAHedgedCallAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		e := newEngine(t)
		notFound := engine.Permanent(errors.New("404"))
		r := &replica{latency: []time.Duration{time.Hour, 10 * ms}, outcome: []error{nil, notFound}}
		start := time.Now()
		_, err := engine.Do(t.Context(), e, r.op, engine.Hedge(100*ms, 1))
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, engine.ReasonPermanent, re.Reason)
		assert.Equal(t, 110*ms, time.Since(start))
		synctest.Wait()
		assert.Equal(t, []int{1}, r.canceled)
	})
}

func TestHedgesStayWithinTheirLimits(t *testing.T) {
	ms := time.Millisecond
	slow := []time.Duration{time.Hour}
	tests := []struct {
		name   string
		opts   []engine.Option
		call   []engine.CallOption
		starts int
	}{
		{"MaxAttempts counts hedges", nil, []engine.CallOption{engine.MaxAttempts(2)}, 2},
		{"the budget pays for hedges", []engine.Option{engine.WithBudget(oneToken())}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t, tt.opts...)
				r := &replica{latency: slow}
				ctx, cancel := context.WithTimeout(t.Context(), time.Second)
				defer cancel()
				_, err := engine.Do(ctx, e, r.op, append(tt.call, engine.Hedge(100*ms, 5))...)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Len(t, r.started, tt.starts)
			})
		})
	}
}

func TestABreakerThatRefusesAHedgeLeavesTheRoundRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Hour)))
		e.KeyBreaker("").ForceOpen()
		e.KeyBreaker("").Reset()
		r := &replica{latency: []time.Duration{300 * ms}}
		f, err := engine.Submit(t.Context(), e, r.op, engine.Hedge(100*ms, 1))
		require.NoError(t, err)
		synctest.Wait()
		e.KeyBreaker("").ForceOpen() // opened by hand while the first attempt runs
		v, err := f.Await(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 1, v, "the first attempt answers; the refused hedge never started")
		assert.Len(t, r.started, 1)
	})
}

func TestHedgeOptionsAreChecked(t *testing.T) {
	for _, tt := range []struct {
		opts []engine.CallOption
		want string
	}{
		{[]engine.CallOption{engine.Hedge(0, 1)}, "Hedge: delay 0s must be positive"},
		{[]engine.CallOption{engine.Hedge(time.Second, 0)}, "Hedge: max 0 must be between 1 and 62"},
		{[]engine.CallOption{engine.Hedge(time.Second, 63)}, "Hedge: max 63 must be between 1 and 62"},
		{[]engine.CallOption{engine.Hedge(time.Second, 1), engine.MaxAttempts(1)}, "Hedge with MaxAttempts(1)"},
		{[]engine.CallOption{engine.HedgeQuantile(0, 1, time.Second)}, "HedgeQuantile: q 0 must be between 0 and 1"},
		{[]engine.CallOption{engine.HedgeQuantile(1, 1, time.Second)}, "HedgeQuantile: q 1 must be between 0 and 1"},
		{[]engine.CallOption{engine.HedgeQuantile(math.NaN(), 1, time.Second)}, "HedgeQuantile: q NaN must be"},
		{[]engine.CallOption{engine.HedgeQuantile(0.9, 1, 0)}, "HedgeQuantile: initial delay 0s must be positive"},
		{[]engine.CallOption{engine.HedgeQuantile(0.9, 63, time.Second)}, "HedgeQuantile: max 63 must be between 1 and 62"},
		{[]engine.CallOption{engine.HedgeQuantile(0.9, 1, time.Second), engine.MaxAttempts(1)}, "Hedge with MaxAttempts(1)"},
		{[]engine.CallOption{engine.Hedge(time.Second, 1), engine.NoHedge(), engine.MaxAttempts(1)}, ""},
	} {
		t.Run(fmt.Sprint(tt.want), func(t *testing.T) {
			err := engine.CheckCallOptions(tt.opts...)
			if tt.want == "" {
				assert.NoError(t, err, "NoHedge turns hedging off")
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// oneToken is a budget that allows one retry or hedge, and no more.
func oneToken() *engine.Budget {
	b, err := engine.NewBudget(0, 0, 1)
	if err != nil {
		panic(err)
	}
	return b
}

// Every way to make a call hedges it: Submit, Do, Map, SubmitAll, Wrap1.
func TestEveryEntryPointHedges(t *testing.T) {
	ms := time.Millisecond
	hedge := engine.Hedge(100*ms, 1)
	tests := []struct {
		name string
		call func(t *testing.T, e *engine.Engine, op func(context.Context) (int, error)) int
	}{
		{"Submit", func(t *testing.T, e *engine.Engine, op func(context.Context) (int, error)) int {
			f, err := engine.Submit(t.Context(), e, op, hedge)
			require.NoError(t, err)
			v, err := f.Await(t.Context())
			require.NoError(t, err)
			return v
		}},
		{"Map", func(t *testing.T, e *engine.Engine, op func(context.Context) (int, error)) int {
			var got int
			for _, r := range engine.Map(t.Context(), e, []int{0}, func(ctx context.Context, _ int) (int, error) { return op(ctx) }, hedge) {
				require.NoError(t, r.Err)
				got = r.Value
			}
			return got
		}},
		{"SubmitAll", func(t *testing.T, e *engine.Engine, op func(context.Context) (int, error)) int {
			fs, err := engine.SubmitAll(t.Context(), e, []func(context.Context) (int, error){op}, hedge)
			require.NoError(t, err)
			v, err := fs[0].Await(t.Context())
			require.NoError(t, err)
			return v
		}},
		{"Wrap1", func(t *testing.T, e *engine.Engine, op func(context.Context) (int, error)) int {
			v, err := engine.Wrap1(e, func(ctx context.Context, _ string) (int, error) { return op(ctx) }, hedge)(t.Context(), "x")
			require.NoError(t, err)
			return v
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t)
				r := &replica{latency: []time.Duration{time.Hour, 10 * ms}}
				assert.Equal(t, 2, tt.call(t, e, r.op), "the hedge wins")
				assert.EqualValues(t, 1, e.Stats().Hedges)
			})
		})
	}
}
