package faults

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// reportTable collects one row per scenario run.
type reportTable struct {
	mu   sync.Mutex
	rows []reportRow
}

type reportRow struct {
	scenario  string
	calls     int
	successes int
	failures  string // by reason
	attempts  uint64
	faults    int64 // attempts that failed
	p99       time.Duration
}

func (r *reportTable) add(row reportRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, row)
}

func (r *reportTable) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.rows)
}

func (r *reportTable) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	format := "%-10s %6v %9v %8v %7v %9v  %v\n"
	fmt.Fprintf(&b, format, "scenario", "calls", "successes", "attempts", "faults", "p99", "failures by reason")
	for _, row := range r.rows {
		fmt.Fprintf(&b, format, row.scenario, row.calls, row.successes, row.attempts, row.faults,
			row.p99.Round(time.Millisecond), row.failures)
	}
	return b.String()
}
