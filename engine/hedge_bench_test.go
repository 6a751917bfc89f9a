package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/recur-go/recur/engine"
)

// BenchmarkHedgedDo measures what hedging adds to a call: a plain Do, a hedged one whose first
// attempt answers before its hedge is due (the common case), and one whose first attempt hangs
// until a hedge wins and it is canceled.
func BenchmarkHedgedDo(b *testing.B) {
	fast := func(context.Context) (int, error) { return 1, nil }
	slowFirst := func(ctx context.Context) (int, error) {
		if a, _ := engine.AttemptOf(ctx); a.Number == 1 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 2, nil
	}
	for _, bc := range []struct {
		name string
		op   func(context.Context) (int, error)
		opts []engine.CallOption
	}{
		{"plain", fast, nil},
		{"hedged/first-answers", fast, []engine.CallOption{engine.Hedge(time.Second, 1)}},
		{"quantile/first-answers", fast, []engine.CallOption{engine.HedgeQuantile(0.95, 1, time.Second)}},
		{"hedged/hedge-wins", slowFirst, []engine.CallOption{engine.Hedge(10*time.Microsecond, 1)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := engine.New()
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.Do(ctx, e, bc.op, bc.opts...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
