package engine

import (
	"fmt"
	"sync"
	"time"

	"github.com/recur-go/recur/breaker"
)

// DefaultKeyIdle is how long an idle key keeps its state unless WithKeyIdle says otherwise.
const DefaultKeyIdle = 5 * time.Minute

// minSweep is the number of keys below which the registry is never swept.
const minSweep = 1024

// keyState is what the engine keeps for one key (a dependency): its breaker and its bulkhead.
type keyState struct {
	name   string
	brk    *breaker.Breaker // nil without WithBreaker
	counts *keyCounts       // nil without WithKeyStats
	lim    *keyLimit        // nil without WithAdaptiveLimit; guarded by mu

	mu      sync.Mutex // guards what follows
	refs    int        // calls holding the key, not settled yet
	idle    int64      // when refs last fell to 0, as nanoseconds since the engine's start
	running int        // attempts holding one of the bulkhead's slots
	fifo    []job      // attempts waiting for a slot, oldest first from head; settled ones are skipped
	head    int
	queued  int // calls in fifo that have not settled
	retries int // of which retries, not counted against the bulkhead's queue bound
}

// keys is the engine's registry of keyed state. Calls without a key share def, which is never
// forgotten; keyed state is created on first use and swept as new keys arrive.
type keys struct {
	e       *Engine
	def     *keyState // the key ""; nil when keys have nothing to hold (no breaker, no bulkhead)
	idleFor time.Duration

	mu       sync.Mutex
	byName   map[string]*keyState
	sweepAt  int
	sweeping bool
}

// acquire returns the state of key for a new call, creating it if need be, and holds it until
// release: a key in use is never forgotten.
func (ks *keys) acquire(name string) (*keyState, error) {
	if ks.def == nil || name == "" {
		return ks.def, nil
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	k, err := ks.getLocked(name)
	if err == nil {
		k.mu.Lock()
		k.refs++
		k.mu.Unlock()
	}
	return k, err
}

// get returns the state of key, creating it if need be, without holding it.
func (ks *keys) get(name string) (*keyState, error) {
	if ks.def == nil || name == "" {
		return ks.def, nil
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.getLocked(name)
}

func (ks *keys) getLocked(name string) (*keyState, error) {
	if k := ks.byName[name]; k != nil {
		return k, nil
	}
	if len(ks.byName) >= ks.sweepAt && !ks.sweeping {
		ks.sweeping = true
		ks.mu.Unlock()
		ks.sweep()
		ks.mu.Lock()
		ks.sweeping = false
		if k := ks.byName[name]; k != nil { // made by another call meanwhile
			return k, nil
		}
	}
	k, err := ks.e.newKey(name)
	if err != nil {
		return nil, err
	}
	k.idle = ks.e.now()
	ks.byName[name] = k
	return k, nil
}

// release lets go of a call's hold on k.
func (ks *keys) release(k *keyState) {
	if k == nil || k == ks.def {
		return
	}
	k.mu.Lock()
	if k.refs--; k.refs == 0 {
		k.idle = ks.e.now()
	}
	k.mu.Unlock()
}

// lookup returns the state of key if the engine holds any.
func (ks *keys) lookup(name string) *keyState {
	if name == "" || ks.def == nil {
		return ks.def
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.byName[name]
}

// count returns the number of keys held, the key "" included.
func (ks *keys) count() int {
	if ks.def == nil {
		return 0
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return len(ks.byName) + 1
}

// each calls f on every key held, the key "" first, with no lock held.
func (ks *keys) each(f func(*keyState)) {
	if ks.def == nil {
		return
	}
	ks.mu.Lock()
	all := make([]*keyState, 0, len(ks.byName)+1)
	all = append(all, ks.def)
	for _, k := range ks.byName {
		all = append(all, k)
	}
	ks.mu.Unlock()
	for _, k := range all {
		f(k)
	}
}

// sweep forgets idle keys. It runs when the registry has doubled since the last sweep, so its
// cost per new key is constant and the registry never holds more than twice the keys in use (or
// not yet forgettable), plus minSweep. It reads the breakers with no lock held: reading one can
// move it to half-open, and its hook may call into the engine.
func (ks *keys) sweep() {
	ks.mu.Lock()
	all := make([]*keyState, 0, len(ks.byName))
	for _, k := range ks.byName {
		all = append(all, k)
	}
	ks.mu.Unlock()
	now := ks.e.now()
	gone := all[:0]
	for _, k := range all {
		if ks.forgettable(k, now) {
			gone = append(gone, k)
		}
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	for _, k := range gone {
		k.mu.Lock()
		busy := k.refs > 0 || k.running > 0 || k.queued > 0 // taken again since it was judged
		k.mu.Unlock()
		if !busy && ks.byName[k.name] == k {
			delete(ks.byName, k.name)
		}
	}
	ks.sweepAt = max(2*len(ks.byName), minSweep)
}

// forgettable reports whether k may go: no call holds it, and either it has been idle for the
// engine's key idle time or it holds nothing a new key would not (its breaker is as a new one,
// it keeps no counts, and its adaptive limit has learnt nothing). A forced breaker stays: the
// user set it by hand.
func (ks *keys) forgettable(k *keyState, now int64) bool {
	k.mu.Lock()
	busy, idle := k.refs > 0 || k.running > 0 || k.queued > 0, k.idle
	learnt := k.lim != nil && k.lim.Learnt()
	k.mu.Unlock()
	if busy {
		return false
	}
	// As a new key's would be? Counts never are, nor a limit that has learnt: such a key stays
	// idleFor.
	fresh := !learnt
	if k.brk != nil {
		c := k.brk.Counts()
		switch c.State {
		case breaker.ForcedOpen, breaker.Disabled:
			return false
		case breaker.Closed:
			fresh = c.ConsecutiveFailures == 0 && c.WindowFailureRatio == 0 && c.WindowSlowRatio == 0
		default:
			fresh = false
		}
	}
	if fresh && k.counts == nil {
		return true
	}
	return time.Duration(now-idle) >= ks.idleFor
}

// newKey makes the state of a key, with a breaker of its own if the engine has breakers.
func (e *Engine) newKey(name string) (*keyState, error) {
	k := &keyState{name: name}
	k.lim = e.newLimit(k)
	if e.keyStats {
		k.counts = new(keyCounts)
	}
	if !e.breakers {
		return k, nil
	}
	opts := e.breakerOpts
	if len(e.hooks.breakerChange) > 0 {
		opts = append(opts[:len(opts):len(opts)], breaker.OnStateChange(func(from, to breaker.State) {
			fire(e.hooks.breakerChange, BreakerChange{Engine: e.name, Key: name, From: from, To: to})
		}))
	}
	var err error
	if e.newBreaker == nil {
		k.brk, err = breaker.New(opts...)
		return k, err
	}
	if k.brk, err = e.newBreaker(name, opts...); err == nil && k.brk == nil {
		err = fmt.Errorf("engine: WithBreakerFactory made no breaker for key %q", name)
	}
	return k, err
}

// now returns the time since the engine started, in nanoseconds.
func (e *Engine) now() int64 { return int64(time.Since(e.born)) }
