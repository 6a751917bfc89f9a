package engine_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// starts records when each attempt started, in fake time since the test's start, by the
// attempt's call (its index) and in the order they started.
type starts struct {
	mu    sync.Mutex
	t0    time.Time
	byIdx map[int][]time.Duration
	all   []time.Duration
}

func newStarts() *starts { return &starts{t0: time.Now(), byIdx: make(map[int][]time.Duration)} }

func (s *starts) note(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := time.Since(s.t0)
	s.byIdx[i] = append(s.byIdx[i], d)
	s.all = append(s.all, d)
}

func (s *starts) of(i int) []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.byIdx[i]...)
}

// ok returns an operation that notes its start as call i and succeeds.
func (s *starts) ok(i int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		s.note(i)
		return i, nil
	}
}

func ms(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, v := range n {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestRateLimitScheduleIsExact(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rate  float64
		burst int
		calls int
		want  []time.Duration // each call's start
	}{
		{"burst 1", 10, 1, 4, ms(0, 100, 200, 300)},
		{"burst 3", 10, 3, 6, ms(0, 0, 0, 100, 200, 300)},
		{"burst covers all", 4, 5, 5, ms(0, 0, 0, 0, 0)},
		{"slow", 0.5, 2, 4, ms(0, 0, 2000, 4000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t, engine.WithRateLimit(tc.rate, tc.burst))
				s := newStarts()
				fs := make([]*engine.Future[int], tc.calls)
				for i := range fs {
					f, err := engine.Submit(t.Context(), e, s.ok(i))
					require.NoError(t, err)
					fs[i] = f
				}
				for i, f := range fs {
					_, err := f.Await(t.Context())
					require.NoError(t, err)
					assert.Equal(t, tc.want[i:i+1], s.of(i), "call %d", i)
				}
				st := e.Stats()
				assert.Equal(t, uint64(tc.calls-min(tc.burst, tc.calls)), st.Paced, "calls that waited")
				assert.Zero(t, st.RateLimited)
			})
		})
	}
}

func TestRateLimitRefillsAfterAPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 3))
		s := newStarts()
		run := func(from, n int) {
			for i := from; i < from+n; i++ {
				_, err := engine.Submit(t.Context(), e, s.ok(i))
				require.NoError(t, err)
			}
		}
		run(0, 4) // 3 at once, the fourth at 100ms: the bucket is empty then
		time.Sleep(150 * time.Millisecond)
		run(4, 1) // 50ms after the fourth: half a token, waits until 200ms
		time.Sleep(350 * time.Millisecond)
		run(5, 4) // at 500ms, 300ms after the last: 3 tokens again
		synctest.Wait()
		time.Sleep(time.Second)
		want := ms(0, 0, 0, 100, 200, 500, 500, 500, 600)
		for i, w := range want {
			assert.Equal(t, []time.Duration{w}, s.of(i), "call %d", i)
		}
	})
}

func TestRateLimitFailIfLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(10, 2), engine.Defaults(engine.OnRateLimit(engine.FailIfLimited)))
		s := newStarts()
		for i := range 2 {
			_, err := engine.Submit(t.Context(), e, s.ok(i))
			require.NoError(t, err, "the burst")
		}
		_, err := engine.Submit(t.Context(), e, s.ok(2))
		require.ErrorIs(t, err, engine.ErrRateLimited, "no token: refused at once")
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		_, err = engine.TrySubmit(t.Context(), e, s.ok(2))
		require.ErrorIs(t, err, engine.ErrRateLimited)

		// A retry without a token fails the call, with the last attempt's error.
		time.Sleep(100 * time.Millisecond) // one token
		op, calls := failing(1, errTransient, 1)
		_, err = engine.Do(t.Context(), e, op, engine.Backoff(backoff.Constant(10*time.Millisecond)))
		var re *engine.RetryError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, engine.ReasonRateLimited, re.Reason)
		assert.Equal(t, "rate limited", re.Reason.String())
		assert.ErrorIs(t, err, engine.ErrRateLimited)
		assert.ErrorIs(t, err, errTransient)
		assert.Equal(t, 1, *calls)

		// The caller can still choose to wait, per call.
		time.Sleep(200 * time.Millisecond)
		fs := make([]*engine.Future[int], 3)
		for i := range fs {
			fs[i], err = engine.Submit(t.Context(), e, s.ok(10+i), engine.OnRateLimit(engine.WaitForToken))
			require.NoError(t, err)
		}
		for _, f := range fs {
			_, err := f.Await(t.Context())
			require.NoError(t, err)
		}
		st := e.Stats()
		assert.Equal(t, uint64(3), st.RateLimited, "two refusals and a retry")
		assert.Equal(t, uint64(2), st.Rejected)
		assert.Equal(t, uint64(1), st.FailedFor(engine.ReasonRateLimited))
	})
}

func TestRateLimitWaitPastTheDeadlineFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithRateLimit(1, 1))
		s := newStarts()
		_, err := engine.Submit(t.Context(), e, s.ok(0)) // the token of t0; the next comes at 1s
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		_, err = engine.Submit(ctx, e, s.ok(1))
		require.ErrorIs(t, err, engine.ErrRateLimited, "a first attempt whose turn is past the deadline")
		require.ErrorIs(t, err, context.DeadlineExceeded)

		// A retry whose turn is past the deadline fails when it comes due, not at the deadline.
		start := time.Now()
		op, calls := failing(1, errTransient, 1)
		_, err = engine.Do(ctx, e, op, engine.Backoff(backoff.Constant(10*time.Millisecond)))
		require.ErrorIs(t, err, engine.ErrRateLimited, "no token for its first attempt before 500ms either")
		assert.Zero(t, *calls)
		ctx2, cancel2 := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel2()
		_, err = engine.Do(ctx2, e, op, engine.Backoff(backoff.Constant(10*time.Millisecond)))
		require.ErrorIs(t, err, engine.ErrDeadline, "its first attempt at 1s, its retry's turn at 2s")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, errTransient)
		assert.Equal(t, 1, *calls)
		assert.Equal(t, 1010*time.Millisecond, time.Since(start), "failed when its retry came due")

		// A deadline that the turn meets waits for it.
		ctx3, cancel3 := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel3()
		v, err := engine.Do(ctx3, e, s.ok(2))
		require.NoError(t, err)
		assert.Equal(t, 2, v)
		assert.Equal(t, ms(2000), s.of(2))
		assert.Equal(t, uint64(3), e.Stats().RateLimited)
	})
}

func TestRateLimitedCallsSettleOnceWhenCanceledOrClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		settled := make(map[int]int)
		hooks := engine.Hooks{OnSettled: func(s engine.Settled) {
			mu.Lock()
			defer mu.Unlock()
			settled[s.Ctx.Value(idxKey{}).(int)]++
		}}
		e, err := engine.New(engine.WithRateLimit(1, 1), engine.WithHooks(hooks))
		require.NoError(t, err)
		s := newStarts()
		fs := make([]*engine.Future[int], 6)
		for i := range fs {
			fs[i], err = engine.Submit(context.WithValue(t.Context(), idxKey{}, i), e, s.ok(i))
			require.NoError(t, err)
		}
		fs[1].Cancel(nil) // waiting for its turn at 1s: settles at once, and gives its turn on
		synctest.Wait()
		_, err = fs[1].Result()
		require.ErrorIs(t, err, engine.ErrCanceled)
		time.Sleep(1500 * time.Millisecond)
		assert.Equal(t, ms(1000), s.of(2), "the next call took the canceled one's turn")

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		require.ErrorIs(t, e.Close(ctx), context.Canceled, "Close gives up waiting at once")
		for i, f := range fs {
			_, err := f.Result()
			switch i {
			case 0, 2:
				assert.NoError(t, err)
			case 1:
				assert.ErrorIs(t, err, engine.ErrCanceled)
			default:
				assert.ErrorIs(t, err, engine.ErrClosed, "call %d waited for its turn", i)
				assert.Empty(t, s.of(i), "call %d never ran", i)
			}
		}
		time.Sleep(10 * time.Second) // no tick releases anything after Close
		mu.Lock()
		defer mu.Unlock()
		for i := range fs {
			assert.Equal(t, 1, settled[i], "call %d settled once", i)
		}
		st := e.Stats()
		assert.Zero(t, st.Pending)
		assert.Equal(t, uint64(2), st.Succeeded)
	})
}

type idxKey struct{}

var errTransient = errors.New("503")

func TestRateLimitOptionsRejected(t *testing.T) {
	for _, tc := range []struct {
		opt  engine.Option
		want string
	}{
		{engine.WithRateLimit(0, 1), "WithRateLimit rate 0: must be between 0.001 and 1e+06"},
		{engine.WithRateLimit(-5, 1), "WithRateLimit rate -5"},
		{engine.WithRateLimit(math.NaN(), 1), "WithRateLimit rate NaN"},
		{engine.WithRateLimit(math.Inf(1), 1), "WithRateLimit rate +Inf"},
		{engine.WithRateLimit(2e6, 1), "WithRateLimit rate 2e+06"},
		{engine.WithRateLimit(10, 0), "WithRateLimit burst 0: must be between 1 and 1048576"},
		{engine.WithRateLimit(10, 1<<21), "WithRateLimit burst 2097152"},
		{engine.WithKeyRateLimit("api", 0.0001, 1), `WithKeyRateLimit("api") rate 0.0001`},
		{engine.WithKeyRateLimit("api", 1, -1), `WithKeyRateLimit("api") burst -1`},
		{engine.Defaults(engine.OnRateLimit(7)), "OnRateLimit: unknown mode 7"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := engine.New(tc.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
