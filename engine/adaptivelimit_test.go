package engine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// dependency is a fake server whose latency and answer the test switches. Each call adds its own
// few microseconds, so that the attempts of a wave do not all end at the same fake instant.
type dependency struct {
	d            atomic.Int64 // latency
	err          atomic.Pointer[error]
	calls        atomic.Int64
	now, highest atomic.Int64
}

func newDependency(d time.Duration) *dependency {
	s := new(dependency)
	s.d.Store(int64(d))
	return s
}

func (s *dependency) set(d time.Duration, err error) {
	s.d.Store(int64(d))
	s.err.Store(&err)
	s.highest.Store(0)
}

func (s *dependency) op(ctx context.Context) (int, error) {
	i := s.calls.Add(1)
	n := s.now.Add(1)
	defer s.now.Add(-1)
	for h := s.highest.Load(); n > h && !s.highest.CompareAndSwap(h, n); h = s.highest.Load() {
	}
	select {
	case <-time.After(time.Duration(s.d.Load()) + time.Duration(i%89)*time.Microsecond):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if p := s.err.Load(); p != nil && *p != nil {
		return 0, *p
	}
	return 1, nil
}

// load submits n calls of op to key "k" at once and waits for them all; it returns how many
// failed.
func load(t *testing.T, e *engine.Engine, n int, op func(context.Context) (int, error), opts ...engine.CallOption) int {
	t.Helper()
	fs := make([]*engine.Future[int], n)
	for i := range fs {
		var err error
		fs[i], err = engine.Submit(t.Context(), e, op, append(opts, engine.Key("k"))...)
		require.NoError(t, err)
	}
	failed := 0
	for _, f := range fs {
		if _, err := f.Await(t.Context()); err != nil {
			failed++
		}
	}
	return failed
}

func limitOf(t *testing.T, e *engine.Engine) int {
	t.Helper()
	synctest.Wait() // the workers have handed their last slots back
	ks, ok := e.KeyStats("k")
	require.True(t, ok)
	return ks.Limit
}

func TestAdaptiveLimitFollowsLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithAdaptiveLimit(engine.AdaptiveLimit{Max: 100, Queue: 10_000}),
			engine.Defaults(engine.MaxAttempts(1)))
		s := newDependency(10 * time.Millisecond)
		assert.Equal(t, 20, func() int {
			_, err := engine.Do(t.Context(), e, s.op, engine.Key("k"))
			require.NoError(t, err)
			return limitOf(t, e)
		}(), "a lone call is no evidence for more slots")

		require.Zero(t, load(t, e, 600, s.op))
		assert.Equal(t, 100, limitOf(t, e), "a steady latency under load: up to Max, never beyond")
		assert.LessOrEqual(t, s.highest.Load(), int64(100))

		s.set(50*time.Millisecond, nil)
		require.Zero(t, load(t, e, 200, s.op))
		slow := limitOf(t, e)
		assert.Less(t, slow, 25, "five times the latency: the limit falls")
		assert.GreaterOrEqual(t, slow, 1)

		s.set(10*time.Millisecond, nil)
		require.Zero(t, load(t, e, 400, s.op))
		assert.Equal(t, 100, limitOf(t, e), "the latency is back: so is the limit")
		assert.Greater(t, s.highest.Load(), int64(3*slow),
			"the waiters were let go as the limit rose, not one per attempt that ended")
	})
}

func TestAdaptiveLimitFallsOnDrops(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		d     time.Duration
		opts  []engine.CallOption
		falls bool
	}{
		{name: "server error", err: errors.New("503"), d: 10 * time.Millisecond, falls: true},
		{name: "throttled", err: engine.Throttled(errors.New("429")), d: 10 * time.Millisecond, falls: true},
		{name: "attempt timeout", d: 50 * time.Millisecond,
			opts: []engine.CallOption{engine.AttemptTimeout(20 * time.Millisecond)}, falls: true},
		{name: "permanent error: the dependency answered", err: engine.Permanent(errors.New("400")), d: 10 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t, engine.WithAdaptiveLimit(engine.AdaptiveLimit{Min: 3, Queue: 10_000}),
					engine.Defaults(engine.MaxAttempts(1)))
				s := newDependency(tc.d)
				s.set(tc.d, tc.err)
				failed := load(t, e, 200, s.op, tc.opts...)
				assert.Equal(t, 200, failed)
				got := limitOf(t, e)
				if !tc.falls {
					assert.Greater(t, got, 20)
					return
				}
				assert.Less(t, got, 10, "cut by a tenth per flight of drops")
				assert.GreaterOrEqual(t, got, 3, "never below Min")
				require.Zero(t, load(t, e, 500, newDependency(time.Millisecond).op))
				assert.Equal(t, engine.DefaultAdaptiveMax, limitOf(t, e), "the dependency is back to health: so is the limit")
			})
		})
	}
}

func TestAdaptiveLimitFloorAndCeiling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithAdaptiveLimit(engine.AdaptiveLimit{Min: 4, Max: 8, Initial: 6, Queue: 10_000}),
			engine.Defaults(engine.MaxAttempts(1)))
		s := newDependency(10 * time.Millisecond)
		require.Zero(t, load(t, e, 300, s.op))
		assert.Equal(t, 8, limitOf(t, e))
		assert.EqualValues(t, 8, s.highest.Load(), "Max attempts at once, no more")

		s.set(10*time.Millisecond, errors.New("503"))
		assert.Equal(t, 300, load(t, e, 300, s.op))
		assert.Equal(t, 4, limitOf(t, e))
		assert.EqualValues(t, 8, s.highest.Load(), "the slots taken before the cuts")
		s.set(10*time.Millisecond, errors.New("503"))
		load(t, e, 100, s.op)
		assert.EqualValues(t, 4, s.highest.Load(), "Min attempts at once")
	})
}

func TestAdaptiveLimitIgnoresCanceledAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithAdaptiveLimit(engine.AdaptiveLimit{Queue: 10_000}))
		s := newDependency(time.Second)
		for range 3 {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
			fs := make([]*engine.Future[int], 100)
			for i := range fs {
				var err error
				fs[i], err = engine.Submit(ctx, e, s.op, engine.Key("k"))
				require.NoError(t, err)
			}
			for i, f := range fs {
				if i%2 == 0 {
					f.Cancel(nil)
				}
			}
			_, err := engine.AwaitAll(t.Context(), fs...)
			assert.Error(t, err)
			cancel()
		}
		assert.Equal(t, 20, limitOf(t, e), "the caller gave up: nothing is known of the dependency")
	})
}

func TestAdaptiveLimitWaitersSettleExactlyOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var settled atomic.Int64
		e, err := engine.New(engine.WithAdaptiveLimit(engine.AdaptiveLimit{Initial: 2, Queue: 100}),
			engine.WithHooks(engine.Hooks{OnSettled: func(engine.Settled) { settled.Add(1) }}))
		require.NoError(t, err)
		s := newDependency(time.Second)
		fs := make([]*engine.Future[int], 50)
		for i := range fs {
			fs[i], err = engine.Submit(t.Context(), e, s.op, engine.Key("k"))
			require.NoError(t, err)
		}
		synctest.Wait()
		ks, _ := e.KeyStats("k")
		assert.Equal(t, 2, ks.Running)
		assert.Equal(t, 48, ks.SlotWaiting)
		for i := 4; i < len(fs); i += 2 {
			fs[i].Cancel(nil)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		assert.ErrorIs(t, e.Close(ctx), context.DeadlineExceeded)
		for i, f := range fs {
			_, err := f.Result()
			switch {
			case i < 2:
				assert.NoError(t, err)
			case i >= 4 && i%2 == 0:
				assert.ErrorIs(t, err, engine.ErrCanceled, "call %d", i)
			default:
				assert.ErrorIs(t, err, engine.ErrClosed, "call %d", i)
			}
		}
		assert.EqualValues(t, 50, settled.Load(), "every call settled once")
		st := e.Stats()
		assert.Equal(t, st.Submitted, st.Succeeded+st.Failed())
		assert.Zero(t, st.SlotWaiting)
	})
}

func TestAdaptiveLimitOptions(t *testing.T) {
	tests := []struct {
		name  string
		opts  []engine.Option
		err   string
		limit int
	}{
		{"negative Min", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{Min: -1})}, "WithAdaptiveLimit Min -1", 0},
		{"Max below Min", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{Min: 10, Max: 5})}, "WithAdaptiveLimit Max 5: must be between 10", 0},
		{"Initial above Max", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{Max: 5, Initial: 6})}, "WithAdaptiveLimit Initial 6", 0},
		{"negative Queue", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{Queue: -1})}, "WithAdaptiveLimit Queue -1", 0},
		{"bulkhead first", []engine.Option{engine.WithBulkhead(1, 1), engine.WithAdaptiveLimit(engine.AdaptiveLimit{})}, "WithAdaptiveLimit: the engine has WithBulkhead", 0},
		{"bulkhead after", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{}), engine.WithBulkhead(1, 1)}, "WithBulkhead: the engine has WithAdaptiveLimit", 0},
		{"defaults", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{})}, "", engine.DefaultAdaptiveInitial},
		{"Initial clamped to a small Max", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{Max: 5})}, "", 5},
		{"Initial raised to a large Min", []engine.Option{engine.WithAdaptiveLimit(engine.AdaptiveLimit{Min: 30})}, "", 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := engine.New(tc.opts...)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			defer e.Close(context.Background())
			ks, ok := e.KeyStats("")
			require.True(t, ok)
			assert.Equal(t, tc.limit, ks.Limit)
		})
	}
}

func TestAdaptiveLimitHedgesTakeSlots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithAdaptiveLimit(engine.AdaptiveLimit{Max: 1, Queue: 10}))
		s := newDependency(50 * time.Millisecond)
		v, err := engine.Do(t.Context(), e, s.op, engine.Key("k"), engine.Hedge(10*time.Millisecond, 2))
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		assert.EqualValues(t, 1, s.highest.Load(), "the hedges waited for the key's only slot")
		assert.Zero(t, e.Stats().Hedges, "and the call settled before one got it")
		ks, _ := e.KeyStats("k")
		assert.Zero(t, ks.SlotWaiting)
	})
}
