package main

import (
	"fmt"
	"io"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/engine"
)

// monitor samples the runtime for the summary's peaks and draws the progress line: redrawn in
// place on a terminal, a plain line every second otherwise.
type monitor struct {
	e        *engine.Engine
	total    int
	finished *atomic.Int64 // calls that have returned to their caller
	out      io.Writer
	live     bool
	start    time.Time
	stop     chan struct{}
	done     chan struct{}

	// Written by the monitor's goroutine; read after done is closed.
	peakGoroutines uint64
	peakHeap       uint64
	peakWorkers    int
}

func startMonitor(e *engine.Engine, total int, finished *atomic.Int64, out io.Writer, live bool) *monitor {
	m := &monitor{e: e, total: total, finished: finished, out: out, live: live, start: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{})}
	go m.loop()
	return m
}

// Stop ends the monitor and waits for its goroutine.
func (m *monitor) Stop() {
	close(m.stop)
	<-m.done
}

func (m *monitor) loop() {
	defer close(m.done)
	samples := []metrics.Sample{{Name: "/sched/goroutines:goroutines"}, {Name: "/memory/classes/heap/objects:bytes"}}
	every := time.Second
	if m.live {
		every = 100 * time.Millisecond
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	next := m.start.Add(every)
	for {
		m.sample(samples)
		select {
		case <-m.stop:
			m.draw(time.Now()) // the final count
			if m.live {
				fmt.Fprintln(m.out)
			}
			return
		case now := <-tick.C:
			if !now.Before(next) {
				m.draw(now)
				next = now.Add(every)
			}
		}
	}
}

func (m *monitor) sample(s []metrics.Sample) {
	metrics.Read(s)
	m.peakGoroutines = max(m.peakGoroutines, s[0].Value.Uint64())
	m.peakHeap = max(m.peakHeap, s[1].Value.Uint64())
	m.peakWorkers = max(m.peakWorkers, m.e.Stats().Workers)
}

func (m *monitor) draw(now time.Time) {
	st := m.e.Stats()
	done := m.finished.Load()
	rate := float64(done) / now.Sub(m.start).Seconds()
	if m.live {
		// Short enough for an 80-column terminal, where a wrapped line could not be redrawn.
		fmt.Fprintf(m.out, "\r\033[K  %d/%d calls done  %d retries  %.0f/s  %d running  %d waiting",
			done, m.total, st.Retries, rate, st.Running, st.Waiting)
		return
	}
	fmt.Fprintf(m.out, "fanout: %d/%d calls done, %d retries, %.0f calls/s, %d running, %d waiting to retry\n",
		done, m.total, st.Retries, rate, st.Running, st.Waiting)
}
