package scheduler

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// pipelineDepth is how many items the benchmarks keep in flight between
// scheduling and receipt, so that the scheduler (or the runtime) works
// concurrently with the producer. Items still in flight when the loop ends
// are received untimed: at most pipelineDepth of b.N.
const pipelineDepth = 1024

// benchBuffer is C's capacity in the benchmarks.
const benchBuffer = 256

// farDues returns n distinct-ish random due times between one and two hours
// from now, for items that stay pending throughout a benchmark.
func farDues(n int, seed uint64) []time.Time {
	rng := rand.New(rand.NewPCG(seed, 7))
	now := time.Now()
	dues := make([]time.Time, n)
	for i := range dues {
		dues[i] = now.Add(time.Hour + time.Duration(rng.Int64N(int64(time.Hour))))
	}
	return dues
}

// BenchmarkScheduleToDelivery measures schedule+deliver throughput of items
// due at once while pending items wait far in the future, against one
// time.AfterFunc per item that sends its item on a channel.
func BenchmarkScheduleToDelivery(b *testing.B) {
	for _, pending := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("pending=%d/impl=heap", pending), func(b *testing.B) {
			benchHeapDelivery(b, pending, defaultShift)
		})
		b.Run(fmt.Sprintf("pending=%d/impl=afterfunc", pending), func(b *testing.B) {
			benchAfterFuncDelivery(b, pending)
		})
	}
}

func benchHeapDelivery(b *testing.B, pending int, shift uint) {
	s, err := newScheduler[int](benchBuffer, shift)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i, due := range farDues(pending, 1) {
		if _, err := s.Schedule(due, i); err != nil {
			b.Fatal(err)
		}
	}
	inFlight := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Schedule(time.Now(), inFlight); err != nil {
			b.Fatal(err)
		}
		if inFlight++; inFlight == pipelineDepth {
			<-s.C()
			inFlight--
		}
	}
	reportRate(b)
	for ; inFlight > 0; inFlight-- {
		<-s.C()
	}
	if s.Len() != pending {
		b.Fatalf("%d pending, want %d", s.Len(), pending)
	}
}

func benchAfterFuncDelivery(b *testing.B, pending int) {
	timers := make([]*time.Timer, pending)
	for i, due := range farDues(pending, 1) {
		timers[i] = time.AfterFunc(time.Until(due), func() {})
	}
	defer stopAll(timers)
	out := make(chan int, benchBuffer)
	inFlight := 0
	b.ReportAllocs()
	for b.Loop() {
		item := inFlight
		time.AfterFunc(0, func() { out <- item })
		if inFlight++; inFlight == pipelineDepth {
			<-out
			inFlight--
		}
	}
	reportRate(b)
	for ; inFlight > 0; inFlight-- {
		<-out
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkCancel measures canceling one of 100k pending items
// (op=cancel; the pool of 100k is topped up, untimed, every 10k cancels)
// and canceling one and scheduling a replacement (op=cancel+schedule, the
// cost of moving a retry), against Stop (and AfterFunc) on runtime timers.
func BenchmarkCancel(b *testing.B) {
	const pending, spare = 100_000, 10_000
	dues := farDues(pending+spare, 2)

	b.Run(fmt.Sprintf("op=cancel/pending=%d/impl=heap", pending), func(b *testing.B) {
		s := mustNew[int](b)
		handles := make([]Handle, len(dues))
		refill := func(from int) {
			for i := from; i < len(dues); i++ {
				handles[i], _ = s.Schedule(dues[i], i)
			}
		}
		refill(0)
		next := pending
		b.ReportAllocs()
		for b.Loop() {
			if next == len(dues) {
				b.StopTimer()
				refill(pending)
				next = pending
				b.StartTimer()
			}
			if !s.Cancel(handles[next]) {
				b.Fatal("cancel failed")
			}
			next++
		}
	})
	b.Run(fmt.Sprintf("op=cancel/pending=%d/impl=afterfunc", pending), func(b *testing.B) {
		timers := make([]*time.Timer, len(dues))
		refill := func(from int) {
			for i := from; i < len(dues); i++ {
				timers[i] = time.AfterFunc(time.Until(dues[i]), func() {})
			}
		}
		refill(0)
		defer stopAll(timers)
		next := pending
		b.ReportAllocs()
		for b.Loop() {
			if next == len(dues) {
				b.StopTimer()
				refill(pending)
				next = pending
				b.StartTimer()
			}
			if !timers[next].Stop() {
				b.Fatal("stop failed")
			}
			next++
		}
	})
	b.Run(fmt.Sprintf("op=cancel+schedule/pending=%d/impl=heap", pending), func(b *testing.B) {
		s := mustNew[int](b)
		handles := make([]Handle, pending)
		for i := range handles {
			handles[i], _ = s.Schedule(dues[i], i)
		}
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			k := i % pending
			if !s.Cancel(handles[k]) {
				b.Fatal("cancel failed")
			}
			handles[k], _ = s.Schedule(dues[(i+pending/2)%len(dues)], k)
			i++
		}
	})
	b.Run(fmt.Sprintf("op=cancel+schedule/pending=%d/impl=afterfunc", pending), func(b *testing.B) {
		timers := make([]*time.Timer, pending)
		for i := range timers {
			timers[i] = time.AfterFunc(time.Until(dues[i]), func() {})
		}
		defer stopAll(timers)
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			k := i % pending
			if !timers[k].Stop() {
				b.Fatal("stop failed")
			}
			timers[k] = time.AfterFunc(time.Until(dues[(i+pending/2)%len(dues)]), func() {})
			i++
		}
	})
}

func mustNew[T any](b *testing.B) *Scheduler[T] {
	s, err := New[T](benchBuffer)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func stopAll(timers []*time.Timer) {
	for _, t := range timers {
		if t != nil {
			t.Stop()
		}
	}
}
