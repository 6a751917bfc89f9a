package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/recur-go/recur/engine"
)

// BenchmarkSubmitWave submits a wave of 10,000 calls whose operation sleeps 1 or 10 ms, and
// waits for the last: on a new engine (every call starts a worker: the harness's latency
// scenarios), on an engine whose workers idle from the wave before, and as one goroutine per
// call, for scale. The 10 ms wave on a new engine is where recur trails the goroutines most; run
// it with GOGC=off to see how much of that is the collector scanning 10,000 stacks.
func BenchmarkSubmitWave(b *testing.B) {
	const calls = 10_000
	for _, d := range []time.Duration{time.Millisecond, 10 * time.Millisecond} {
		op := func(context.Context) (struct{}, error) { time.Sleep(d); return struct{}{}, nil }
		fs := make([]*engine.Future[struct{}], calls)
		wave := func(b *testing.B, e *engine.Engine) {
			for i := range fs {
				f, err := engine.Submit(context.Background(), e, op)
				if err != nil {
					b.Fatal(err)
				}
				fs[i] = f
			}
			if _, err := engine.AwaitAll(context.Background(), fs...); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("op="+d.String()+"/engine=new", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				e, err := engine.New()
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				wave(b, e)
				b.StopTimer()
				e.Close(context.Background())
				b.StartTimer()
			}
		})
		b.Run("op="+d.String()+"/engine=warm", func(b *testing.B) {
			e, err := engine.New()
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			b.ReportAllocs()
			for b.Loop() {
				wave(b, e)
			}
		})
		b.Run("op="+d.String()+"/goroutines", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var wg sync.WaitGroup
				for range calls {
					wg.Go(func() { op(context.Background()) })
				}
				wg.Wait()
			}
		})
	}
}
