// Command example runs a fan-out of calls to four flaky dependencies through one engine, with
// OpenTelemetry (metrics and spans) and Prometheus attached, and prints what each saw.
//
//	go run ./integrations/example
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	recurotel "github.com/recur-go/recur/integrations/otel"
	recurprom "github.com/recur-go/recur/integrations/prometheus"
)

func main() {
	if err := run(os.Stdout, 2000); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// dependencies are the keys of the fan-out, each with its own failure rate (in percent of
// attempts) and share of requests it rejects for good.
var dependencies = []struct {
	key               string
	failing, rejected int
}{{"inventory", 10, 0}, {"pricing", 30, 0}, {"reviews", 5, 5}, {"search", 60, 0}}

// run makes calls calls, spread over the dependencies, and prints what the adapters recorded.
func run(w io.Writer, calls int) error {
	// OpenTelemetry: an SDK meter provider read by hand, and a tracer provider whose spans are
	// kept in memory. A program would give them exporters instead.
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	otelHooks, err := recurotel.Hooks(mp, tp)
	if err != nil {
		return err
	}
	// Prometheus: a collector in a registry of its own, scraped over HTTP.
	prom := recurprom.New()

	e, err := engine.New(engine.WithHooks(otelHooks), engine.WithHooks(prom.Hooks()), engine.WithKeyStats(),
		engine.Defaults(engine.Backoff(backoff.FullJitter(backoff.Exponential(2*time.Millisecond, 2)))))
	if err != nil {
		return err
	}
	defer e.Close(context.Background())
	prom.Observe(e)
	reg := prometheus.NewRegistry()
	if err := reg.Register(prom); err != nil {
		return err
	}
	gauges, err := recurotel.ObserveEngine(e, mp)
	if err != nil {
		return err
	}
	defer gauges.Unregister()

	ctx, request := tp.Tracer("example").Start(context.Background(), "fan-out")
	start := time.Now()
	fanOut(ctx, e, calls)
	request.End()
	fmt.Fprintf(w, "%d calls in %v\n", calls, time.Since(start).Round(10*time.Millisecond))

	if err := printOTel(w, reader, spans); err != nil {
		return err
	}
	return printProm(w, reg)
}

var errUnavailable = errors.New("unavailable")

// roll returns a number in [0, 100) that looks random but depends only on the call and the
// attempt: a few rounds of a 64-bit mix (splitmix64's finalizer).
func roll(call, attempt int) int {
	h := uint64(call)<<8 | uint64(attempt)
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return int(h % 100)
}

// fanOut submits every call at once and awaits them all. Whether an attempt fails depends only
// on the call and the attempt number, so the counts are the same on every run.
func fanOut(ctx context.Context, e *engine.Engine, calls int) {
	var wg sync.WaitGroup
	for i := range calls {
		dep := dependencies[i%len(dependencies)]
		f, err := engine.Submit(ctx, e, func(actx context.Context) (int, error) {
			time.Sleep(time.Millisecond) // the network
			a, _ := engine.AttemptOf(actx)
			switch roll := roll(i, a.Number); {
			case roll < dep.rejected:
				return 0, engine.Permanent(errors.New("rejected"))
			case roll < dep.rejected+dep.failing:
				return 0, errUnavailable
			}
			return i, nil
		}, engine.Key(dep.key), engine.Name("fetch "+dep.key))
		if err != nil {
			continue
		}
		wg.Go(func() { f.Await(ctx) })
	}
	wg.Wait()
}
