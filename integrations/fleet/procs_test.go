package fleet_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/fleet"
)

// The fault tests (Redis stopped, frozen, cut off) run a few processes in fleet mode and one in
// local mode side by side, each making calls one after another, and check what users depend on:
// no call waits on Redis beyond Timeout, every call settles once, with local mode's outcome.

// faultOptions are the fleet's options in the fault tests: the budget never denies their
// workload's retries (a token per call, at most a retry per call), so outcomes are local mode's.
func faultOptions(ns string) fleet.Options {
	return fleet.Options{Namespace: ns, Ratio: 1, MinPerSecond: 10, Capacity: 10,
		Timeout: 50 * time.Millisecond, Poll: 200 * time.Millisecond}
}

// timedBudget measures how long the engine waits in the fleet's budget.
type timedBudget struct {
	b     *fleet.Budget
	waits spans // the withdrawals that took long enough to matter
}

func (t *timedBudget) Deposit() { t.b.Deposit() }

func (t *timedBudget) Withdraw() bool {
	start := time.Now()
	ok := t.b.Withdraw()
	t.waits.add(span{start, time.Now()})
	return ok
}

// noteworthy is the shortest wait or call that spans keeps: far below any bound checked.
const noteworthy = 10 * time.Millisecond

// spans collects the spans (waits, calls) that lasted noteworthy or more.
type spans struct {
	mu sync.Mutex
	s  []span
}

func (l *spans) add(s span) {
	if s.len() >= noteworthy {
		l.mu.Lock()
		l.s = append(l.s, s)
		l.mu.Unlock()
	}
}

// take returns the spans collected since the last take.
func (l *spans) take() []span {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.s
	l.s = nil
	return out
}

// callID marks a call's context with the call's number, so that its OnSettled events can be told
// from other calls'.
type callID struct{}

// scripted is call n's operation: its first attempt fails, and every fifth call fails its second
// too. Its outcome depends on n alone: a process's outcomes are local mode's unless the fleet
// changed one (a retry denied, a call refused by a breaker, a call failed by a wait).
func scripted(n int) func(context.Context) (int, error) {
	var attempts atomic.Int32
	return func(context.Context) (int, error) {
		if attempts.Add(1) == 1 || n%5 == 0 {
			return 0, errDown
		}
		return n, nil
	}
}

// proc is one process of a fault test: an engine, in fleet mode or in local mode, whose calls
// use the key "db"; the key "dep" is for tests of its breaker.
type proc struct {
	f      *fleet.Fleet // nil in local mode
	e      *engine.Engine
	b      *timedBudget // the fleet's budget, timed; nil in local mode
	calls  spans        // the calls that took long enough to matter
	opened atomic.Int64 // when its breaker for "dep" last opened (unix ns)
	closed atomic.Int64 // and closed

	mu       sync.Mutex
	outcomes []string    // call n's outcome, at n
	settled  map[int]int // OnSettled events per call
}

// newProc makes a process in fleet mode as a member of f, or in local mode if f is nil, with
// the budget options of faultOptions and the breaker options brkOpts.
func newProc(t *testing.T, f *fleet.Fleet) *proc {
	t.Helper()
	p := &proc{f: f, settled: make(map[int]int)}
	opts := []engine.Option{
		engine.WithBreaker(brkOpts...),
		engine.Defaults(engine.MaxAttempts(2), engine.Backoff(backoff.Constant(time.Millisecond))),
		engine.WithHooks(engine.Hooks{
			OnSettled: func(s engine.Settled) {
				if n, ok := s.Ctx.Value(callID{}).(int); ok {
					p.mu.Lock()
					p.settled[n]++
					p.mu.Unlock()
				}
			},
			OnBreakerChange: func(c engine.BreakerChange) {
				switch {
				case c.Key != "dep":
				case c.To == breaker.Open:
					p.opened.Store(time.Now().UnixNano())
				case c.To == breaker.Closed:
					p.closed.Store(time.Now().UnixNano())
				}
			},
		}),
	}
	if f != nil {
		p.b = &timedBudget{b: f.Budget()}
		opts = append(opts, engine.WithBudget(p.b), f.Breakers())
	} else {
		o := faultOptions("")
		b, err := engine.NewBudget(o.Ratio, o.MinPerSecond, o.Capacity)
		require.NoError(t, err)
		opts = append(opts, engine.WithBudget(b))
	}
	var err error
	p.e, err = engine.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.e.Close(context.Background()) })
	require.NotNil(t, p.e.KeyBreaker("dep")) // the key exists in every process before it opens
	return p
}

// call makes the process's next call, and records its outcome and how long it took.
func (p *proc) call() {
	p.mu.Lock()
	n := len(p.outcomes)
	p.mu.Unlock()
	start := time.Now()
	v, err := engine.Do(context.WithValue(context.Background(), callID{}, n), p.e, scripted(n), engine.Key("db"))
	p.calls.add(span{start, time.Now()})
	out := fmt.Sprintf("ok %d", v)
	if err != nil {
		out = err.Error()
	}
	p.mu.Lock()
	p.outcomes = append(p.outcomes, out)
	p.mu.Unlock()
}

// runAll makes calls on every process, one after another with a millisecond between them,
// until the returned function is called; it returns once they stopped.
func runAll(ps ...*proc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				p.call()
				time.Sleep(time.Millisecond)
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

// waitAll waits until cond holds for every process, and returns how long that took.
func waitAll(t *testing.T, ps []*proc, what string, cond func(*proc) bool) time.Duration {
	t.Helper()
	start := time.Now()
	require.Eventually(t, func() bool {
		for _, p := range ps {
			if !cond(p) {
				return false
			}
		}
		return true
	}, 10*time.Second, time.Millisecond, what)
	return time.Since(start)
}

// resetWaits starts the measure of the waits in the budget and of the calls anew.
func resetWaits(ps []*proc) {
	for _, p := range ps {
		p.b.waits.take()
		p.calls.take()
	}
}

// waits are the longest wait in the budget and the slowest call since resetWaits: in all, and
// leaving out the time the process was stalled (Net).
type waits struct{ Wait, WaitNet, Call, CallNet time.Duration }

func (w waits) String() string {
	show := func(d time.Duration) string {
		if d == 0 {
			return "<" + noteworthy.String() // spans keeps nothing shorter
		}
		return d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("longest wait on Redis %s (%s not stalled), slowest call %s (%s not stalled)",
		show(w.Wait), show(w.WaitNet), show(w.Call), show(w.CallNet))
}

// checkWaits checks that no call waited on Redis beyond Timeout since resetWaits, leaving out
// the time the process was stalled (see stallMeter). The slack is what a busy machine adds to
// waking a goroutine besides: far less than Redis stays away in the fault tests, which a wait
// without Timeout would last.
func checkWaits(t *testing.T, m *stallMeter, ps []*proc, what string) waits {
	t.Helper()
	const slack = 100 * time.Millisecond
	var w waits
	for _, p := range ps {
		for _, s := range p.b.waits.take() {
			w.Wait, w.WaitNet = max(w.Wait, s.len()), max(w.WaitNet, m.net(s))
		}
		for _, s := range p.calls.take() {
			w.Call, w.CallNet = max(w.Call, s.len()), max(w.CallNet, m.net(s))
		}
	}
	limit := faultOptions("").Timeout + slack
	assert.Less(t, w.WaitNet, limit, "%s: no call waits in the budget beyond the timeout", what)
	// A call: two attempts that take no time, a 1ms backoff and at most one wait on Redis.
	assert.Less(t, w.CallNet, limit, "%s: no call waits on Redis beyond the timeout", what)
	return w
}

// checkSettledAsLocal closes the engines, so that every hook has run, and checks that every call
// of every process settled once, with local mode's outcome: the local process makes the calls
// it has not made yet first. Each fleet process must have fallen back and rejoined times times.
func checkSettledAsLocal(t *testing.T, ps []*proc, local *proc, times int) {
	t.Helper()
	most := 0
	for _, p := range ps {
		most = max(most, len(p.outcomes))
	}
	for len(local.outcomes) < most {
		local.call()
	}
	for i, p := range append(ps[:len(ps):len(ps)], local) {
		require.NoError(t, p.e.Close(context.Background()))
		st := p.e.Stats()
		assert.Equal(t, st.Submitted, st.Succeeded+st.Failed(), "process %d: every call settled", i)
		assert.Zero(t, st.Pending, "process %d", i)
		assert.Equal(t, breaker.Closed, p.e.KeyBreaker("db").State(), "process %d: Redis failing did not open the breaker", i)
		p.mu.Lock() // the hooks ran on the engine's goroutines
		settled := p.settled
		p.mu.Unlock()
		for n, out := range p.outcomes {
			if !assert.Equal(t, 1, settled[n], "process %d: call %d settled once", i, n) ||
				!assert.Equal(t, local.outcomes[n], out, "process %d: call %d's outcome is local mode's", i, n) {
				break
			}
		}
		if p.f != nil {
			fs := p.f.Stats()
			t.Logf("process %d: %d calls, %d Redis commands, %d fallbacks, %d rejoins, last error %q",
				i, len(p.outcomes), fs.Ops, fs.Fallbacks, fs.Rejoins, fs.LastError)
			assert.GreaterOrEqual(t, fs.Fallbacks, uint64(times), "process %d fell back", i)
			assert.GreaterOrEqual(t, fs.Rejoins, uint64(times), "process %d rejoined", i)
		}
	}
}
