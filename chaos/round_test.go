package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/recur-go/recur/engine"
)

// roundPlan is what a round does.
type roundPlan struct {
	phase      phase
	keys       [numClasses]phase // the phase of each key's dependency
	calls      int
	submitters int
	pace       int           // each submitter pauses a tick after this many calls
	closeAt    int           // the call at which Close starts; -1 for none
	closeGrace time.Duration // how long Close lets calls finish; < 0 for as long as they take
	closeBy    closer
}

// closer is who closes the engine in a closing round.
type closer uint8

const (
	closeByTest closer = iota // a goroutine of the test's
	closeInHook               // the OnSettled hook of the first call to succeed after closeAt
	closeByTwo                // two of the test's goroutines at once
	numClosers
)

func (p roundPlan) closes() bool { return p.closeAt >= 0 }

// roundResult is what a round left to check.
type roundResult struct {
	plan     roundPlan
	recs     []record
	closeErr error
	// closeErrs are what each Close returned: one, or two with closeByTwo; with closeInHook, the
	// hook's, and how long it took (hookTook), or none if no call succeeded after closeAt and
	// the test closed the engine instead.
	closeErrs []error
	hookTook  time.Duration
	hookFired bool
	lateOps   int64 // attempts whose result must have been discarded
	peaks     peaks // while the calls were made
	// snapshots is how many Stats snapshots a goroutine took while the calls were made, each
	// checked for Submitted == Succeeded + Failed() + Pending (see snapshots).
	snapshots int
}

// drawRound plans a round of n calls; closing rounds start Close at a random call.
func drawRound(rng *rand.Rand, p phase, n int, closing bool) roundPlan {
	rp := roundPlan{phase: p, calls: n, submitters: 1 + rng.IntN(12), pace: 1 + rng.IntN(20), closeAt: -1}
	for c := range rp.keys {
		rp.keys[c] = p
	}
	if p == phaseKeyOutage {
		for c := range rp.keys {
			rp.keys[c] = phaseHealthy
		}
		rp.keys[1+rng.IntN(numKeys)] = phaseOutage // one of the long-lived keys
	}
	if closing {
		rp.closeAt = rng.IntN(n)
		rp.closeGrace = []time.Duration{-1, 0, 5, 50}[rng.IntN(4)]
	}
	return rp
}

// runRound makes the calls of a round, numbered from base, from several submitting goroutines,
// waits until every call settled and every operation returned, and leaves the engine quiet.
func (v *env) runRound(t *testing.T, rng *rand.Rand, base uint64, p roundPlan) *roundResult {
	t.Helper()
	res := &roundResult{plan: p, recs: make([]record, p.calls)}
	for i := range res.recs {
		res.recs[i].id = base + uint64(i)
		res.recs[i].spec = newSpec(rng, &p.keys, len(v.strategies))
		res.recs[i].ops = new(opCount)
	}
	v.cur.Store(&round{base: base, recs: res.recs})
	defer v.cur.Store(nil)

	var ts timers
	var lateOps atomic.Int64
	cancels := make([]context.CancelFunc, p.calls)
	closeDone := make(chan error, 2)
	var hook *hookClose
	var wg sync.WaitGroup
	var sampled peaks // by the first submitter, as it pauses
	stopSnapshots := v.snapshots()
	for s := range p.submitters {
		wg.Go(func() {
			pc := pacer{tick: v.tick}
			for i, k := s, 1; i < p.calls; i, k = i+p.submitters, k+1 {
				if k%p.pace == 0 {
					pc.pause() // callers arrive over time, not all at one instant
					if s == 0 {
						sampled.add(v.gaugesNow())
					}
				}
				if i == p.closeAt {
					switch p.closeBy {
					case closeInHook:
						hook = &hookClose{grace: p.closeGrace, done: closeDone}
						v.hookClose.Store(hook)
					case closeByTwo:
						go func() { closeDone <- v.close(p.closeGrace) }()
						fallthrough
					default:
						go func() { closeDone <- v.close(p.closeGrace) }()
					}
				}
				cancels[i] = v.call(t.Context(), &res.recs[i], &ts, &lateOps)
			}
		})
	}
	wg.Wait()
	sampled.add(v.gaugesNow())
	res.peaks = sampled
	for i := range res.recs {
		if f := res.recs[i].fut; f != nil {
			<-f.Done() // in a bubble, a call that never settles fails the test as a deadlock
		}
	}
	if p.closes() {
		n := 1
		switch {
		case p.closeBy == closeByTwo:
			n = 2
		case p.closeBy == closeInHook && v.hookClose.CompareAndSwap(hook, nil):
			// No call succeeded after closeAt: the test closes the engine.
			go func() { closeDone <- v.close(p.closeGrace) }()
			hook = nil
		}
		for range n {
			if v.fake { // a Close that never returns fails the bubble as a deadlock
				res.closeErrs = append(res.closeErrs, <-closeDone)
				continue
			}
			select {
			case err := <-closeDone:
				res.closeErrs = append(res.closeErrs, err)
			case <-time.After(10 * time.Second):
				t.Fatalf("Close (%v) has not returned 10s after every call settled", p.closeBy)
			}
		}
		res.closeErr = res.closeErrs[0]
		if hook != nil {
			res.hookTook, res.hookFired = hook.took, true
		}
	}
	res.snapshots = stopSnapshots()
	v.quiesce(t, res.recs)
	ts.stop()
	for _, cancel := range cancels {
		cancel()
	}
	if v.fake {
		synctest.Wait()
	}
	res.lateOps = lateOps.Load()
	return res
}

// pacer pauses a submitter a tick at a time. On the real clock a short sleep lasts longer
// than asked (a 200us sleep takes about 1.2ms on Linux, the poller waits in whole
// milliseconds), so a round of thousands of pauses would last several times as long as
// planned: pacer counts what its sleeps overran and skips pauses until that is paid back.
// The callers' rate is then the planned one whatever the timer granularity; in fake time,
// where a sleep lasts exactly as asked, it never skips.
type pacer struct {
	tick time.Duration
	owed time.Duration // how much longer than asked the sleeps so far lasted
}

func (pc *pacer) pause() {
	if pc.owed >= pc.tick {
		pc.owed -= pc.tick
		return
	}
	start := time.Now()
	time.Sleep(pc.tick)
	pc.owed += time.Since(start) - pc.tick
}

// close closes the engine, giving its calls grace (in ticks) to finish.
func (v *env) close(grace time.Duration) error {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if grace >= 0 {
		ctx, cancel = context.WithTimeout(ctx, grace*v.tick)
	}
	defer cancel()
	return v.e.Close(ctx)
}

// quiesce waits until every operation of the round has returned, abandoned ones included, and
// no attempt is running.
func (v *env) quiesce(t *testing.T, recs []record) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		busy := v.e.Stats().Running != 0
		for i := range recs {
			if recs[i].ops.started.Load() != recs[i].ops.returned.Load() {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("operations still running 10s after every call settled: %+v", v.e.Stats())
		}
		time.Sleep(v.tick)
	}
}

// snapshots starts a goroutine that takes Stats snapshots while a round's calls are made, a tick
// apart (in fake time a goroutine that never sleeps would stop the clock), and checks each: every
// accepted call is succeeded, failed or pending, Submitted == Succeeded + Failed() + Pending,
// with Pending not wrapped around below zero, and neither Succeeded nor Failed() goes down from
// one snapshot to the next. Submitted may: a call is counted while its hand-over is under way, and
// uncounted if it is refused then (a full queue, Close), as Pending for that moment. The function it returns stops the goroutine and returns how many snapshots it took.
func (v *env) snapshots() (stop func() int) {
	done, count := make(chan struct{}), make(chan int)
	go func() {
		var prev engine.Stats
		n := 0
		for {
			select {
			case <-done:
				count <- n
				return
			default:
			}
			s := v.e.Stats()
			n++
			if why := identity(prev, s); why != "" {
				v.problems.add("Stats snapshot %d during a round: %s", n, why)
			}
			prev = s
			time.Sleep(v.tick)
		}
	}()
	return func() int { close(done); return <-count }
}

// identity says what is wrong with Stats snapshot s, taken while calls go on after prev (or
// after the zero Stats), or "".
func identity(prev, s engine.Stats) string {
	settled := s.Succeeded + s.Failed()
	switch {
	case settled > s.Submitted || s.Pending > s.Submitted:
		return fmt.Sprintf("Succeeded %d + Failed %d (Pending %d) over Submitted %d", s.Succeeded, s.Failed(), s.Pending, s.Submitted)
	case s.Submitted != settled+s.Pending:
		return fmt.Sprintf("Submitted %d != Succeeded %d + Failed %d + Pending %d", s.Submitted, s.Succeeded, s.Failed(), s.Pending)
	case s.Succeeded < prev.Succeeded || settled < prev.Succeeded+prev.Failed():
		return fmt.Sprintf("settled counts went down: %+v after %+v", s, prev)
	}
	return ""
}

// hookClose is a Close to be called by the OnSettled hook of the next call to succeed, and so
// by a worker of the engine: Close there cannot wait for the engine to finish closing and must
// return when its context ends, after grace.
type hookClose struct {
	grace time.Duration
	done  chan<- error
	took  time.Duration // written before done is sent on
}

// closeFromHook calls the armed Close, if any, from the OnSettled hook of a call that succeeded:
// the goroutine that settles a success is the worker that ran its attempt.
func (v *env) closeFromHook(s engine.Settled) {
	if !s.Success || v.hookClose.Load() == nil {
		return
	}
	if hc := v.hookClose.Swap(nil); hc != nil {
		start := time.Now()
		err := v.close(hc.grace)
		hc.took = time.Since(start)
		hc.done <- err
	}
}

// checkClose checks what a closing round's Close calls returned: each returned (runRound waited
// for them); one Close returns ctx's error or nil, and a Close that joins one under way returns
// nil, so of two at once one returns nil; Close from the hook returns ctx's error once its
// context ends (at that very instant in fake time), as it cannot wait for its own worker.
func (v *env) checkClose(res *roundResult) string {
	p := res.plan
	nils := 0
	for _, err := range res.closeErrs {
		switch {
		case err == nil:
			nils++
		case !errors.Is(err, context.DeadlineExceeded) || p.closeGrace < 0:
			return fmt.Sprintf("Close (%v, grace %v) returned %v", p.closeBy, p.closeGrace, err)
		}
	}
	switch p.closeBy {
	case closeByTwo:
		if nils == 0 {
			return fmt.Sprintf("neither of two concurrent Close calls returned nil: %v", res.closeErrs)
		}
	case closeInHook:
		grace := p.closeGrace * v.tick
		switch took := res.hookTook; {
		case !res.hookFired:
			// no call succeeded after closeAt: the test closed the engine
		case !errors.Is(res.closeErr, context.DeadlineExceeded):
			return fmt.Sprintf("Close from OnSettled returned %v, not its context's error", res.closeErr)
		case v.fake && took != grace, took < grace, took > grace+time.Second:
			return fmt.Sprintf("Close from OnSettled with %v to go returned after %v", grace, took)
		}
	}
	return ""
}

func (c closer) String() string { return [numClosers]string{"test", "hook", "two"}[c] }
