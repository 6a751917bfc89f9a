package recurotel_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	recurotel "github.com/recur-go/recur/integrations/otel"
	"github.com/recur-go/recur/recurtest"
)

// newTraced returns a recorder of the spans of an engine made in the test's bubble (breakers
// open after two failures in a row, retries wait a second), and a tracer of its own to make
// the callers' spans with.
func newTraced(t *testing.T, opts ...recurotel.Option) (*tracetest.SpanRecorder, *engine.Engine, *sdktrace.TracerProvider) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h, err := recurotel.Hooks(nil, tp, opts...)
	require.NoError(t, err)
	e := recurtest.New(t, engine.WithHooks(h),
		engine.WithBreaker(breaker.ConsecutiveFailures(2), breaker.OpenFor(time.Minute)),
		engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
	return rec, e, tp
}

// attrsOf returns kvs as a map of emitted values.
func attrsOf(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

func eventNames(s sdktrace.ReadOnlySpan) []string {
	var names []string
	for _, ev := range s.Events() {
		names = append(names, ev.Name)
	}
	return names
}

func TestSpanPerCallUnderTheCallersSpan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec, e, tp := newTraced(t)
		ctx, parent := tp.Tracer("test").Start(t.Context(), "request")
		start := time.Now()
		fourCalls(ctx, t, e)
		parent.End()

		ended := rec.Ended()
		require.Len(t, ended, 5) // four calls, then the request
		for _, s := range ended[:4] {
			assert.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID(), s.Name())
			assert.Equal(t, parent.SpanContext().TraceID(), s.SpanContext().TraceID())
		}

		retried := ended[1]
		assert.Equal(t, "fetch", retried.Name())
		assert.Equal(t, []string{"recur.attempt", "recur.retry", "recur.attempt"}, eventNames(retried))
		assert.Equal(t, map[string]string{"recur.key": "a", "recur.attempts": "2", "recur.outcome": "success"},
			attrsOf(retried.Attributes()))
		assert.Equal(t, codes.Unset, retried.Status().Code)
		// The span covers the call in fake time: 10ms, a 1s wait, 10ms.
		assert.Equal(t, 1020*time.Millisecond, retried.EndTime().Sub(retried.StartTime()))
		assert.Equal(t, start.Add(10*time.Millisecond), retried.StartTime())
		first := attrsOf(retried.Events()[0].Attributes)
		assert.Equal(t, map[string]string{"recur.attempt": "1", "recur.attempt.result": "error",
			"recur.attempt.duration": "0.01", "recur.decision": "retry", "exception.message": "down"}, first)
		assert.Equal(t, map[string]string{"recur.attempt": "2", "recur.retry.delay": "1"},
			attrsOf(retried.Events()[1].Attributes))

		plain := ended[0]
		assert.Equal(t, "recur.call", plain.Name())

		refused := ended[3]
		assert.Equal(t, codes.Error, refused.Status().Code)
		assert.Contains(t, refused.Status().Description, "breaker open")
		assert.Equal(t, "breaker_open", attrsOf(refused.Attributes())["error.type"])
		assert.Equal(t, []string{"recur.attempt", "recur.retry", "recur.attempt", "recur.breaker.open"}, eventNames(refused))

		assert.Equal(t, "permanent", attrsOf(ended[2].Attributes())["recur.outcome"])
	})
}

func TestAttemptSpans(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec, e, _ := newTraced(t, recurotel.AttemptSpans())
		_, err := engine.Do(t.Context(), e, failing(1, errDown), engine.Name("fetch"))
		require.NoError(t, err)

		ended := rec.Ended()
		require.Len(t, ended, 3)
		call := ended[2]
		assert.Equal(t, "fetch", call.Name())
		for i, a := range ended[:2] {
			assert.Equal(t, "recur.attempt", a.Name())
			assert.Equal(t, call.SpanContext().SpanID(), a.Parent().SpanID())
			assert.Equal(t, 10*time.Millisecond, a.EndTime().Sub(a.StartTime()))
			assert.Equal(t, map[string]string{"recur.attempt": []string{"1", "2"}[i],
				"recur.attempt.result": []string{"error", "ok"}[i], "recur.attempt.duration": "0.01",
				"recur.decision": []string{"retry", "accept"}[i]}, without(attrsOf(a.Attributes()), "exception.message"))
		}
		assert.Equal(t, codes.Error, ended[0].Status().Code)
	})
}

func without(m map[string]string, key string) map[string]string {
	delete(m, key)
	return m
}

// A call canceled while its retry waits ends its span at once, with the wait in it.
func TestSpanOfACanceledCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec, e, _ := newTraced(t, recurotel.AttemptSpans())
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(500*time.Millisecond, cancel)
		_, err := engine.Do(ctx, e, failing(5, errDown))
		require.ErrorIs(t, err, engine.ErrCanceled)

		ended := rec.Ended()
		require.Len(t, ended, 2) // the attempt, then the call
		assert.Equal(t, "canceled", attrsOf(ended[1].Attributes())["recur.outcome"])
		assert.Equal(t, 500*time.Millisecond, ended[1].EndTime().Sub(ended[1].StartTime()))
	})
}

// A call that never started an attempt still has a span: from its submission to its end.
func TestSpanOfACallThatNeverRan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := tracetest.NewSpanRecorder()
		h, err := recurotel.Hooks(nil, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
		require.NoError(t, err)
		// One worker: a second call waits in the queue while the first runs.
		e := recurtest.New(t, engine.WithHooks(h), engine.WithMaxConcurrency(1))
		busy, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) {
			time.Sleep(time.Second)
			return 1, nil
		})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		queued, err := engine.Submit(ctx, e, failing(0, nil), engine.Name("queued"))
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
		cancel()
		_, err = queued.Await(t.Context())
		require.ErrorIs(t, err, engine.ErrCanceled)
		_, err = busy.Await(t.Context())
		require.NoError(t, err)

		ended := rec.Ended()
		require.Len(t, ended, 2)
		assert.Equal(t, "queued", ended[0].Name())
		assert.Equal(t, map[string]string{"recur.key": "", "recur.attempts": "0", "recur.outcome": "canceled",
			"error.type": "canceled"}, attrsOf(ended[0].Attributes()))
		assert.Equal(t, 100*time.Millisecond, ended[0].EndTime().Sub(ended[0].StartTime()))
	})
}

func TestSpanOfACallThatFellBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec, e, _ := newTraced(t)
		v, err := engine.Do(t.Context(), e, failing(5, errDown), engine.MaxAttempts(2),
			engine.Fallback(func(context.Context, error) (int, error) { return -1, nil }))
		require.NoError(t, err)
		assert.Equal(t, -1, v)

		ended := rec.Ended()
		require.Len(t, ended, 1)
		attrs := attrsOf(ended[0].Attributes())
		assert.Equal(t, "exhausted", attrs["recur.outcome"])
		assert.Equal(t, "true", attrs["recur.fallback"])
		assert.Equal(t, codes.Error, ended[0].Status().Code, "the failure stays visible")
	})
}
