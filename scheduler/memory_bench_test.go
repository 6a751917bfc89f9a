package scheduler

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// liveBytes returns the bytes held by live heap objects and goroutine stacks
// after a full collection.
func liveBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// BenchmarkMemoryPerPending reports the live memory one pending item costs
// (B/pending), excluding the item itself (the scheduler holds struct{}
// items; the runtime timers and goroutines hold nothing): with the heap,
// with one time.AfterFunc per item, and with one goroutine per item parked
// on a timer, as peers do.
func BenchmarkMemoryPerPending(b *testing.B) {
	const pending = 100_000
	dues := farDues(pending, 5)

	b.Run(fmt.Sprintf("pending=%d/impl=heap", pending), func(b *testing.B) {
		measurePerItem(b, pending, func() func() {
			s, err := New[struct{}](benchBuffer)
			if err != nil {
				b.Fatal(err)
			}
			for _, due := range dues {
				if _, err := s.Schedule(due, struct{}{}); err != nil {
					b.Fatal(err)
				}
			}
			return func() { s.Close() }
		})
	})
	b.Run(fmt.Sprintf("pending=%d/impl=afterfunc", pending), func(b *testing.B) {
		var fired sync.WaitGroup
		measurePerItem(b, pending, func() func() {
			timers := make([]*time.Timer, pending)
			for i, due := range dues {
				timers[i] = time.AfterFunc(time.Until(due), fired.Done)
			}
			// Stopped timers linger in the runtime's timer heap until it
			// cleans up lazily, which would hide the next iteration's cost;
			// fired ones are gone at once.
			return func() {
				fired.Add(pending)
				for _, t := range timers {
					t.Reset(0)
				}
				fired.Wait()
			}
		})
	})
	b.Run(fmt.Sprintf("pending=%d/impl=goroutine", pending), func(b *testing.B) {
		measurePerItem(b, pending, func() func() {
			stop := make(chan struct{})
			done := make(chan struct{}, pending)
			for _, due := range dues {
				go func() {
					t := time.NewTimer(time.Until(due))
					defer t.Stop()
					select {
					case <-t.C:
					case <-stop:
					}
					done <- struct{}{}
				}()
			}
			return func() {
				close(stop)
				for range pending {
					<-done
				}
			}
		})
	})
}

// measurePerItem runs fill (which holds n items and returns a release
// function) once per iteration and reports the growth of live memory
// divided by n.
func measurePerItem(b *testing.B, n int, fill func() (release func())) {
	var total uint64
	b.ReportAllocs()
	for b.Loop() {
		before := liveBytes()
		release := fill()
		total += liveBytes() - before
		release()
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(n), "B/pending")
}

// BenchmarkLateness schedules 100k items due within one second of each other
// (in shuffled order) and reports how late they arrive (p50, p99, max, in
// microseconds), with the heap and with one time.AfterFunc per item.
// One iteration takes a little over a second.
func BenchmarkLateness(b *testing.B) {
	const items = 100_000
	const lead = 200 * time.Millisecond // time to schedule everything before the first is due
	offsets := randomTable(int64(time.Second))

	run := func(b *testing.B, schedule func(due time.Time), out <-chan time.Time) {
		late := make([]time.Duration, 0, items)
		b.ReportAllocs()
		for b.Loop() {
			start := time.Now().Add(lead)
			for i := range items {
				schedule(start.Add(time.Duration(offsets[(i*7919)&0xffff] + int64(i))))
			}
			for range items {
				late = append(late, time.Since(<-out))
			}
		}
		slices.Sort(late)
		at := func(q float64) float64 { return float64(late[int(q*float64(len(late)-1))].Microseconds()) }
		b.ReportMetric(at(0.50), "p50-µs")
		b.ReportMetric(at(0.99), "p99-µs")
		b.ReportMetric(at(1), "max-µs")
	}

	b.Run(fmt.Sprintf("items=%d/impl=heap", items), func(b *testing.B) {
		s := mustNew[time.Time](b)
		run(b, func(due time.Time) {
			if _, err := s.Schedule(due, due); err != nil {
				b.Fatal(err)
			}
		}, s.C())
	})
	b.Run(fmt.Sprintf("items=%d/impl=afterfunc", items), func(b *testing.B) {
		out := make(chan time.Time, benchBuffer)
		run(b, func(due time.Time) {
			time.AfterFunc(time.Until(due), func() { out <- due })
		}, out)
	})
}
