package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// The context an operation runs under is the call itself (no context of its own per call):
// these tests hold it to what context.WithCancelCause gave before.

// opContext submits an operation that hands its context out and then waits for it to end.
func opContext(t *testing.T, ctx context.Context, e *engine.Engine) (*engine.Future[int], context.Context) {
	t.Helper()
	got := make(chan context.Context, 1)
	f, err := engine.Submit(ctx, e, func(ctx context.Context) (int, error) {
		got <- ctx
		<-ctx.Done()
		return 0, ctx.Err()
	})
	require.NoError(t, err)
	return f, <-got
}

func TestOperationContextCarriesTheCauseOfItsEnd(t *testing.T) {
	userCause := errors.New("user went away")
	deadlineCause := errors.New("budget of the request spent")
	tests := []struct {
		name      string
		end       func(e *engine.Engine, f *engine.Future[int], stopCaller func())
		caller    func(context.Context) (context.Context, func())
		wantErr   error
		wantCause error
	}{
		{"Future.Cancel with a cause", func(_ *engine.Engine, f *engine.Future[int], _ func()) { f.Cancel(userCause) },
			nil, context.Canceled, userCause},
		{"Future.Cancel without one", func(_ *engine.Engine, f *engine.Future[int], _ func()) { f.Cancel(nil) },
			nil, context.Canceled, context.Canceled},
		{"Close gives up waiting", func(e *engine.Engine, _ *engine.Future[int], _ func()) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_ = e.Close(ctx)
		}, nil, context.Canceled, engine.ErrClosed},
		{"caller's context canceled with a cause", func(_ *engine.Engine, _ *engine.Future[int], stop func()) { stop() },
			func(ctx context.Context) (context.Context, func()) {
				ctx, cancel := context.WithCancelCause(ctx)
				return ctx, func() { cancel(userCause) }
			}, context.Canceled, userCause},
		{"caller's deadline passes", func(_ *engine.Engine, _ *engine.Future[int], _ func()) { time.Sleep(time.Hour) },
			func(ctx context.Context) (context.Context, func()) { return context.WithTimeout(ctx, time.Minute) },
			context.DeadlineExceeded, context.DeadlineExceeded},
		{"caller's deadline passes, with a cause", func(_ *engine.Engine, _ *engine.Future[int], _ func()) { time.Sleep(time.Hour) },
			func(ctx context.Context) (context.Context, func()) {
				return context.WithDeadlineCause(ctx, time.Now().Add(time.Minute), deadlineCause)
			}, context.DeadlineExceeded, deadlineCause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, err := engine.New()
				require.NoError(t, err)
				defer e.Close(context.Background())
				ctx, stop := t.Context(), func() {}
				if tt.caller != nil {
					ctx, stop = tt.caller(ctx)
					defer stop()
				}
				f, opCtx := opContext(t, ctx, e)
				assert.NoError(t, opCtx.Err(), "not done while the call runs")
				assert.NoError(t, context.Cause(opCtx))

				tt.end(e, f, stop)
				<-opCtx.Done()
				assert.Equal(t, tt.wantErr, opCtx.Err())
				assert.Equal(t, tt.wantCause, context.Cause(opCtx))
				_, err = f.Await(context.Background())
				assert.ErrorIs(t, err, tt.wantCause, "the Future says the same")
			})
		})
	}
}

func TestOperationContextEndsWhenTheCallSucceeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		var kept context.Context
		v, err := engine.Do(t.Context(), e, func(ctx context.Context) (int, error) {
			kept = ctx
			return 1, nil
		})
		require.NoError(t, err)
		assert.Equal(t, 1, v)
		assert.Equal(t, context.Canceled, kept.Err(), "do not use it after op returns")
		assert.Equal(t, context.Canceled, context.Cause(kept))
	})
}

func TestContextsDerivedInTheOperationEndWithTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		cause := errors.New("stop")
		derived := make(chan context.Context, 1)
		afterRan := make(chan struct{})
		f, err := engine.Submit(t.Context(), e, func(ctx context.Context) (int, error) {
			child, cancel := context.WithCancel(ctx)
			defer cancel()
			timed, cancelTimed := context.WithTimeout(ctx, time.Hour)
			defer cancelTimed()
			context.AfterFunc(ctx, func() { close(afterRan) })
			derived <- child
			<-timed.Done()
			return 0, context.Cause(timed)
		})
		require.NoError(t, err)
		child := <-derived
		synctest.Wait()
		assert.NoError(t, child.Err())

		f.Cancel(cause)
		<-child.Done()
		assert.Equal(t, context.Canceled, child.Err())
		assert.Equal(t, cause, context.Cause(child), "a derived context gets the call's cause")
		<-afterRan // context.AfterFunc works on the operation's context
		synctest.Wait()
		_, err = f.Await(t.Context())
		assert.ErrorIs(t, err, cause)
	})
}

func TestContextDerivedAfterTheCallSettledIsDoneAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		cause := errors.New("stop")
		f, opCtx := opContext(t, t.Context(), e)
		f.Cancel(cause)
		child, cancel := context.WithCancel(opCtx)
		defer cancel()
		assert.Equal(t, context.Canceled, child.Err())
		assert.Equal(t, cause, context.Cause(child))
		ran := make(chan struct{})
		context.AfterFunc(opCtx, func() { close(ran) })
		<-ran
	})
}

func TestOperationContextStopsDerivedContextsItNoLongerNeeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		f, opCtx := opContext(t, t.Context(), e)
		ran := false
		stop := context.AfterFunc(opCtx, func() { ran = true })
		assert.True(t, stop(), "stopped before the call settled")
		assert.False(t, stop(), "stops once")
		f.Cancel(nil)
		synctest.Wait()
		assert.False(t, ran)
	})
}

func TestOperationContextNamesItsParent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		f, opCtx := opContext(t, context.Background(), e)
		defer f.Cancel(nil)
		assert.Equal(t, "context.Background.WithRecurCall", fmt.Sprint(opCtx))
	})
}
