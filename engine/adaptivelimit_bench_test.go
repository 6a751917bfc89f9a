package engine_test

import (
	"context"
	"testing"

	"github.com/recur-go/recur/engine"
)

// BenchmarkKeyedSlots is the price of a slot per call: a fixed bulkhead's, and an adaptive
// limit's, which also times each attempt, judges its health and teaches the key's limit.
func BenchmarkKeyedSlots(b *testing.B) {
	for _, tc := range []struct {
		name string
		opt  engine.Option
	}{
		{"bulkhead", engine.WithBulkhead(64, 1024)},
		{"adaptive", engine.WithAdaptiveLimit(engine.AdaptiveLimit{Initial: 64, Queue: 1024})},
	} {
		b.Run("limit="+tc.name, func(b *testing.B) {
			e, err := engine.New(tc.opt)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(context.Background())
			ctx := context.Background()
			op := func(context.Context) (int, error) { return 1, nil }
			b.ReportAllocs()
			for b.Loop() {
				if _, err := engine.Do(ctx, e, op, engine.Key("k")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
