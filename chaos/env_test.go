package chaos

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// env is an engine under test with everything its hooks have seen.
type env struct {
	e          *engine.Engine
	tick       time.Duration // the unit of every duration in the plan
	fake       bool          // runs in a synctest bubble
	breaker    bool
	budget     bool
	limits     limits
	strategies []engine.CallOption // index 0 is nil: the engine's default

	cur           atomic.Pointer[round] // the round whose calls are in flight
	hookClose     atomic.Pointer[hookClose]
	gauges        gauges
	starts        starts
	attemptStarts atomic.Uint64
	retryEvents   atomic.Uint64
	problems      problems
	closed        func() // the run has closed the engine: the test's cleanup lets go of it

	spin      sync.Mutex // guards what follows, for immediate
	spinAt    time.Time
	spinCount int

	mu      sync.Mutex // guards changes
	changes []engine.BreakerChange
}

// openTicks is how long the main engine's breaker stays open before it half-opens.
const openTicks = 20

// strategyImmediate is the index of backoff.Immediate in env.strategies, the last one.
const strategyImmediate = 5

// envConfig says what an engine under test has.
type envConfig struct {
	tick    time.Duration
	fake    bool
	breaker bool
	budget  bool
	limits
}

func newEnv(t testing.TB, c envConfig) *env {
	t.Helper()
	v := &env{tick: c.tick, fake: c.fake, breaker: c.breaker, budget: c.budget, limits: c.limits}
	tick := c.tick
	v.strategies = []engine.CallOption{
		nil,
		engine.Backoff(backoff.Constant(tick)),
		engine.Backoff(backoff.Decorrelated(tick, 20*tick)),
		engine.Backoff(backoff.EqualJitter(backoff.Linear(tick, 2*tick))),
		engine.Backoff(backoff.Capped(backoff.NewAdaptive(backoff.Exponential(tick, 1.5)), 40*tick)),
		engine.Backoff(backoff.Func(v.immediate)), // strategyImmediate
	}
	opts := append(c.limits.options(tick), engine.WithName("chaos"),
		engine.WithHooks(engine.Hooks{
			OnAttemptStart:  func(engine.AttemptStart) { v.attemptStarts.Add(1) },
			OnRetry:         v.onRetry,
			OnSettled:       v.onSettled,
			OnBreakerChange: v.onBreakerChange,
		}),
		engine.Defaults(engine.MaxAttempts(3), engine.MaxDelay(30*tick),
			engine.Backoff(backoff.FullJitter(backoff.Exponential(tick, 2)))),
	)
	if c.breaker {
		// One breaker per key, each with a window of its own: a small one, as fresh keys make
		// a breaker each (and a fresh key never has the calls to trip it).
		opts = append(opts, engine.WithBreaker(breaker.FailureRatio(0.8, 100, 50),
			breaker.OpenFor(openTicks*tick), breaker.HalfOpenProbes(3), breaker.CloseAfter(2)))
	}
	if c.budget {
		// 20% of calls, plus a trickle of one retry every 10 ticks.
		b, err := engine.NewBudget(0.2, float64(time.Second/(10*tick)), 200)
		require.NoError(t, err)
		opts = append(opts, engine.WithBudget(b))
	}
	var err error
	v.e, err = engine.New(opts...)
	require.NoError(t, err)
	// A test that stops early must not leave the engine's goroutines behind. The cleanup holds
	// the engine only until the run has closed it (see closed): a closed engine still holds its
	// keys, and the run's heap checks would count those of every engine it made.
	unclosed := &atomic.Pointer[engine.Engine]{}
	unclosed.Store(v.e)
	v.closed = func() { unclosed.Store(nil) }
	t.Cleanup(func() {
		if e := unclosed.Load(); e != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = e.Close(ctx)
		}
	})
	return v
}

// record is one call: its plan, what its caller saw, what the hooks saw and what its
// operation did.
type record struct {
	spec spec
	id   uint64

	// what the caller saw, written by the submitting goroutine before the round is checked
	fut     *engine.Future[uint64]
	refusal error // admission error; nil if the call was accepted
	doDone  bool  // Do returned val and err, or its goroutine exited in it
	exited  bool  // user code called runtime.Goexit on Do's goroutine: err is the hook's
	val     uint64
	err     error

	// what the hooks saw
	settles      atomic.Int32
	hookSuccess  atomic.Bool
	hookAttempts atomic.Int32
	hookReason   atomic.Int32
	hookErr      atomic.Pointer[error]
	hookFellBack atomic.Bool
	hookWinner   atomic.Int32
	fbErr        atomic.Pointer[error] // what its Fallback was given, if it ran

	// what the operation did, apart from the record: the operation must not keep the round's
	// records reachable (a stopped timer may hold on to a Future for a while)
	ops *opCount
}

// opCount counts the invocations and returns of one call's operation.
type opCount struct {
	started  atomic.Int32
	returned atomic.Int32
	running  atomic.Int32 // the bulkhead gauge of a fresh key, whose only call this is
}

func (r *record) name() string { return strconv.FormatUint(r.id, 10) }

// round is a batch of calls submitted together.
type round struct {
	base uint64 // id of recs[0]
	recs []record
}

func (v *env) lookup(name string) *record {
	id, err := strconv.ParseUint(name, 10, 64)
	r := v.cur.Load()
	if err != nil || r == nil || id < r.base || id-r.base >= uint64(len(r.recs)) {
		v.problems.add("hook event for a call not in flight: %q", name)
		return nil
	}
	return &r.recs[id-r.base]
}

func (v *env) onSettled(s engine.Settled) {
	defer v.closeFromHook(s)
	r := v.lookup(s.Name)
	if r == nil {
		return
	}
	if s.Key != r.keyName() {
		v.problems.add("call %d to key %q settled with key %q", r.id, r.keyName(), s.Key)
	}
	r.hookSuccess.Store(s.Success)
	r.hookAttempts.Store(int32(s.Attempts))
	r.hookReason.Store(int32(s.Reason))
	r.hookErr.Store(&s.Err)
	r.hookFellBack.Store(s.FellBack)
	r.hookWinner.Store(int32(s.Winner))
	r.settles.Add(1)
	if r.id%64 == 0 { // a snapshot taken while calls settle, by the goroutine settling one
		if why := identity(engine.Stats{}, v.e.Stats()); why != "" {
			v.problems.add("Stats snapshot in OnSettled of call %d: %s", r.id, why)
		}
	}
}

func (v *env) onRetry(ev engine.RetryScheduled) {
	v.retryEvents.Add(1)
	r := v.lookup(ev.Name)
	if r == nil {
		return
	}
	s := &r.spec
	maxDelay := time.Duration(s.maxDelay) * v.tick
	switch {
	case ev.Delay < 0:
		v.problems.add("call %d: retry %d scheduled with a negative delay %v", r.id, ev.Attempt, ev.Delay)
	case s.attempts > 0 && ev.Attempt > int(s.attempts):
		v.problems.add("call %d: retry %d scheduled, beyond MaxAttempts(%d)", r.id, ev.Attempt, s.attempts)
	case s.mode != engine.WaitForHalfOpen && ev.Delay > maxDelay:
		v.problems.add("call %d: retry delay %v over MaxDelay %v", r.id, ev.Delay, maxDelay)
	}
	// A Retry-After hint overrides the strategy: a floor, spread by up to one more hint within
	// MaxDelay; a hint past MaxDelay stops the call instead.
	if d, ok := hinted(ev.Err); ok && (d > maxDelay || ev.Delay < d || ev.Delay > min(2*d, maxDelay)) {
		v.problems.add("call %d: hint %v with MaxDelay %v gave a delay of %v", r.id, d, maxDelay, ev.Delay)
	}
}

// hinted returns the delay a RetryAfter mark on err asks for, as the default classifier
// reads it.
func hinted(err error) (time.Duration, bool) {
	text, ok := strings.CutPrefix(engine.DefaultClassifier(err).String(), "retry-after ")
	if !ok {
		return 0, false
	}
	d, parseErr := time.ParseDuration(text)
	return d, parseErr == nil
}

func (v *env) onBreakerChange(c engine.BreakerChange) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.changes = append(v.changes, c)
}

// problems collects what hooks found wrong, to be reported by the test goroutine.
type problems struct {
	mu    sync.Mutex
	count int
	first []string
}

func (p *problems) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count++
	if len(p.first) < 20 {
		p.first = append(p.first, fmt.Sprintf(format, args...))
	}
}

func (p *problems) report(t testing.TB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.first {
		t.Error(s)
	}
	if p.count > len(p.first) {
		t.Errorf("... and %d more problems", p.count-len(p.first))
	}
	p.count, p.first = 0, nil
}

// immediate is backoff.Immediate, with a guard against bugSpin (fixed, see findings_test.go)
// coming back: in a synctest bubble the engine asking for the same call's delay at one instant
// without end would hang the run. After spinLimit answers of 0 at one instant it reports the
// bug and answers a tick, so that time moves on.
func (v *env) immediate(int, time.Duration) time.Duration {
	v.spin.Lock()
	defer v.spin.Unlock()
	if now := time.Now(); !now.Equal(v.spinAt) {
		v.spinAt, v.spinCount = now, 0
	}
	if v.spinCount++; v.spinCount > spinLimit {
		v.spinCount = 0
		v.problems.add("%s", bugSpin)
		return v.tick
	}
	return 0
}

// spinLimit is far more zero delays than one instant of a round asks for without the bug:
// a round has 20,000 calls of at most 5 attempts.
const spinLimit = 200_000
