package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

// BenchmarkBatch runs 10,000 calls that each fail `retries` times, 1 ms apart, then succeed,
// three ways on one engine with default options: a loop of Submit calls (each binding its
// input in a closure, as a caller writes it) and AwaitAll, SubmitAll and AwaitAll, and a Map
// loop. op=instant calls return at once, which shows the engine's own cost; op=1-100ms calls
// wait on a timer for 1 to 100 ms per attempt, as network calls do. allocs/call counts every
// allocation of the batch, the engine's included, divided by its calls.
func BenchmarkBatch(b *testing.B) {
	type load struct {
		op      string
		latency func(i int) time.Duration
	}
	loads := []load{
		{"instant", func(int) time.Duration { return 0 }},
		{"1-100ms", func(i int) time.Duration { return time.Duration(1+i*37%100) * time.Millisecond }},
	}
	for _, l := range loads {
		for _, cancelable := range []bool{false, true} {
			for _, retries := range []int{0, 2} {
				if l.op != "instant" && (cancelable || retries == 0) {
					continue // one latency case: a few seconds a run
				}
				for _, api := range []string{"submit", "submitall", "map"} {
					name := fmt.Sprintf("op=%s/ctx=%s/retries=%d/api=%s", l.op, ctxName(cancelable), retries, api)
					b.Run(name, func(b *testing.B) { benchBatch(b, api, cancelable, retries, l.latency) })
				}
			}
		}
	}
}

func benchBatch(b *testing.B, api string, cancelable bool, retries int, latency func(int) time.Duration) {
	const calls = 10_000
	e, err := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond)), engine.MaxAttempts(retries+1)))
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	ctx, cancel := benchContext(cancelable)
	defer cancel()
	in := make([]int, calls)
	counts := make([]atomic.Int32, calls)
	for i := range in {
		in[i] = i
	}
	op := func(_ context.Context, i int) (int, error) {
		if d := latency(i); d > 0 {
			time.Sleep(d)
		}
		if int(counts[i].Add(1)) <= retries {
			return 0, errFlaky
		}
		return i, nil
	}
	run := map[string]func() error{
		"submit": func() error {
			fs := make([]*engine.Future[int], calls)
			for i := range in {
				f, err := engine.Submit(ctx, e, func(ctx context.Context) (int, error) { return op(ctx, i) })
				if err != nil {
					return err
				}
				fs[i] = f
			}
			_, err := engine.AwaitAll(ctx, fs...)
			return err
		},
		"submitall": func() error {
			ops := make([]func(context.Context) (int, error), calls)
			for i := range ops {
				ops[i] = func(ctx context.Context) (int, error) { return op(ctx, i) }
			}
			fs, err := engine.SubmitAll(ctx, e, ops)
			if err != nil {
				return err
			}
			_, err = engine.AwaitAll(ctx, fs...)
			return err
		},
		"map": func() error {
			for _, r := range engine.Map(ctx, e, in, op) {
				if r.Err != nil {
					return r.Err
				}
			}
			return nil
		},
	}[api]
	b.ReportAllocs()
	var allocs uint64
	for b.Loop() {
		for i := range counts {
			counts[i].Store(0)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := run(); err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		allocs += after.Mallocs - before.Mallocs
	}
	b.ReportMetric(float64(allocs)/float64(b.N*calls), "allocs/call")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*calls), "ns/call")
}

// BenchmarkDecorator calls a function of one argument through the engine, immediate success:
// Wrap over a closure that binds the argument, as a caller without Wrap1 writes it, and Wrap1.
func BenchmarkDecorator(b *testing.B) {
	e, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	ctx := context.Background()
	square := func(_ context.Context, n int) (int, error) { return n * n, nil }
	b.Run("form=wrap-closure", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			f := engine.Wrap(e, func(ctx context.Context) (int, error) { return square(ctx, n) })
			if _, err := f(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("form=wrap1", func(b *testing.B) {
		f := engine.Wrap1(e, square)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n++
			if _, err := f(ctx, n); err != nil {
				b.Fatal(err)
			}
		}
	})
}
