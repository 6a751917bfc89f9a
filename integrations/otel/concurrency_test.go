package recurotel_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	recurotel "github.com/recur-go/recur/integrations/otel"
)

// Calls on many goroutines, retried on the workers, some canceled while they run or wait: every
// call is counted once and every span started is ended (run with -race).
func TestHooksUnderConcurrency(t *testing.T) {
	r := sdkmetric.NewManualReader()
	rec := tracetest.NewSpanRecorder()
	h, err := recurotel.Hooks(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)),
		sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)), recurotel.AttemptSpans())
	require.NoError(t, err)
	e, err := engine.New(engine.WithHooks(h), engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	require.NoError(t, err)

	const goroutines, calls, keys = 8, 100, 5
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				ctx, cancel := context.WithCancel(t.Context())
				if i%7 == 0 {
					time.AfterFunc(time.Duration(i%3)*time.Millisecond, cancel)
				}
				engine.Do(ctx, e, failing(i%3, errDown), engine.Key(fmt.Sprint("k", (g+i)%keys)))
				cancel()
			}
		})
	}
	wg.Wait()
	require.NoError(t, e.Close(context.Background()))
	// A call whose context ended before Do is refused, not admitted: no call, no hooks.
	admitted := e.Stats().Submitted
	assert.Greater(t, admitted, uint64(goroutines*calls*9/10))

	var total int64
	for _, n := range points(t, collect(t, r)["recur.calls"]) {
		total += n
	}
	assert.Equal(t, int64(admitted), total)
	var callSpans int
	for _, s := range rec.Ended() {
		if s.Name() == "recur.call" {
			callSpans++
		}
	}
	assert.Equal(t, int(admitted), callSpans)
	assert.Equal(t, len(rec.Started()), len(rec.Ended()), "every span started has ended")
}
