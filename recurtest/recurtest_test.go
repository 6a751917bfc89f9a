package recurtest_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/recurtest"
)

// fakeT records what New reports and runs its cleanups when told; Fatal ends the goroutine, as
// testing's does.
type fakeT struct {
	testing.TB
	mu       sync.Mutex
	fatal    string
	errors   []string
	cleanups []func()
}

func (f *fakeT) Helper()                      {}
func (f *fakeT) Cleanup(fn func())            { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Fatal(args ...any)            { f.stop(fmt.Sprint(args...)) }
func (f *fakeT) Fatalf(s string, args ...any) { f.stop(fmt.Sprintf(s, args...)) }
func (f *fakeT) Errorf(s string, args ...any) {
	f.mu.Lock()
	f.errors = append(f.errors, fmt.Sprintf(s, args...))
	f.mu.Unlock()
}

func (f *fakeT) stop(msg string) {
	f.mu.Lock()
	f.fatal = msg
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeT) cleanup() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// newOn runs recurtest.New on a goroutine of its own, which its Fatal may end.
func newOn(ft *fakeT, opts ...engine.Option) *engine.Engine {
	var e *engine.Engine
	done := make(chan struct{})
	go func() {
		defer close(done)
		e = recurtest.New(ft, opts...)
	}()
	<-done
	return e
}

func TestNewOutsideABubbleFailsTheTest(t *testing.T) {
	ft := &fakeT{}
	e := newOn(ft)
	assert.Nil(t, e)
	assert.Contains(t, ft.fatal, "recurtest.New: not inside a testing/synctest bubble")
	assert.Empty(t, ft.cleanups)
}

func TestNewReportsBadOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeT{}
		assert.Nil(t, newOn(ft, engine.WithMaxConcurrency(0)))
		assert.Contains(t, ft.fatal, "recurtest.New: engine: WithMaxConcurrency 0")
	})
}

func TestNewClosesTheEngineInTheBubble(t *testing.T) {
	var e *engine.Engine
	synctest.Test(t, func(t *testing.T) {
		e = recurtest.New(t, engine.Defaults(engine.Backoff(backoff.Constant(30*time.Second))))
		start := time.Now()
		n := 0
		v, err := engine.Do(context.Background(), e, func(context.Context) (int, error) {
			if n++; n < 3 {
				return 0, errors.New("busy")
			}
			return n, nil
		})
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		assert.Equal(t, time.Minute, time.Since(start), "two retries 30s apart, in fake time")
	}) // synctest fails the test if the engine's goroutines outlive the bubble
	_, err := engine.Do(context.Background(), e, func(context.Context) (int, error) { return 1, nil })
	assert.ErrorIs(t, err, engine.ErrClosed, "closed by the cleanup")
}

// A call left retrying when the test ends is settled after CloseGrace, and the test fails.
func TestNewFailsATestThatLeavesCallsPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeT{}
		e := newOn(ft, engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
		require.NotNil(t, e)
		f, err := engine.Submit(context.Background(), e, func(context.Context) (int, error) {
			return 0, errors.New("down")
		}, engine.UnlimitedAttempts())
		require.NoError(t, err)
		start := time.Now()
		ft.cleanup()
		assert.Equal(t, recurtest.CloseGrace, time.Since(start))
		_, err = f.Result()
		assert.ErrorIs(t, err, engine.ErrClosed)
		require.Len(t, ft.errors, 1)
		assert.Contains(t, ft.errors[0], "1 calls were pending when the test ended")
	})
}

func TestRecorder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recurtest.Recorder
		e := recurtest.New(t, engine.WithHooks(rec.Hooks()),
			engine.Overrides(engine.Backoff(backoff.Constant(time.Second))))
		down := errors.New("down")
		_, err := engine.Do(context.Background(), e, func(context.Context) (int, error) { return 0, down },
			engine.Name("get"), engine.Key("db"), engine.Backoff(backoff.Default()))
		require.ErrorIs(t, err, engine.ErrExhausted)

		assert.Equal(t, []time.Duration{time.Second, time.Second}, rec.Delays())
		attempts := rec.Attempts()
		require.Len(t, attempts, 3)
		for i, a := range attempts {
			assert.Equal(t, "get", a.Name)
			assert.Equal(t, "db", a.Key)
			assert.Equal(t, i+1, a.Attempt)
			assert.ErrorIs(t, a.Err, down)
		}
		assert.True(t, attempts[0].Decision.IsRetry())
		retries := rec.Retries()
		require.Len(t, retries, 2)
		assert.Equal(t, 3, retries[1].Attempt)
		settled := rec.Settled()
		require.Len(t, settled, 1)
		assert.Equal(t, engine.ReasonExhausted, settled[0].Reason)
		assert.Equal(t, 3, settled[0].Attempts)
	})
}

// The recorder takes hooks from many workers at once (run with -race).
func TestRecorderUnderConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recurtest.Recorder
		e := recurtest.New(t, engine.WithHooks(rec.Hooks()),
			engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
		const calls = 200
		fs := make([]*engine.Future[int], calls)
		for i := range fs {
			n := 0
			f, err := engine.Submit(context.Background(), e, func(context.Context) (int, error) {
				if n++; n < 2 {
					return 0, errors.New("once")
				}
				return i, nil
			}, engine.Key(fmt.Sprint(i%7)))
			require.NoError(t, err)
			fs[i] = f
		}
		reading := make(chan struct{})
		go func() { // reading while hooks fire
			defer close(reading)
			for range 10 {
				_ = rec.Attempts()
				_ = rec.Delays()
				time.Sleep(time.Millisecond / 2)
			}
		}()
		_, err := engine.AwaitAll(context.Background(), fs...)
		require.NoError(t, err)
		assert.Len(t, rec.Attempts(), 2*calls)
		assert.Len(t, rec.Delays(), calls)
		assert.Len(t, rec.Settled(), calls)
		<-reading
	})
}

// TestExample runs the test shown as the package's example (example_test.go).
func TestExample(t *testing.T) { testUsersNameRetries(t) }
