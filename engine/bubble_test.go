package engine_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// An engine made outside a synctest bubble and used inside one used to abort the test binary
// ("fatal error: send on synctest channel from outside bubble", from the engine's dispatcher):
// the caller now gets ErrCrossBubble, with what to do, before anything crosses over.
func TestEngineMadeOutsideABubbleRefusesCallsFromInside(t *testing.T) {
	e := newEngine(t) // closed outside the bubble, where it was made
	op := func(context.Context) (int, error) { return 1, nil }
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		f, err := engine.Submit(ctx, e, op)
		require.ErrorIs(t, err, engine.ErrCrossBubble)
		assert.Nil(t, f)
		assert.ErrorContains(t, err, "created outside a bubble, used inside one")
		assert.ErrorContains(t, err, "recurtest.New")
		_, err = engine.TrySubmit(ctx, e, op)
		assert.ErrorIs(t, err, engine.ErrCrossBubble, "TrySubmit")
		_, err = engine.Do(ctx, e, op)
		assert.ErrorIs(t, err, engine.ErrCrossBubble, "Do")
		_, err = engine.Wrap(e, op)(ctx)
		assert.ErrorIs(t, err, engine.ErrCrossBubble, "Wrap")
		assert.ErrorIs(t, e.Close(ctx), engine.ErrCrossBubble, "Close")
	})
	// Nothing crossed over: the engine still serves its own side and closes there.
	v, err := engine.Do(context.Background(), e, op)
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	s := e.Stats()
	assert.Equal(t, uint64(1), s.Submitted)
	assert.Equal(t, uint64(4), s.Rejected)
}

func TestEngineMadeInsideABubbleRefusesCallsFromOutside(t *testing.T) {
	engines := make(chan *engine.Engine)
	errs := make(chan error, 2)
	go func() { // outside the bubble
		e := <-engines
		_, err := engine.Submit(context.Background(), e, func(context.Context) (int, error) { return 1, nil })
		errs <- err
		errs <- e.Close(context.Background())
	}()
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		engines <- e
		err = <-errs
		require.ErrorIs(t, err, engine.ErrCrossBubble, "Submit")
		assert.ErrorContains(t, err, "created inside a bubble, used outside it")
		assert.ErrorIs(t, <-errs, engine.ErrCrossBubble, "Close")
		v, err := engine.Do(context.Background(), e, func(context.Context) (int, error) { return 2, nil })
		require.NoError(t, err, "the engine still serves its bubble")
		assert.Equal(t, 2, v)
		require.NoError(t, e.Close(context.Background()))
	})
}
