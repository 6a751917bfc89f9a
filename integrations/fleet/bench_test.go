package fleet_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/fleet"
)

// BenchmarkHotPath is the cost per call of the budget on the engine's hot path, local against
// fleet: a call that succeeds (a deposit) and one that fails once and is retried (a deposit and a
// withdrawal, from a lease). Redis commands per 1,000 calls are reported too.
func BenchmarkHotPath(b *testing.B) {
	s := startRedis(b)
	for _, mode := range []string{"local", "fleet"} {
		for _, retry := range []bool{false, true} {
			name := "mode=" + mode + "/call=ok"
			if retry {
				name = "mode=" + mode + "/call=retry"
			}
			b.Run(name, func(b *testing.B) {
				var budget engine.RetryBudget
				var f *fleet.Fleet
				if mode == "fleet" {
					f = newFleet(b, s, fleet.Options{Namespace: "bench-" + b.Name(), Ratio: 1, MinPerSecond: 1000, Capacity: 1000})
					budget = f.Budget()
				} else {
					budget, _ = engine.NewBudget(1, 1000, 1000)
				}
				e, err := engine.New(engine.WithBudget(budget), engine.Defaults(engine.MaxAttempts(2), engine.Backoff(backoff.Constant(0))))
				if err != nil {
					b.Fatal(err)
				}
				defer func() { _ = e.Close(context.Background()) }()
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					op := okOp
					if retry {
						op = flaky()
					}
					_, _ = engine.Do(ctx, e, op)
				}
				if f != nil {
					b.ReportMetric(1000*float64(f.Stats().Ops)/float64(b.N), "redis-cmds/1000calls")
				}
			})
		}
	}
}

func okOp(context.Context) (int, error) { return 1, nil }

// flaky fails every call's first attempt and lets its second through.
func flaky() func(context.Context) (int, error) {
	var n atomic.Int32
	return func(context.Context) (int, error) {
		if n.Add(1) == 1 {
			return 0, errDown
		}
		return 1, nil
	}
}
