package engine_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// TestNilContextIsAnErrorNotAPanic gives a nil context to every function that takes one from a
// caller: each returns an error that says so, as the standard library's context does for a nil
// parent, instead of a nil dereference (for Await, on a pending Future, inside the wait).
func TestNilContextIsAnErrorNotAPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const want = "engine: nil Context"
		var nilCtx context.Context // a variable: staticcheck (SA1012) rejects a literal nil
		e := newEngine(t)
		op := sleeper(0, 1, nil)

		f, err := engine.Submit(nilCtx, e, op)
		assert.EqualError(t, err, want, "Submit")
		assert.Nil(t, f)
		f, err = engine.TrySubmit(nilCtx, e, op)
		assert.EqualError(t, err, want, "TrySubmit")
		assert.Nil(t, f)
		_, err = engine.Do(nilCtx, e, op)
		assert.EqualError(t, err, want, "Do")
		_, err = engine.Wrap(e, op)(nilCtx)
		assert.EqualError(t, err, want, "Wrap")
		assert.Zero(t, e.Stats().Submitted, "nothing was admitted")

		pending, err := engine.Submit(t.Context(), e, sleeper(1, 2, nil))
		require.NoError(t, err)
		_, err = pending.Await(nilCtx)
		assert.EqualError(t, err, want, "Await on a pending Future")
		_, err = engine.AwaitAll(nilCtx, pending)
		assert.EqualError(t, err, want, "AwaitAll")
		n := 0
		for f, err := range engine.Completed(nilCtx, pending, pending) {
			assert.Same(t, pending, f)
			assert.EqualError(t, err, want, "Completed yields what Await would return")
			n++
		}
		assert.Equal(t, 2, n)

		<-pending.Done()
		_, err = pending.Await(nilCtx)
		assert.EqualError(t, err, want, "Await on a settled Future: a nil Context is a mistake whenever it is made")
	})
}

// TestNilEngineIsAnErrorNotAPanic: a nil *Engine given to Submit, TrySubmit, Do or Wrap is an
// error that says so, not a nil dereference.
func TestNilEngineIsAnErrorNotAPanic(t *testing.T) {
	const want = "engine: nil *Engine"
	var e *engine.Engine
	op := sleeper(0, 1, nil)
	f, err := engine.Submit(t.Context(), e, op)
	assert.EqualError(t, err, want, "Submit")
	assert.Nil(t, f)
	f, err = engine.TrySubmit(t.Context(), e, op)
	assert.EqualError(t, err, want, "TrySubmit")
	assert.Nil(t, f)
	_, err = engine.Do(t.Context(), e, op)
	assert.EqualError(t, err, want, "Do")
	_, err = engine.Wrap(e, op)(t.Context())
	assert.EqualError(t, err, want, "Wrap")
}
