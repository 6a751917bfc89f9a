package recurotel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	recurotel "github.com/recur-go/recur/integrations/otel"
)

// An engine's calls recorded as metrics and spans: one call that succeeds after a retry, under
// the span of the request that made it.
func Example() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	hooks, err := recurotel.Hooks(mp, tp)
	if err != nil {
		panic(err)
	}
	e, err := engine.New(engine.WithHooks(hooks), engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	if err != nil {
		panic(err)
	}
	defer e.Close(context.Background())

	ctx, request := tp.Tracer("app").Start(context.Background(), "GET /order")
	attempt := 0
	_, err = engine.Do(ctx, e, func(context.Context) (string, error) {
		if attempt++; attempt == 1 {
			return "", errors.New("unavailable")
		}
		return "order 42", nil
	}, engine.Name("inventory.Reserve"), engine.Key("inventory"))
	request.End()
	fmt.Println("call:", err)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			for _, dp := range sum.DataPoints {
				lines = append(lines, fmt.Sprint(m.Name, " ", dp.Attributes.Encoded(attribute.DefaultEncoder()), " ", dp.Value))
			}
		}
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	call := spans.Ended()[0]
	fmt.Println("span:", call.Name(), "child of", call.Parent().SpanID() == request.SpanContext().SpanID())
	for _, ev := range call.Events() {
		fmt.Println("  event:", ev.Name)
	}
	// Output:
	// call: <nil>
	// recur.attempts recur.attempt.result=error,recur.key=inventory 1
	// recur.attempts recur.attempt.result=ok,recur.key=inventory 1
	// recur.calls recur.key=inventory,recur.outcome=success 1
	// recur.retries recur.key=inventory 1
	// span: inventory.Reserve child of true
	//   event: recur.attempt
	//   event: recur.retry
	//   event: recur.attempt
}
