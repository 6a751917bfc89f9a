package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func BenchmarkSubmitAwait(b *testing.B) {
	e, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	ctx := context.Background()
	op := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	for b.Loop() {
		f, err := engine.Submit(ctx, e, op)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Await(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubmitAwaitParallel(b *testing.B) {
	e, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	ctx := context.Background()
	op := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			f, err := engine.Submit(ctx, e, op)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Await(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFanOut runs 10,000 concurrent calls that each fail `retries` times, 1 ms apart,
// then succeed, under a background context and under one cancelable context shared by all
// (a fan-out inside a request). allocs/call must not grow with retries.
func BenchmarkFanOut(b *testing.B) {
	for _, cancelable := range []bool{false, true} {
		for _, retries := range []int{0, 2} {
			b.Run(fmt.Sprintf("ctx=%s/calls=10000/retries=%d", ctxName(cancelable), retries), func(b *testing.B) {
				benchFanOut(b, cancelable, retries)
			})
		}
	}
}

func ctxName(cancelable bool) string {
	if cancelable {
		return "cancelable"
	}
	return "background"
}

func benchContext(cancelable bool) (context.Context, context.CancelFunc) {
	if cancelable {
		return context.WithCancel(context.Background())
	}
	return context.Background(), func() {}
}

func benchFanOut(b *testing.B, cancelable bool, retries int) {
	const calls = 10_000
	e, err := engine.New(engine.WithQueueSize(calls),
		engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond)), engine.MaxAttempts(retries+1)))
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	ctx, cancel := benchContext(cancelable)
	defer cancel()
	ops := make([]func(context.Context) (int, error), calls)
	counts := make([]atomic.Int32, calls)
	fs := make([]*engine.Future[int], calls)
	for i := range ops {
		ops[i] = func(context.Context) (int, error) {
			if int(counts[i].Add(1)) <= retries {
				return 0, errFlaky
			}
			return i, nil
		}
	}
	b.ReportAllocs()
	var allocs uint64
	for b.Loop() {
		for i := range counts {
			counts[i].Store(0)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i, op := range ops {
			if fs[i], err = engine.Submit(ctx, e, op); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := engine.AwaitAll(ctx, fs...); err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		allocs += after.Mallocs - before.Mallocs
	}
	b.ReportMetric(float64(allocs)/float64(b.N*calls), "allocs/call")
}

// BenchmarkWaitingRetryMemory measures the live heap held by each of 100,000 retries waiting
// in the scheduler, Future included, after a GC.
func BenchmarkWaitingRetryMemory(b *testing.B) {
	for _, cancelable := range []bool{false, true} {
		b.Run("ctx="+ctxName(cancelable), func(b *testing.B) { benchWaiting(b, cancelable) })
	}
}

func benchWaiting(b *testing.B, cancelable bool) {
	const calls = 100_000
	fail := func(context.Context) (int, error) { return 0, errFlaky }
	var perRetry float64
	for b.Loop() {
		ctx, cancel := benchContext(cancelable)
		e, err := engine.New(engine.WithQueueSize(calls),
			engine.Defaults(engine.Backoff(backoff.Constant(time.Hour)), engine.MaxAttempts(2)))
		if err != nil {
			b.Fatal(err)
		}
		fs := make([]*engine.Future[int], calls)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range fs {
			if fs[i], err = engine.Submit(ctx, e, fail); err != nil {
				b.Fatal(err)
			}
		}
		for e.Stats().Waiting < calls {
			runtime.Gosched()
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perRetry = float64(after.HeapAlloc-before.HeapAlloc) / calls
		for _, f := range fs {
			f.Cancel(nil)
		}
		cancel()
		e.Close(context.Background())
	}
	b.ReportMetric(perRetry, "B/waiting")
}

// BenchmarkDoFromGoroutines runs 10,000 goroutines that each call Do once, as HTTP handlers or
// an errgroup do: with the first attempt on the caller's goroutine (the default), on workers
// (WithWorkersOnly), and the operation called directly, for scale.
func BenchmarkDoFromGoroutines(b *testing.B) {
	for _, latency := range []time.Duration{0, time.Millisecond} {
		for _, first := range []string{"caller", "workers", "direct"} {
			b.Run(fmt.Sprintf("op=%v/first=%s", latency, first), func(b *testing.B) {
				benchDoFromGoroutines(b, latency, first)
			})
		}
	}
}

func benchDoFromGoroutines(b *testing.B, latency time.Duration, first string) {
	const callers = 10_000
	var opts []engine.Option
	if first == "workers" {
		opts = append(opts, engine.WithWorkersOnly())
	}
	e, err := engine.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	op := func(context.Context) (int, error) {
		if latency > 0 {
			time.Sleep(latency)
		}
		return 1, nil
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if first == "direct" {
					_, _ = op(ctx)
					return
				}
				if _, err := engine.Do(ctx, e, op); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
}
