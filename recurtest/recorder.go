package recurtest

import (
	"slices"
	"sync"
	"time"

	"github.com/recur-go/recur/engine"
)

// Recorder records what an engine does, through its hooks: every attempt that ends (with its
// call's name and key, its error and the classifier's decision), every retry scheduled (with its
// delay) and every call settled. Give its Hooks to the engine:
//
//	var rec recurtest.Recorder
//	e := recurtest.New(t, engine.WithHooks(rec.Hooks()))
//
// The zero Recorder is ready to use. It is safe for concurrent use: the engine fires hooks from
// many goroutines. Each list is in the order its events fired. Hook events carry no call identity,
// so attempts and retries are not paired: to tell concurrent calls apart, give them distinct
// names or keys (engine.Name, engine.Key).
type Recorder struct {
	mu       sync.Mutex
	attempts []engine.AttemptEnd
	retries  []engine.RetryScheduled
	settled  []engine.Settled
}

// Hooks returns the hooks that feed the recorder.
func (r *Recorder) Hooks() engine.Hooks {
	return engine.Hooks{
		OnAttemptEnd: func(a engine.AttemptEnd) { record(r, &r.attempts, a) },
		OnRetry:      func(s engine.RetryScheduled) { record(r, &r.retries, s) },
		OnSettled:    func(s engine.Settled) { record(r, &r.settled, s) },
	}
}

func record[E any](r *Recorder, list *[]E, ev E) {
	r.mu.Lock()
	*list = append(*list, ev)
	r.mu.Unlock()
}

// snapshot copies a list, so that callers may keep and change what they get while hooks go on.
func snapshot[E any](r *Recorder, list *[]E) []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*list)
}

// Attempts returns every attempt that ended: its call's name and key, its number (1 for the
// first), its error (nil for a success), how long it ran and what the classifier decided.
func (r *Recorder) Attempts() []engine.AttemptEnd { return snapshot(r, &r.attempts) }

// Retries returns every retry scheduled: the attempt it will run, how long it waits and the error
// that caused it.
func (r *Recorder) Retries() []engine.RetryScheduled { return snapshot(r, &r.retries) }

// Delays returns the delay of every retry scheduled, in order: what a test of a backoff policy
// asserts on.
func (r *Recorder) Delays() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	ds := make([]time.Duration, len(r.retries))
	for i, s := range r.retries {
		ds[i] = s.Delay
	}
	return ds
}

// Settled returns every call that settled: its attempts, success or error, and reason.
func (r *Recorder) Settled() []engine.Settled { return snapshot(r, &r.settled) }
