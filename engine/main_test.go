package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newEngine starts an engine that the test closes (inside the synctest bubble, if any).
func newEngine(t *testing.T, opts ...engine.Option) *engine.Engine {
	t.Helper()
	e, err := engine.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close(context.Background())) })
	return e
}

// failing returns an operation that fails its first n attempts with err, then returns v.
func failing[T any](n int, err error, v T) (op func(context.Context) (T, error), calls *int) {
	calls = new(int)
	return func(context.Context) (T, error) {
		*calls++
		if *calls <= n {
			var zero T
			return zero, err
		}
		return v, nil
	}, calls
}
