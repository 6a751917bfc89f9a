package recurgrpc_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newEngine starts an engine that the test closes. Unless opts say otherwise, retries wait a
// millisecond: tests against a real server run in real time.
func newEngine(t *testing.T, opts ...engine.Option) *engine.Engine {
	t.Helper()
	opts = append([]engine.Option{engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond)))}, opts...)
	e, err := engine.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close(context.Background())) })
	return e
}
