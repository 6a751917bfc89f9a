package breaker

import (
	"fmt"
	"testing"
	"time"
)

var benchRules = []struct {
	name string
	opts []Option
}{
	{"consecutive", []Option{ConsecutiveFailures(5)}},
	{"failure-ratio", []Option{FailureRatio(0.5, 100, 20)}},
	{"failure-ratio-over", []Option{FailureRatioOver(0.5, 10*time.Second, 10, 20)}},
	{"slow-calls", []Option{SlowCalls(time.Second, 0.5, 100, 20)}},
	{"all", []Option{
		ConsecutiveFailures(5), FailureRatio(0.5, 100, 20),
		FailureRatioOver(0.5, 10*time.Second, 10, 20), SlowCalls(time.Second, 0.5, 100, 20),
	}},
}

// BenchmarkAdmitReport measures one call through a closed breaker: Admit,
// then Report. With failures=1in10 every tenth call fails, which is not
// enough to trip any rule here but takes the failure path.
func BenchmarkAdmitReport(b *testing.B) {
	for _, rule := range benchRules {
		for _, every := range []struct {
			name string
			n    int
		}{{"0", 0}, {"1in10", 10}} {
			outcome := func(i int) Outcome {
				if every.n > 0 && i%every.n == 0 {
					return Failure
				}
				return Success
			}
			b.Run("rule="+rule.name+"/failures="+every.name+"/mode=serial", func(b *testing.B) {
				br := newBreaker(b, rule.opts...)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					t, _ := br.Admit()
					br.Report(t, outcome(i), time.Millisecond)
					i++
				}
				mustBeClosed(b, br)
			})
			b.Run("rule="+rule.name+"/failures="+every.name+"/mode=parallel", func(b *testing.B) {
				br := newBreaker(b, rule.opts...)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					i := 1 // so that parallel goroutines do not all fail on their first call
					for pb.Next() {
						t, _ := br.Admit()
						br.Report(t, outcome(i), time.Millisecond)
						i++
					}
				})
				mustBeClosed(b, br)
			})
		}
	}
}

// BenchmarkAdmitOpen measures the rejection of a call by an open breaker,
// which reads the clock to see whether the open duration has passed.
func BenchmarkAdmitOpen(b *testing.B) {
	open := func(b *testing.B) *Breaker {
		br := newBreaker(b, ConsecutiveFailures(1), OpenFor(time.Hour))
		t, _ := br.Admit()
		br.Report(t, Failure, 0)
		b.ReportAllocs()
		return br
	}
	b.Run("mode=serial", func(b *testing.B) {
		br := open(b)
		for b.Loop() {
			if _, err := br.Admit(); err == nil {
				b.Fatal("admitted")
			}
		}
	})
	b.Run("mode=parallel", func(b *testing.B) {
		br := open(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := br.Admit(); err == nil {
					panic("admitted")
				}
			}
		})
	})
}

// BenchmarkState measures reading the state of a closed breaker.
func BenchmarkState(b *testing.B) {
	br := newBreaker(b)
	b.ReportAllocs()
	for b.Loop() {
		if br.State() != Closed {
			b.Fatal("not closed")
		}
	}
}

func mustBeClosed(b *testing.B, br *Breaker) {
	if s := br.State(); s != Closed {
		b.Fatalf("the benchmark tripped the breaker: %v", s)
	}
}

// BenchmarkStateChange measures a pair of state changes (force open, reset),
// with and without a callback to deliver them to. A change costs one small
// allocation when there is a callback, for its place in the delivery queue.
func BenchmarkStateChange(b *testing.B) {
	for _, callbacks := range []int{0, 1} {
		b.Run(fmt.Sprintf("callbacks=%d", callbacks), func(b *testing.B) {
			var opts []Option
			n := 0
			for range callbacks {
				opts = append(opts, OnStateChange(func(from, to State) { n++ }))
			}
			br := newBreaker(b, opts...)
			b.ReportAllocs()
			for b.Loop() {
				br.ForceOpen()
				br.Reset()
			}
			if callbacks > 0 && n == 0 {
				b.Fatal("no change delivered")
			}
		})
	}
}
