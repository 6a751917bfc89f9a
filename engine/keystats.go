package engine

import "github.com/recur-go/recur/breaker"

// KeyStats is a snapshot of what the engine holds for one key.
type KeyStats struct {
	Key         string
	Calls       int            // calls with this key, submitted and not settled (0 for the key "")
	Running     int            // attempts holding a bulkhead slot (with WithBulkhead)
	SlotWaiting int            // attempts waiting for a slot (with WithBulkhead)
	Limit       int            // the key's current adaptive limit (with WithAdaptiveLimit)
	Breaker     breaker.Counts // the key's breaker's counts and state (with WithBreaker)
	Counts      CallCounts     // the key's calls, attempts and retries (with WithKeyStats)
}

// KeyStats returns a snapshot of key's state, and false if the engine holds none for it: the
// engine has no breakers, bulkheads or key stats (WithKeyStats), the key was never used, or it was forgotten after
// idling (see WithKeyIdle).
func (e *Engine) KeyStats(key string) (KeyStats, bool) {
	k := e.keys.lookup(key)
	if k == nil {
		return KeyStats{}, false
	}
	return k.stats(), true
}

// stats returns a snapshot of k.
func (k *keyState) stats() KeyStats {
	k.mu.Lock()
	s := KeyStats{Key: k.name, Calls: k.refs, Running: k.running, SlotWaiting: k.queued}
	if k.lim != nil {
		s.Limit = k.lim.Current()
	}
	k.mu.Unlock()
	if k.brk != nil {
		s.Breaker = k.brk.Counts()
	}
	if k.counts != nil {
		s.Counts = k.counts.snapshot()
	}
	return s
}

// KeyBreaker returns key's breaker, created if need be, for manual control (ForceOpen, Reset)
// and its counts; nil if the engine has no breakers. A key whose breaker is forced open or
// disabled by hand is never forgotten, so the setting stays until Reset.
func (e *Engine) KeyBreaker(key string) *breaker.Breaker {
	if !e.breakers {
		return nil
	}
	k, err := e.keys.get(key)
	if err != nil { // the options were checked by New: a key's breaker is made of the same
		return nil
	}
	return k.brk
}
