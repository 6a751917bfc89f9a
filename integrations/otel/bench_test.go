package recurotel_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/recur-go/recur/engine"
	recurotel "github.com/recur-go/recur/integrations/otel"
)

// BenchmarkCall is the cost of one successful keyed call with engine.Do: the engine alone, with
// the metric hooks (an SDK meter provider with a reader), and with metrics and spans (every span
// sampled and kept by an in-memory exporter's processor, reset as it goes).
func BenchmarkCall(b *testing.B) {
	op := func(context.Context) (int, error) { return 1, nil }
	for _, name := range []string{"engine", "otel-metrics", "otel-metrics+spans"} {
		b.Run("with="+name, func(b *testing.B) {
			var opts []engine.Option
			var exp *tracetest.InMemoryExporter
			if name != "engine" {
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
				var tp *sdktrace.TracerProvider
				if name == "otel-metrics+spans" {
					exp = tracetest.NewInMemoryExporter()
					tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
				}
				var h engine.Hooks
				var err error
				if tp != nil {
					h, err = recurotel.Hooks(mp, tp)
				} else {
					h, err = recurotel.Hooks(mp, nil)
				}
				if err != nil {
					b.Fatal(err)
				}
				opts = append(opts, engine.WithHooks(h))
			}
			e, err := engine.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.Do(ctx, e, op, engine.Key("inventory")); err != nil {
					b.Fatal(err)
				}
				if exp != nil {
					exp.Reset()
				}
			}
		})
	}
}
