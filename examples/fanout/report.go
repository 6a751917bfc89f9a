package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/recur-go/recur/engine"
)

// report prints the summary. Every call has settled, so the collector is quiet.
func report(w io.Writer, cfg config, srv *flakyServer, e *engine.Engine, col *collector, mon *monitor, res *results) {
	col.mu.Lock()
	defer col.mu.Unlock()
	st := e.Stats()
	ok := res.ok.Load()
	fmt.Fprintf(w, "calls       %d in %v (%.0f calls/s): %d succeeded (%.1f%%), %d failed\n", cfg.calls, round(res.wall),
		float64(cfg.calls)/res.wall.Seconds(), ok, 100*float64(ok)/float64(cfg.calls), int64(cfg.calls)-ok)
	fmt.Fprintf(w, "failures    %s\n", counts(col.failures, "none"))

	most, firsts := 1, uint64(0)
	for n, calls := range col.attempts {
		most = max(most, calls)
		if n > 0 {
			firsts += uint64(calls)
		}
	}
	fmt.Fprintf(w, "attempts    %d = %d first + %d retries run (%d scheduled)\n",
		st.Attempts, firsts, st.Attempts-firsts, st.Retries)
	for n := range cfg.attempts + 1 {
		if calls := col.attempts[n]; calls > 0 || n > 0 {
			fmt.Fprintf(w, "  per call  %d: %6d %s\n", n, calls, strings.Repeat("█", (calls*40+most-1)/most))
		}
	}
	fmt.Fprintf(w, "  errors    %s\n", counts(col.errors, "none"))

	slices.Sort(res.latency)
	slices.Sort(col.attemptTime)
	fmt.Fprintf(w, "latency     per call    p50 %-9v p90 %-9v p99 %-9v (as the caller sees it: queueing included)\n",
		round(percentile(res.latency, 0.5)), round(percentile(res.latency, 0.9)), round(percentile(res.latency, 0.99)))
	fmt.Fprintf(w, "            per attempt p50 %-9v p90 %-9v p99 %v\n",
		round(percentile(col.attemptTime, 0.5)), round(percentile(col.attemptTime, 0.9)), round(percentile(col.attemptTime, 0.99)))

	tr := col.transitions
	if len(tr) > 6 {
		tr = append(tr[:6:6], fmt.Sprintf("… %d more", len(col.transitions)-6))
	}
	if len(tr) == 0 {
		tr = []string{"stayed closed"}
	}
	fmt.Fprintf(w, "breaker     %s\n", strings.Join(tr, ", "))
	fmt.Fprintf(w, "server      %d requests: %d answered 503, %d 429, %d reset (net/http resends most of those itself), %d in the outage, %d rate limited; %d connections\n",
		srv.requests.Load(), srv.unavailable.Load(), srv.throttled.Load(), srv.resets.Load(), srv.outage.Load(), srv.limited.Load(), srv.conns.Load())
	if cfg.limit > 0 {
		fmt.Fprintf(w, "pacing      %d attempts waited their turn at the host's pacer, learnt from %d 429s (limit %.0f/s for %v at %v)\n",
			st.Paced, srv.throttled.Load()+srv.limited.Load(), cfg.limit, cfg.limitFor, cfg.limitAt)
	}
	fmt.Fprintf(w, "peak        %d goroutines (%d of them callers, %d engine workers), %.1f MiB heap\n",
		mon.peakGoroutines, cfg.calls, mon.peakWorkers, float64(mon.peakHeap)/(1<<20))
	fmt.Fprintf(w, "wall time   %v on %d CPUs\n", round(res.wall), runtime.GOMAXPROCS(0))
}

// counts lists a tally, largest first: "exhausted, last 503: 12 · deadline: 3".
func counts(m map[string]int, empty string) string {
	if len(m) == 0 {
		return empty
	}
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, " · ")
}
