package bench

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// The benchmarks measure the scenarios of cmd/compare one contender at a time, for benchstat:
//
//	go test -run '^$' -bench . -count 6 ./bench | tee new.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /contender new.txt
//
// Batch benchmarks report the batch's wall time as ns/batch (ns/op also counts making and
// closing the contender) and the harness's other metrics beside it.

func BenchmarkFanOut(b *testing.B) {
	const calls = 10_000
	for _, k := range []int{0, 2} {
		for _, delay := range []time.Duration{0, time.Millisecond} {
			for _, ctx := range []string{"background", "cancelable"} {
				for _, c := range RetrierContenders() {
					b.Run(fmt.Sprintf("k=%d/delay=%v/ctx=%s/contender=%s", k, delay, ctx, c.Name), func(b *testing.B) {
						benchBatch(b, c, Policy{Attempts: k + 1, Delay: delay}, newFlaky(calls, k), ctx == "cancelable")
					})
				}
			}
		}
	}
}

func BenchmarkScaling(b *testing.B) {
	for _, n := range FullSizes.ScalingCalls {
		for _, c := range RetrierContenders() {
			b.Run(fmt.Sprintf("n=%d/contender=%s", n, c.Name), func(b *testing.B) {
				benchBatch(b, c, Policy{Attempts: 2, Delay: ScalingDelay}, newFlaky(n, 1), false)
			})
		}
	}
}

// BenchmarkLatency is the latency scenario at full size. One iteration is a batch of 10,000
// calls that takes at least the attempts' latency (300 ms at op=100ms/k=2), so a benchmark
// runs only a few of them; filter with -bench to the latencies of interest.
func BenchmarkLatency(b *testing.B) {
	const calls = 10_000
	for _, latency := range FullSizes.LatencyOps {
		for _, k := range LatencyRetries {
			for _, c := range RetrierContenders() {
				b.Run(fmt.Sprintf("op=%v/k=%d/contender=%s", latency, k, c.Name), func(b *testing.B) {
					benchBatch(b, c, Policy{Attempts: k + 1, Delay: LatencyDelay}, newSlowFlaky(calls, k, latency), false)
				})
			}
		}
	}
}

// BenchmarkBatchAPI is the batch family at full size: recur's Submit loop, SubmitAll and Map
// (and naive, for scale) on the fan-out work and on calls whose attempts take 1 to 100 ms.
func BenchmarkBatchAPI(b *testing.B) {
	const calls = 10_000
	lo, hi := BatchAPILatency[0], BatchAPILatency[1]
	for _, c := range batchAPIContenders() {
		for _, ctx := range []string{"background", "cancelable"} {
			b.Run(fmt.Sprintf("op=instant/k=2/ctx=%s/contender=%s", ctx, c.Name), func(b *testing.B) {
				benchBatch(b, c, Policy{Attempts: 3, Delay: time.Millisecond}, newFlaky(calls, 2), ctx == "cancelable")
			})
		}
		for _, k := range LatencyRetries {
			b.Run(fmt.Sprintf("op=%v-%v/k=%d/contender=%s", lo, hi, k, c.Name), func(b *testing.B) {
				benchBatch(b, c, Policy{Attempts: k + 1, Delay: LatencyDelay}, newSpreadFlaky(calls, k, lo, hi), false)
			})
		}
	}
}

// BenchmarkHeadOfLine is the head-of-line scenario at full size, one run per iteration (about
// a quarter of a second: the fast traffic's window): p50-ns and p99-ns of the fast key's calls
// and peak-goroutines, averaged over the iterations.
func BenchmarkHeadOfLine(b *testing.B) {
	z := holSize{slow: FullSizes.HOLSlowCalls, fast: FullSizes.HOLFastCalls, slowOp: FullSizes.HOLSlowOp}
	for _, c := range holContenders() {
		b.Run(fmt.Sprintf("slow=%dx%v/fast=%dx%v/contender=%s", z.slow, z.slowOp, z.fast, FastOp, c.name), func(b *testing.B) {
			sums := map[string]float64{}
			for b.Loop() {
				ms, err := runHOL(c, z)
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range ms {
					sums[m.Metric] += m.Value
				}
			}
			for _, metric := range []string{P50, P99, PeakGoroutines} {
				b.ReportMetric(sums[metric]/float64(b.N), metric)
			}
		})
	}
}

// benchBatch runs batches of w's operations, one call each, under p; w must fail
// p.Attempts-1 times per call.
func benchBatch(b *testing.B, c RetrierContender, p Policy, w *flaky, cancelable bool) {
	n := len(w.tries)
	var sum batchResult
	b.ReportAllocs()
	for b.Loop() {
		res, err := runBatch(c, p, n, w, cancelable)
		if err != nil {
			b.Fatal(err)
		}
		sum.elapsed += res.elapsed
		sum.allocsPerCall += res.allocsPerCall
		sum.peakGoroutines += res.peakGoroutines
		sum.peakMemory += res.peakMemory
	}
	per := float64(b.N)
	b.ReportMetric(float64(sum.elapsed.Nanoseconds())/per, NsPerBatch)
	b.ReportMetric(sum.allocsPerCall/per, AllocsPerCall)
	b.ReportMetric(sum.peakGoroutines/per, PeakGoroutines)
	b.ReportMetric(sum.peakMemory/per, PeakHeap)
}

func BenchmarkWaiting(b *testing.B) {
	const n = 100_000
	w := newFlaky(n, 1)
	for _, c := range RetrierContenders() {
		b.Run(fmt.Sprintf("n=%d/contender=%s", n, c.Name), func(b *testing.B) {
			var total float64
			for b.Loop() {
				perCall, err := measureWaiting(c, n, w)
				if err != nil {
					b.Fatal(err)
				}
				total += perCall
			}
			b.ReportMetric(total/float64(b.N), BytesWaiting)
		})
	}
}

func BenchmarkBreaker(b *testing.B) {
	for _, c := range BreakerContenders() {
		b.Run("mode=serial/contender="+c.Name, func(b *testing.B) {
			br := newBreaker(b, c)
			b.ReportAllocs()
			for b.Loop() {
				if err := br.AdmitReport(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, c := range BreakerContenders() {
		b.Run("mode=parallel/contender="+c.Name, func(b *testing.B) {
			br := newBreaker(b, c)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := br.AdmitReport(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func newBreaker(b *testing.B, c BreakerContender) Breaker {
	br, err := c.New()
	if err != nil {
		b.Fatal(err)
	}
	return br
}

// BenchmarkScheduler measures one item from Schedule to delivery per iteration, with
// deliveryDepth items in flight, while `pending` others wait far in the future.
func BenchmarkScheduler(b *testing.B) {
	for _, pending := range FullSizes.Pending {
		dues := farFuture(pending)
		for _, c := range DelivererContenders() {
			b.Run(fmt.Sprintf("pending=%d/contender=%s", pending, c.Name), func(b *testing.B) {
				d, err := c.New(deliveryBuffer)
				if err != nil {
					b.Fatal(err)
				}
				defer d.Close()
				for i, at := range dues {
					if err := d.Schedule(at, -1-i); err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				inFlight := 0
				b.ReportAllocs()
				for b.Loop() {
					if err := d.Schedule(time.Now(), inFlight); err != nil {
						b.Fatal(err)
					}
					if inFlight++; inFlight == deliveryDepth {
						<-d.Out()
						inFlight--
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), OpsPerSecond)
				for ; inFlight > 0; inFlight-- {
					<-d.Out()
				}
			})
		}
	}
}
