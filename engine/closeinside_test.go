package engine_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// closeWithin closes e from inside it, with a context that ends after 500ms, and reports what
// Close returned and after how long.
type closeWithin struct {
	e    *engine.Engine
	once atomic.Bool
	res  chan closeResult
}

type closeResult struct {
	err  error
	took time.Duration
}

func newCloseWithin() *closeWithin { return &closeWithin{res: make(chan closeResult, 1)} }

func (c *closeWithin) close() {
	if !c.once.CompareAndSwap(false, true) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.e.Close(ctx)
	c.res <- closeResult{err, time.Since(start)}
}

func (c *closeWithin) hooks() engine.Option {
	return engine.WithHooks(engine.Hooks{OnSettled: func(engine.Settled) { c.close() }})
}

// TestCloseFromInsideTheEngine: Close called by an operation or by a hook, on one of the
// engine's goroutines, cannot wait for the goroutine it runs on: it stops intake and settles
// what is left as usual, and returns ctx's error when ctx ends. The engine finishes closing when
// that goroutine is free; a Close from outside then joins it.
func TestCloseFromInsideTheEngine(t *testing.T) {
	cases := map[string]func(t *testing.T, c *closeWithin) (*engine.Engine, *engine.Future[int]){
		"operation": func(t *testing.T, c *closeWithin) (*engine.Engine, *engine.Future[int]) {
			e := mustNew(t)
			c.e = e
			f, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { c.close(); return 1, nil })
			require.NoError(t, err)
			return e, f
		},
		"OnSettled on a worker": func(t *testing.T, c *closeWithin) (*engine.Engine, *engine.Future[int]) {
			e := mustNew(t, c.hooks())
			c.e = e
			f, err := engine.Submit(t.Context(), e, sleeper(0, 1, nil))
			require.NoError(t, err)
			return e, f
		},
		"OnSettled on the context's watcher": func(t *testing.T, c *closeWithin) (*engine.Engine, *engine.Future[int]) {
			e := mustNew(t, c.hooks())
			c.e = e
			ctx, cancel := context.WithCancel(t.Context())
			f, err := engine.Submit(ctx, e, sleeper(0, 0, errFlaky), engine.Backoff(backoff.Constant(time.Hour)))
			require.NoError(t, err)
			synctest.Wait() // its retry waits
			cancel()
			return e, f
		},
		"OnAttemptEnd at an attempt's timeout": func(t *testing.T, c *closeWithin) (*engine.Engine, *engine.Future[int]) {
			e := mustNew(t, engine.WithHooks(engine.Hooks{OnAttemptEnd: func(engine.AttemptEnd) { c.close() }}))
			c.e = e
			f, err := engine.Submit(t.Context(), e, sleeper(time.Hour, 1, nil), engine.AttemptTimeout(time.Second))
			require.NoError(t, err)
			return e, f
		},
		"OnSettled run by Close": func(t *testing.T, c *closeWithin) (*engine.Engine, *engine.Future[int]) {
			e := mustNew(t, c.hooks())
			c.e = e
			f, err := engine.Submit(t.Context(), e, sleeper(0, 0, errFlaky), engine.Backoff(backoff.Constant(time.Hour)))
			require.NoError(t, err)
			synctest.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			assert.ErrorIs(t, e.Close(ctx), context.DeadlineExceeded, "the first Close settles the call, whose hook closes again")
			return e, f
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCloseWithin()
				e, f := setup(t, c)
				r := <-c.res
				assert.ErrorIs(t, r.err, context.DeadlineExceeded)
				assert.Equal(t, 500*time.Millisecond, r.took, "Close returned when its context ended")
				<-f.Done()
				_, err := engine.Submit(t.Context(), e, sleeper(0, 1, nil))
				assert.ErrorIs(t, err, engine.ErrClosed, "intake stopped")
				require.NoError(t, e.Close(context.Background()), "a Close from outside joins every goroutine")
				assert.Zero(t, e.Stats().Pending)
			})
		})
	}
}

// mustNew starts an engine that the test closes itself.
func mustNew(t *testing.T, opts ...engine.Option) *engine.Engine {
	t.Helper()
	e, err := engine.New(opts...)
	require.NoError(t, err)
	return e
}
