package chaos

import (
	"errors"
	"fmt"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// keyClass is the dependency a call goes to: none (the key ""), one of a few long-lived keys
// that every round uses, or a key of its own that no other call uses, so that the engine keeps
// creating keys and must forget idle ones to stay bounded.
type keyClass uint8

const (
	keyNone  keyClass = 0
	numKeys           = 4 // long-lived keys, classes 1 to numKeys
	keyFresh keyClass = numKeys + 1
	// numClasses is also the number of bulkhead gauges: one per long-lived key and the key "";
	// fresh keys have the gauge of their only call.
	numClasses = numKeys + 2
)

var (
	classWeights = [numClasses]int{15, 20, 20, 20, 20, 5}
	keyNames     = [numClasses]string{"", "k1", "k2", "k3", "k4", "fresh"}
)

func (c keyClass) String() string { return keyNames[c] }

// keyName is the key of call r.
func (r *record) keyName() string {
	if r.spec.key == keyFresh {
		return "f" + r.name()
	}
	return keyNames[r.spec.key]
}

// classOf is the class of a key, as hooks name it.
func classOf(key string) keyClass {
	for c := keyNone; c < keyFresh; c++ {
		if key == keyNames[c] {
			return c
		}
	}
	return keyFresh
}

// health is the breaker classifier a call brings, if any.
type health uint8

const (
	healthDefault  health = iota // engine.DefaultBreakerClassifier
	healthOfError                // BreakerClassify(hintIgnored)
	healthOfResult               // BreakerClassifyResult: hints and rejected results ignored
)

// hintIgnored judges a Retry-After hint as the dependency pacing its clients, not failing, as
// httpretry judges a 429; anything else as the default does.
func hintIgnored(err error) breaker.Outcome {
	if errors.Is(err, errHint) {
		return breaker.Ignored
	}
	return engine.DefaultBreakerClassifier(err)
}

// resultsIgnored also judges a result that the call's classifier rejects ("not yet", as a 503
// would say) as saying nothing of the dependency's health; the default counts it a failure.
func resultsIgnored(fails uint64) func(uint64, error) breaker.Outcome {
	return func(val uint64, err error) breaker.Outcome {
		if err == nil && val&0xff <= fails {
			return breaker.Ignored
		}
		return hintIgnored(err)
	}
}

// keyWatch is what a round needs to know of its keys' breakers as it begins.
type keyWatch struct {
	changes  int                // breaker changes seen so far
	closed   [numClasses]bool   // the key's breaker was closed (or not there yet)
	failures [numClasses]uint64 // the key's breaker's failure count
	phases   *[numClasses]phase // of the round
}

// watchKeys looks at the long-lived keys' breakers before a round.
func (v *env) watchKeys(p *roundPlan) keyWatch {
	w := keyWatch{phases: &p.keys}
	v.mu.Lock()
	w.changes = len(v.changes)
	v.mu.Unlock()
	w.closed[keyFresh] = true // a fresh key's breaker is new
	for c := keyNone; c < keyFresh; c++ {
		s, ok := v.e.KeyStats(keyNames[c])
		w.closed[c] = !ok || s.Breaker.State == breaker.Closed
		w.failures[c] = s.Breaker.Failures
	}
	return w
}

// checkKeys checks a round's keys once it is quiet: each long-lived key is quiet too, and in a key
// outage the down key's breaker is the only one that opens (keyed isolation): a healthy key's
// breaker counts no failure, never opens, and if it was closed it refuses none of its calls. It
// returns how often the down key's breaker opened.
func (v *env) checkKeys(res *roundResult, w keyWatch) (trips int, bad []string) {
	fail := func(format string, args ...any) {
		if len(bad) < 20 {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	for c := keyNone; c < keyFresh; c++ {
		s, ok := v.e.KeyStats(keyNames[c])
		if ok && (s.Calls != 0 || s.Running != 0 || s.SlotWaiting != 0) {
			fail("key %q is not quiet: %+v", keyNames[c], s)
		}
		if ok && w.phases[c] == phaseHealthy && s.Breaker.Failures != w.failures[c] && s.Breaker.Failures != 0 {
			// A forgotten key's breaker comes back new, with no failure counted.
			fail("key %q, healthy, counted failures: %d, %d before the round", keyNames[c], s.Breaker.Failures, w.failures[c])
		}
	}
	v.mu.Lock()
	changes := v.changes[w.changes:]
	v.mu.Unlock()
	for _, ch := range changes {
		switch p := w.phases[classOf(ch.Key)]; {
		case ch.To != breaker.Open:
		case p == phaseHealthy:
			fail("key %q, healthy, saw its breaker open (%v>%v) while another key was down", ch.Key, ch.From, ch.To)
		case res.plan.phase == phaseKeyOutage && p == phaseOutage:
			trips++
		}
	}
	for i := range res.recs {
		r := &res.recs[i]
		c := r.spec.key
		if w.phases[c] != phaseHealthy || !w.closed[c] {
			continue
		}
		err := r.refusal
		switch {
		case err != nil:
		case r.doDone:
			err = r.err
		default:
			_, err = r.fut.Result()
		}
		if errors.Is(err, breaker.ErrOpen) {
			fail("call %d to healthy key %q, whose breaker was closed, failed with %v", r.id, r.keyName(), err)
		}
	}
	return trips, bad
}

// maxKeys is more keys than an engine should ever hold in a run, however many fresh keys it
// makes: it sweeps its registry when it holds 1024, forgets those idle (engine.WithKeyIdle) or
// with nothing to remember, and keeps at most twice those it may not forget yet.
const maxKeys = 4096
