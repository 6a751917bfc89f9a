package recur

import (
	"context"
	"errors"
	"runtime"
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

// running reports whether the engine is up.
func (l *lazy) running() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.e.Load() != nil
}

func (l *lazy) current() *engine.Engine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.e.Load()
}

// do is Do on l.
func do[T any](l *lazy, op func(context.Context) (T, error), opts ...engine.CallOption) (T, error) {
	e, err := l.acquire()
	if err != nil {
		var zero T
		return zero, err
	}
	defer l.release()
	return engine.Do(context.Background(), e, op, opts...)
}

func one(context.Context) (int, error) { return 1, nil }

// bubbledEngineGoroutines counts the goroutines of engines made in synctest bubbles (their
// headers name the bubble). runtime.NumGoroutine would count the shared engine too, which other
// tests leave closing on the real clock.
func bubbledEngineGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "synctest bubble") &&
			(strings.Contains(g, "recur-go/recur/engine.") || strings.Contains(g, "recur-go/recur/scheduler.")) {
			n++
		}
	}
	return n
}

// The lazy engines below are made inside bubbles, where their idle periods pass in fake time.

func TestLazyStartsOnFirstCallAndStopsWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lazy{idle: time.Second, opts: engineOptions}
		assert.False(t, l.running(), "nothing before the first call")

		v, err := do(l, one)
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		first := l.current()
		require.NotNil(t, first)
		assert.NotZero(t, bubbledEngineGoroutines())

		time.Sleep(time.Second - time.Nanosecond)
		synctest.Wait()
		assert.Same(t, first, l.current(), "still up within the idle period")
		_, err = do(l, one)
		require.NoError(t, err)
		assert.Same(t, first, l.current(), "a call within the idle period reuses the engine")

		time.Sleep(time.Second - time.Nanosecond)
		synctest.Wait()
		assert.True(t, l.running(), "the idle period starts again after each call")
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		assert.False(t, l.running(), "stopped a full idle period after the last call")
		assert.Zero(t, bubbledEngineGoroutines(), "and every goroutine of it is gone")
		_, err = engine.Do(context.Background(), first, one)
		assert.ErrorIs(t, err, engine.ErrClosed)

		_, err = do(l, one)
		require.NoError(t, err)
		assert.NotSame(t, first, l.current(), "the next call starts a new engine")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.False(t, l.running())
	})
}

// A call waiting for a retry longer than the idle period keeps the engine up.
func TestLazyStaysUpWhileACallWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lazy{idle: time.Second, opts: engineOptions}
		n := 0
		start := time.Now()
		v, err := do(l, func(context.Context) (int, error) {
			if n++; n < 3 {
				return 0, errors.New("busy")
			}
			return n, nil
		}, engine.Backoff(backoff.Constant(10*time.Second)))
		require.NoError(t, err, "not ErrClosed: the engine did not stop under the call")
		assert.Equal(t, 3, v)
		assert.Equal(t, 20*time.Second, time.Since(start))
		time.Sleep(time.Second)
		synctest.Wait()
		assert.False(t, l.running())
	})
}

// Calls arrive from many goroutines around the end of idle periods, when the engine stops and
// starts again: every one succeeds (none gets an engine being closed), and the engine stops
// after the last one.
func TestLazyCallsAroundTheIdleBoundary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &lazy{idle: time.Millisecond, opts: engineOptions}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for g := range 8 {
			wg.Go(func() {
				for i := range 50 {
					// Gaps just under, at and over the idle period, skewed per goroutine.
					time.Sleep(time.Millisecond + time.Duration((g+i)%3-1)*time.Nanosecond)
					if _, err := do(l, one); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		assert.Empty(t, errs)
		time.Sleep(time.Millisecond)
		synctest.Wait()
		assert.False(t, l.running())
	})
}

// The same on the real clock, with real parallelism and the race detector: the idle period is
// 1ms and calls come with gaps of 0-2ms. Only outcomes are checked, never timings.
func TestLazyCallsAroundTheIdleBoundaryRealClock(t *testing.T) {
	l := &lazy{idle: time.Millisecond, opts: engineOptions}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				if (g+i)%3 > 0 {
					time.Sleep(time.Duration((g+i)%3) * time.Millisecond)
				}
				if _, err := do(l, one); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	assert.Empty(t, errs)
	require.Eventually(t, func() bool { return !l.running() }, 5*time.Second, time.Millisecond)
}

// Many callers at once join and leave without the lock while others hold the engine: every call
// gets a running engine, and the count comes back to zero.
func TestLazyManyConcurrentCallers(t *testing.T) {
	l := &lazy{idle: time.Millisecond, opts: engineOptions}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 64 {
		wg.Go(func() {
			for range 200 {
				if _, err := do(l, one); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, failed.Load())
	assert.Zero(t, l.calls.Load())
	require.Eventually(t, func() bool { return !l.running() }, 5*time.Second, time.Millisecond)
}
