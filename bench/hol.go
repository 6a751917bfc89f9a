package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/engine"
)

// The latency percentiles of the calls a scenario watches, each from its Submit to its
// settling, as the caller sees it.
const (
	P50 = "p50-ns"
	P99 = "p99-ns"
)

// The head-of-line scenario's other contenders, beside recur (per-key limits, slow and fast
// traffic) and naive: the baseline, recur with the same limits and the fast traffic alone; and
// recur on engine defaults, which set no per-key limit.
const (
	RecurAlone    = "recur-alone"
	RecurDefaults = "recur-defaults"
)

// FastOp is how long the fast key's operation takes in the head-of-line scenario.
const FastOp = time.Millisecond

// HOLLimit and HOLQueue are recur's per-key bulkhead in the head-of-line scenario
// (engine.WithBulkhead). 64 calls at once per dependency is a connection pool's size (database
// pools and per-host HTTP limits are set in the tens), and some 30 times the fast key's own
// concurrency (2,000 calls/s of about 1 ms: two at once), so the fast key never waits for its
// own slots and its latency shows only what the slow key costs it. A queue of 10,000 holds the
// whole slow burst: every slow call is admitted and waits its turn, the case where a slow key
// could hold up a fast one; a queue that refused them (ErrBulkheadFull) would test less.
const (
	HOLLimit = 64
	HOLQueue = 10_000
)

// The head-of-line scenario's keys.
const (
	slowKey = "slow.example:443"
	fastKey = "fast.example:443"
)

// holSize is the head-of-line scenario's work: slow calls of slowOp each, submitted at once,
// and fast calls of FastOp sent at a steady rate over window() while the slow ones run.
type holSize struct {
	slow, fast int
	slowOp     time.Duration
}

// window is the time over which the fast calls arrive: half the slow operation, so that every
// fast call runs while every slow call is still in flight, with room left for a loaded machine.
func (z holSize) window() time.Duration { return z.slowOp / 2 }

// HeadOfLine is the head-of-line scenario: through one engine, a burst of slow calls to one key
// (slowOp each, a dependency that has become slow), and meanwhile fast calls of FastOp to
// another, arriving one by one at a steady rate as requests reach a service: p50-ns and p99-ns
// of the fast calls, and peak-goroutines. Once the fast calls are done the slow ones are
// canceled (their operations honour their context, as a network call does): their own fate is
// not measured, and with 64 at a time they would take seconds.
func HeadOfLine(rounds, slow, fast int, slowOp time.Duration) Scenario {
	z := holSize{slow: slow, fast: fast, slowOp: slowOp}
	s := Scenario{Name: fmt.Sprintf("hol/slow=%dx%v/fast=%dx%v", slow, slowOp, fast, FastOp), Rounds: rounds}
	for _, c := range holContenders() {
		s.Entries = append(s.Entries, Entry{Contender: c.name, run: func() ([]Measurement, error) {
			return runHOL(c, z)
		}})
	}
	return s
}

// holTarget runs the head-of-line scenario's calls for one contender.
type holTarget interface {
	// submit starts op under key and returns a wait for its outcome; call wait once.
	submit(ctx context.Context, key string, op func(context.Context) error) (wait func() error, err error)
	close() error
}

type holContender struct {
	name     string
	new      func() (holTarget, error)
	withSlow bool // whether the slow burst runs
}

func holContenders() []holContender {
	recur := func(opts ...engine.Option) func() (holTarget, error) {
		return func() (holTarget, error) {
			e, err := engine.New(opts...)
			if err != nil {
				return nil, err
			}
			return recurTarget{e}, nil
		}
	}
	limited := recur(engine.WithBulkhead(HOLLimit, HOLQueue))
	return []holContender{
		{Recur, limited, true},
		{RecurAlone, limited, false},
		{RecurDefaults, recur(), true},
		{Naive, func() (holTarget, error) { return &naiveTarget{}, nil }, true},
	}
}

// recurTarget submits every call to one engine under its key; the caller awaits its Future.
type recurTarget struct{ e *engine.Engine }

func (t recurTarget) submit(ctx context.Context, key string, op func(context.Context) error) (func() error, error) {
	f, err := engine.Submit(ctx, t.e, func(ctx context.Context) (struct{}, error) { return struct{}{}, op(ctx) }, engine.Key(key))
	if err != nil {
		return nil, err
	}
	return func() error {
		_, err := f.Await(context.Background())
		return err
	}, nil
}

func (t recurTarget) close() error { return t.e.Close(context.Background()) }

// naiveTarget runs every call on a goroutine of its own and knows nothing of keys.
type naiveTarget struct{ wg sync.WaitGroup }

func (t *naiveTarget) submit(ctx context.Context, _ string, op func(context.Context) error) (func() error, error) {
	done := make(chan error, 1)
	t.wg.Go(func() { done <- op(ctx) })
	return func() error { return <-done }, nil
}

func (t *naiveTarget) close() error {
	t.wg.Wait()
	return nil
}

// errSlowKeyIdle: a slow call finished before the last fast call was sent, so not all of the
// fast traffic met a busy slow key.
var errSlowKeyIdle = errors.New("bench: a slow call finished before the last fast call was sent (machine too loaded?)")

// runHOL measures one run of the head-of-line scenario for c.
func runHOL(c holContender, z holSize) ([]Measurement, error) {
	before := newReader().read()
	t, err := c.new()
	if err != nil {
		return nil, err
	}
	probe := startPeakProbe()
	slowCtx, cancelSlow := context.WithCancel(context.Background())
	defer cancelSlow()
	var slowDone atomic.Int64
	slowOp := func(ctx context.Context) error {
		err := sleepCtx(ctx, z.slowOp)
		if err == nil {
			slowDone.Add(1)
		}
		return err
	}
	var slow []func() error
	for range z.slow {
		if !c.withSlow {
			break
		}
		wait, serr := t.submit(slowCtx, slowKey, slowOp)
		if serr != nil {
			err = serr
			break
		}
		slow = append(slow, wait)
	}
	var lat []time.Duration
	if err == nil {
		lat, err = fastTraffic(t, z, &slowDone)
	}
	peak := probe.Stop()
	cancelSlow()
	for _, wait := range slow {
		if serr := wait(); serr != nil && !errors.Is(serr, context.Canceled) && err == nil {
			err = fmt.Errorf("slow call: %w", serr)
		}
	}
	if err := errors.Join(err, t.close()); err != nil {
		return nil, err
	}
	slices.Sort(lat)
	return []Measurement{
		{P50, float64(percentile(lat, 0.50).Nanoseconds())},
		{P99, float64(percentile(lat, 0.99).Nanoseconds())},
		// The probe's own goroutine is not the contender's.
		{PeakGoroutines, float64(peak.goroutines) - float64(before.goroutines) - 1},
	}, nil
}

// fastTraffic sends z.fast calls of FastOp to the fast key, one every window()/fast, each from
// a goroutine of its own as requests reach a server, and returns each one's latency, from its
// submission to its outcome. No slow call may have finished (slowDone) when the last fast one
// is sent; a fast call may well settle after the slow ones, if it waited behind them: that is
// what the scenario is there to see.
func fastTraffic(t holTarget, z holSize, slowDone *atomic.Int64) ([]time.Duration, error) {
	lat := make([]time.Duration, z.fast)
	errs := new(firstError)
	var wg sync.WaitGroup
	interval := z.window() / time.Duration(z.fast)
	start := time.Now()
	for i := range z.fast {
		// Due times are absolute: a late wake-up (timers are coarse) sends the calls it missed at
		// once rather than stretching the window past the slow calls' end.
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		wg.Go(func() {
			t0 := time.Now()
			wait, err := t.submit(context.Background(), fastKey, func(ctx context.Context) error { return sleepCtx(ctx, FastOp) })
			if err == nil {
				err = wait()
			}
			lat[i] = time.Since(t0)
			errs.set(err)
		})
	}
	if slowDone.Load() > 0 {
		errs.set(errSlowKeyIdle)
	}
	wg.Wait()
	return lat, errs.get()
}

// sleepCtx waits d on a timer, or until ctx ends, as a network call waits on the network.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// percentile returns the q-quantile of sorted by nearest rank, 0 for none.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(int(math.Ceil(q*float64(len(sorted))))-1, 0)]
}
