package bench

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// The metrics, each with its unit.
const (
	NsPerBatch     = "ns/batch"        // wall time from the first call's start to the last one's settling
	AllocsPerCall  = "allocs/call"     // heap allocations during a batch, divided by its calls
	PeakGoroutines = "peak-goroutines" // most goroutines alive during a batch, above the count before it
	PeakHeap       = "peak-heap-B"     // most heap objects plus goroutine stacks during a batch, above the level before it
	BytesWaiting   = "B/waiting"       // live heap and stacks per waiting retry, after a GC
	NsPerOp        = "ns/op"           // wall time per operation
	OpsPerSecond   = "ops/s"           // operations per second
)

// Measurement is one metric's value from one run of one contender.
type Measurement struct {
	Metric string
	Value  float64
}

// Sample is a Measurement taken in one round of a scenario.
type Sample struct {
	Scenario  string
	Contender string
	Round     int
	Measurement
}

// Entry is one contender in a scenario: run measures it once.
type Entry struct {
	Contender string
	run       func() ([]Measurement, error)
}

// Scenario is a piece of work measured for each of its contenders, Rounds times.
type Scenario struct {
	Name    string // a key=value path: "fanout/k=2/delay=1ms"; its first element is the group
	Rounds  int
	Entries []Entry
}

// Group returns the scenario's first path element: "fanout", "scaling", ...
func (s Scenario) Group() string {
	for i := range len(s.Name) {
		if s.Name[i] == '/' {
			return s.Name[:i]
		}
	}
	return s.Name
}

// Run measures every scenario in turn. Within a scenario, each round runs every contender
// once, interleaved (A B C, then B C A, then C A B, ...), so that drift of the machine during
// the scenario spreads over all contenders alike and none always follows the same one. A full
// collection runs before each measurement, so none pays for another's garbage. Progress goes
// to log, one line per round, if log is not nil.
func Run(scenarios []Scenario, log io.Writer) ([]Sample, error) {
	var samples []Sample
	for _, s := range scenarios {
		start := time.Now()
		for round := range s.Rounds {
			for k := range s.Entries {
				e := s.Entries[(round+k)%len(s.Entries)]
				runtime.GC()
				ms, err := e.run()
				if err != nil {
					return samples, fmt.Errorf("%s, %s, round %d: %w", s.Name, e.Contender, round+1, err)
				}
				for _, m := range ms {
					samples = append(samples, Sample{Scenario: s.Name, Contender: e.Contender, Round: round, Measurement: m})
				}
			}
			if log != nil {
				fmt.Fprintf(log, "%s: round %d/%d (%v)\n", s.Name, round+1, s.Rounds, time.Since(start).Round(time.Millisecond))
			}
		}
	}
	return samples, nil
}
