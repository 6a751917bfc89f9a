package backoff_test

import (
	"testing"
	"time"

	"github.com/recur-go/recur/backoff"
)

var sink time.Duration

// BenchmarkDelay measures one Delay call of every strategy, through the
// Strategy interface as the engine makes it, at a typical retry number (n=5)
// and a huge one (n=1e6, saturated or past the exponential table).
func BenchmarkDelay(b *testing.B) {
	exp := backoff.Exponential(100*time.Millisecond, 2)
	strategies := []struct {
		name string
		s    backoff.Strategy
	}{
		{"Immediate", backoff.Immediate()},
		{"Constant", backoff.Constant(time.Second)},
		{"Linear", backoff.Linear(time.Second, time.Second)},
		{"Exponential", exp},
		{"ExponentialSlowGrowth", backoff.Exponential(time.Millisecond, 1.00001)}, // n=1e6 is past the table, unsaturated (22s)
		{"FullJitter", backoff.FullJitter(exp)},
		{"EqualJitter", backoff.EqualJitter(exp)},
		{"ProportionalJitter", backoff.ProportionalJitter(exp, 0.2)},
		{"Decorrelated", backoff.Decorrelated(100*time.Millisecond, time.Minute)},
		{"Capped", backoff.Capped(exp, time.Minute)},
		{"Default", backoff.Default()},
		{"Adaptive", observed(backoff.NewAdaptive(exp))},
		{"CappedJitterAdaptive", backoff.Capped(backoff.FullJitter(observed(backoff.NewAdaptive(exp))), time.Minute)},
		{"Func", backoff.Func(func(n int, _ time.Duration) time.Duration { return time.Duration(n) * time.Second })},
	}
	for _, tc := range strategies {
		for _, n := range []int{5, 1_000_000} {
			b.Run("strategy="+tc.name+"/n="+map[int]string{5: "5", 1_000_000: "1e6"}[n], func(b *testing.B) {
				b.ReportAllocs()
				s, prev := tc.s, 2*time.Second
				for b.Loop() {
					sink = s.Delay(n, prev)
				}
			})
		}
	}
}

// observed gives an Adaptive a success rate below 1, so Delay takes the
// scaling path rather than the shortcut for a perfect record.
func observed(a *backoff.Adaptive) *backoff.Adaptive {
	a.Observe(false)
	return a
}

// BenchmarkAdaptiveObserve measures the lock-free update of the success
// rate, alone and contended by every CPU.
func BenchmarkAdaptiveObserve(b *testing.B) {
	b.Run("goroutines=1", func(b *testing.B) {
		b.ReportAllocs()
		a := backoff.NewAdaptive(backoff.Constant(time.Second))
		success := false
		for b.Loop() {
			a.Observe(success)
			success = !success
		}
	})
	b.Run("goroutines=GOMAXPROCS", func(b *testing.B) {
		b.ReportAllocs()
		a := backoff.NewAdaptive(backoff.Constant(time.Second))
		b.RunParallel(func(pb *testing.PB) {
			success := false
			for pb.Next() {
				a.Observe(success)
				success = !success
			}
		})
	})
}
