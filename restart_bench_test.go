package recur

import (
	"context"
	"testing"

	"github.com/recur-go/recur/engine"
)

// BenchmarkRestart is what an idle period costs the next call: an engine started and closed.
func BenchmarkRestart(b *testing.B) {
	for b.Loop() {
		e, err := engine.New(engineOptions...)
		if err != nil {
			b.Fatal(err)
		}
		_ = e.Close(context.Background())
	}
}

// BenchmarkDo is a call on the running shared engine.
func BenchmarkDo(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Do(ctx, one); err != nil {
			b.Fatal(err)
		}
	}
}
