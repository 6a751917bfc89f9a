package engine

import "sync/atomic"

// WithKeyStats counts each key's calls, attempts and retries, for KeyStats and AllKeyStats: what
// an exporter needs to tell one dependency's error rate from another's. Without it, the engine
// counts per engine only (Stats), and a call pays nothing for keys it does not count.
//
// Counts live with the key's state, so a key forgotten after idling (WithKeyIdle) starts again
// from zero when it comes back, as a restarted process's counters do.
func WithKeyStats() Option {
	return optionFunc(func(c *config) { c.keyStats = true })
}

// CallCounts are the counts of one key's calls (see WithKeyStats). Every call counted is, at any
// moment, succeeded, failed or still pending: Submitted >= Succeeded + Failed().
type CallCounts struct {
	Submitted uint64             // calls accepted
	Succeeded uint64             // calls settled with success
	FailedBy  [numReasons]uint64 // calls settled with failure, indexed by Reason: see FailedFor
	Attempts  uint64             // attempts started
	Retries   uint64             // retries scheduled
}

// Failed returns the calls settled with failure, all reasons together.
func (c CallCounts) Failed() uint64 { return failed(&c.FailedBy) }

// FailedFor returns the calls settled with failure for reason r.
func (c CallCounts) FailedFor(r Reason) uint64 { return failedFor(&c.FailedBy, r) }

// keyCounts are a key's live counts.
type keyCounts struct {
	submitted, succeeded, attempts, retries atomic.Uint64
	failedBy                                [numReasons]atomic.Uint64
}

// snapshot reads the counts, settled ones first (as Stats does), so that no call is seen settled
// and not submitted.
func (k *keyCounts) snapshot() CallCounts {
	var c CallCounts
	c.Succeeded = k.succeeded.Load()
	for i := range c.FailedBy {
		c.FailedBy[i] = k.failedBy[i].Load()
	}
	c.Submitted = k.submitted.Load()
	c.Attempts = k.attempts.Load()
	c.Retries = k.retries.Load()
	return c
}

// countsOf returns the counts of c's key, nil if the engine keeps none.
func (c *call) countsOf() *keyCounts {
	if c.key == nil {
		return nil
	}
	return c.key.counts
}

// AllKeyStats returns a snapshot of every key the engine holds, the key "" first: for an
// exporter that visits them all.
func (e *Engine) AllKeyStats() []KeyStats {
	var all []KeyStats
	e.keys.each(func(k *keyState) { all = append(all, k.stats()) })
	return all
}
