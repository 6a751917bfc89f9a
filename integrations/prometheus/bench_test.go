package recurprom_test

import (
	"context"
	"testing"

	"github.com/recur-go/recur/engine"
	recurprom "github.com/recur-go/recur/integrations/prometheus"
)

// BenchmarkCall is the cost of one successful keyed call with engine.Do: the engine alone, and
// with a Collector's hooks attached.
func BenchmarkCall(b *testing.B) {
	op := func(context.Context) (int, error) { return 1, nil }
	for _, name := range []string{"engine", "prometheus"} {
		b.Run("with="+name, func(b *testing.B) {
			var opts []engine.Option
			if name == "prometheus" {
				c := recurprom.New()
				opts = append(opts, engine.WithHooks(c.Hooks()))
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
			}
		})
	}
}
