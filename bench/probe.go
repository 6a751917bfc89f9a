package bench

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// The runtime metrics a peakProbe samples. Neither stops the world, unlike ReadMemStats.
const (
	metricGoroutines  = "/sched/goroutines:goroutines"
	metricHeapObjects = "/memory/classes/heap/objects:bytes" // live and not yet swept objects
	metricStacks      = "/memory/classes/heap/stacks:bytes"  // goroutine stacks
)

// sampleInterval is how often a peakProbe looks. Peaks that last less can be missed; batches
// here last milliseconds to seconds.
const sampleInterval = 500 * time.Microsecond

// runtimeSnapshot is a reading of the process's goroutines and memory.
type runtimeSnapshot struct {
	goroutines uint64
	memory     uint64 // heap objects plus goroutine stacks
}

// reader reads runtimeSnapshots without allocating.
type reader struct{ samples []metrics.Sample }

func newReader() *reader {
	r := &reader{samples: []metrics.Sample{
		{Name: metricGoroutines}, {Name: metricHeapObjects}, {Name: metricStacks},
	}}
	return r
}

func (r *reader) read() runtimeSnapshot {
	metrics.Read(r.samples)
	return runtimeSnapshot{
		goroutines: r.samples[0].Value.Uint64(),
		memory:     r.samples[1].Value.Uint64() + r.samples[2].Value.Uint64(),
	}
}

// peakProbe samples the goroutine count and the memory in use on a goroutine of its own until
// stopped, and keeps their maxima.
type peakProbe struct {
	stop chan struct{}
	done sync.WaitGroup
	peak runtimeSnapshot
}

func startPeakProbe() *peakProbe {
	p := &peakProbe{stop: make(chan struct{})}
	r := newReader()
	p.peak = r.read()
	p.done.Go(func() {
		t := time.NewTicker(sampleInterval)
		defer t.Stop()
		for {
			p.observe(r.read())
			select {
			case <-t.C:
			case <-p.stop:
				return
			}
		}
	})
	return p
}

func (p *peakProbe) observe(s runtimeSnapshot) {
	p.peak.goroutines = max(p.peak.goroutines, s.goroutines)
	p.peak.memory = max(p.peak.memory, s.memory)
}

// Stop ends the sampling, takes one last sample and returns the peaks. The probe's own
// goroutine is counted in the goroutine peak: subtract the baseline taken before it started.
func (p *peakProbe) Stop() runtimeSnapshot {
	close(p.stop)
	p.done.Wait()
	p.observe(newReader().read())
	return p.peak
}

// settle collects garbage twice (the second pass frees what finalizers and the first pass's
// sweeping left) and returns the process's live memory: heap objects and goroutine stacks.
func settle() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}
