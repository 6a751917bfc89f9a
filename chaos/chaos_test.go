package chaos

import (
	"context"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

const (
	roundSize     = 20_000
	sideRoundSize = 4_000
	sideEvery     = 4 // a short-lived engine is closed mid-flight after rounds 0, 4, 8, ...
	// heapSlack is how far the live heap may stand above its baseline: scheduler slabs and
	// queues grown to a round's peak, the breaker changes the test keeps, a Future or two held
	// by a stopped runtime timer until the runtime drops it. A leak of 5 bytes per call
	// exceeds it over a million calls.
	heapSlack = 4 * mib
	// keyBytes is more than the engine holds for one key (about 2.1 KB, most of it the
	// breaker's window of 100 outcomes): the heap may stand that much higher per key held
	// beyond those held after round 1. The keys held are bounded (maxKeys), not a leak.
	keyBytes = 3 << 10
)

// TestChaos drives -chaos.calls calls through one engine in fake time, in rounds of mixed
// misbehaviour (see the package doc), checks every round, and ends with Close arriving
// mid-flight.
func TestChaos(t *testing.T) {
	calls := *flagCalls
	if calls <= 0 {
		calls = defaultCalls
	}
	cfg := runConfig{seed: seedFor(t), tick: time.Millisecond, fake: true, calls: calls}
	checkedRun(t, func(t *testing.T, run func(t *testing.T)) { synctest.Test(t, run) }, cfg)
}

// TestChaosRealTime runs the same rounds on the real clock for -chaos.realtime, with
// durations of a fifth of a millisecond: timers, attempt timeouts and operations race as
// they do in production, which fake time, advancing only when everything waits, never shows.
func TestChaosRealTime(t *testing.T) {
	d := *flagRealTime
	if d <= 0 {
		d = 3 * time.Second
	}
	cfg := runConfig{seed: seedFor(t), tick: 200 * time.Microsecond, duration: d}
	checkedRun(t, func(t *testing.T, run func(t *testing.T)) { run(t) }, cfg)
}

// opening is how every run begins: every dependency goes down and comes back, so that the
// breakers trip and recover and the budget runs dry in every run; then one key's goes down
// alone, so that every run checks that the others' breakers stay closed; then the dice decide.
var opening = []phase{phaseCalm, phaseOutage, phaseCalm, phaseKeyOutage}

// runConfig says how long a run goes on and on what clock.
type runConfig struct {
	seed     uint64
	tick     time.Duration
	fake     bool          // in a synctest bubble
	calls    int           // make at least this many calls through the main engine, or
	duration time.Duration // go on for this long on the real clock
}

// checkedRun runs cfg inside wrap (a synctest bubble or not) and checks that the goroutines
// and the heap came back to where they were.
func checkedRun(t *testing.T, wrap func(*testing.T, func(*testing.T)), cfg runConfig) {
	goroutines, heap := liveGoroutines(), heapAfterGC()
	wrap(t, func(t *testing.T) { run(t, cfg) })
	if n := goroutinesBackTo(goroutines); n > goroutines {
		t.Errorf("%d goroutines after the run, %d before:\n%s", n, goroutines, goroutineDump())
	}
	after := heapAfterGC()
	t.Logf("live heap %.2f MiB before the run, %.2f MiB after", float64(heap)/mib, float64(after)/mib)
	assert.LessOrEqual(t, after, heap+heapSlack, "the heap returned to its baseline")
}

// run makes the calls of cfg through one engine, round after round, with a short-lived engine
// closed mid-flight every few rounds, and checks everything after each round.
func run(t *testing.T, cfg runConfig) {
	rng := rand.New(rand.NewPCG(cfg.seed, 0x5eed))
	start, goroutines := time.Now(), liveGoroutines()
	main := newEnv(t, envConfig{tick: cfg.tick, fake: cfg.fake, breaker: true, budget: true, limits: mainLimits})
	var sum summary
	var heapBase uint64
	var keysBase int
	before := main.e.Stats()
	id := uint64(0)
	for i := 0; ; i++ {
		p := phase(rng.IntN(int(numPhases)))
		if i < len(opening) {
			p = opening[i]
		}
		n, last := roundSize, false
		if cfg.calls > 0 {
			n = max(min(roundSize, cfg.calls-sum.calls), roundSize/4)
			last = sum.calls+n >= cfg.calls
		} else {
			n = roundSize / 4
			last = time.Since(start) >= cfg.duration
		}
		// The bounds end a run only after its opening: a slow round on a busy machine may use
		// up the time, and the round after the outage is the one the checks count on for the
		// breaker's recovery. The last round closes the engine mid-flight, so it cannot be
		// that one either.
		last = last && i >= len(opening)
		plan := drawRound(rng, p, n, last)
		if i < len(opening) && p == phaseKeyOutage {
			// A dead dependency under full load: its key's slots and wait queue fill up.
			plan.submitters, plan.pace = 12, 20
		}
		watch := main.watchKeys(&plan)
		res := main.runRound(t, rng, id, plan)
		after := main.e.Stats()
		tl, bad := main.checkRound(res, before, after)
		trips, keyBad := main.checkKeys(res, watch)
		bad = append(bad, keyBad...)
		if !last {
			if why := main.checkIdle(); why != "" {
				bad = append(bad, why)
			}
		}
		require.Empty(t, bad, "round %d (%v, keys %v, %d calls, close at %d)", i, p, plan.keys, plan.calls, plan.closeAt)
		require.Equal(t, after.Attempts, main.attemptStarts.Load(), "OnAttemptStart events")
		require.Equal(t, after.Retries, main.retryEvents.Load(), "OnRetry events")
		main.problems.report(t)
		if t.Failed() {
			return
		}
		sum.main.add(tl)
		sum.keyTrips += trips
		sum.peaks.add(res.peaks)
		sum.snapshots += res.snapshots
		sum.rounds++
		sum.calls += plan.calls
		id += uint64(plan.calls)
		before = after
		res = nil
		if last {
			break
		}
		if i%sideEvery == 0 {
			id += sideRound(t, rng, cfg, id, &sum, func() int { return main.e.Stats().Workers })
		}
		// Let an open breaker's open duration pass now and then, so that it half-opens; always
		// after an outage, so that the round after it starts with the breaker ready to recover.
		pause := time.Duration(rng.IntN(2*openTicks)) * main.tick
		if p == phaseOutage || p == phaseKeyOutage {
			pause = max(pause, openTicks*main.tick)
		}
		time.Sleep(pause)
		if i == 1 {
			heapBase, keysBase = heapAfterGC(), main.e.Stats().Keys
		} else if heap, keys := heapAfterGC(), main.e.Stats().Keys; i > 1 && heap > heapBase+heapSlack+uint64(max(keys-keysBase, 0))*keyBytes {
			t.Fatalf("live heap %d after round %d (%d calls, %d keys held), %d after round 1 (%d keys); see %s",
				heap, i, sum.calls, keys, heapBase, keysBase, heapDump())
		}
	}
	if cfg.fake {
		synctest.Wait()
	}
	// In fake time the count is exact; on the real clock goroutines that were finishing when
	// the baseline was taken may be gone by now.
	if n := goroutinesBackTo(goroutines); n > goroutines || (cfg.fake && n != goroutines) {
		t.Errorf("%d goroutines after Close, %d before the engine started:\n%s", n, goroutines, goroutineDump())
	}
	sum.trips, sum.recoveries, sum.restarts = main.checkBreakerChanges(t)
	main.closed()
	s := main.e.Stats()
	sum.keys, sum.running = s.Keys, main.gauges.peaks()
	assert.Positive(t, sum.trips, "the breaker tripped")
	assert.Positive(t, sum.recoveries, "the breaker recovered")
	assert.Positive(t, sum.keyTrips, "a down key's breaker opened while the others stayed healthy")
	if cfg.fake { // on the real clock, submitters may not keep up the rate that fills them
		assert.Positive(t, sum.main.bulkhead, "a key's bulkhead was full")
	}
	if fresh := sum.main.fresh; fresh > 2*1024 { // the engine held 1024 keys or more and swept them
		assert.Less(t, uint64(s.Keys), fresh, "idle keys were forgotten")
	}
	assert.Positive(t, s.Budget, "the budget ran dry")
	if cfg.fake {
		assert.Positive(t, s.Late, "abandoned attempts returned late")
	}
	t.Logf("seed %d: %v", cfg.seed, &sum)
	t.Logf("main engine: %+v", s)
}

// sideRound runs a round on a short-lived engine that is closed mid-flight, and checks that
// everything it started is gone. It returns how many calls it made. The main engine's workers
// (mainWorkers) come and go meanwhile, so they are left out of the count.
func sideRound(t *testing.T, rng *rand.Rand, cfg runConfig, base uint64, sum *summary, mainWorkers func() int) uint64 {
	goroutines := liveGoroutines() - mainWorkers()
	side := newEnv(t, envConfig{tick: cfg.tick, fake: cfg.fake, breaker: rng.IntN(2) == 0, budget: rng.IntN(2) == 0,
		limits: drawLimits(rng)})
	plan := drawRound(rng, phase(rng.IntN(int(numPhases))), sideRoundSize, true)
	// Close from a hook first, then two at once, then from a goroutine of the test's, and so on.
	plan.closeBy = closer((sum.sideRounds + 1) % int(numClosers))
	if plan.closeBy == closeInHook {
		plan.closeGrace = []time.Duration{0, 1, 5}[rng.IntN(3)] // Close there returns when its context ends
	}
	watch := side.watchKeys(&plan)
	res := side.runRound(t, rng, base, plan)
	tl, bad := side.checkRound(res, engine.Stats{}, side.e.Stats())
	_, keyBad := side.checkKeys(res, watch)
	if why := side.checkClose(res); why != "" {
		bad = append(bad, why)
	}
	require.Empty(t, append(bad, keyBad...), "side round (%+v, %+v)", plan, side.limits)
	side.problems.report(t)
	side.checkBreakerChanges(t)
	if cfg.fake {
		synctest.Wait()
	}
	if n := goroutinesBackTo(goroutines+mainWorkers()) - mainWorkers(); n > goroutines || (cfg.fake && n != goroutines) {
		t.Fatalf("%d goroutines (but the main engine's workers) after Close of an engine closed mid-flight (%v), %d before it started:\n%s",
			n, plan.closeBy, goroutines, goroutineDump())
	}
	// The engine has finished closing by itself, whoever closed it; one more Close joins that.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	require.NoError(t, side.e.Close(ctx), "Close after the engine closed (%v)", plan.closeBy)
	side.closed()
	sum.side.add(tl)
	sum.closers[plan.closeBy]++
	if res.hookFired {
		sum.hookCloses++
	}
	sum.snapshots += res.snapshots
	sum.sideRounds++
	return uint64(plan.calls)
}
