package chaos

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/engine"
)

var (
	errFlaky        = errors.New("chaos: flaky")
	errFail         = errors.New("chaos: down")
	errPermanent    = errors.New("chaos: bad request")
	errHint         = errors.New("chaos: slow down")
	errCallerGaveUp = errors.New("chaos: caller gave up")
)

// op is the operation of call r: it does what r's kind says and keeps count of its
// invocations and returns.
func (v *env) op(r *record, lateOps *atomic.Int64) func(context.Context) (uint64, error) {
	s, id, tick := r.spec, r.id, v.tick
	ops := r.ops
	gauge := v.gauges.of(s.key, ops)
	return func(ctx context.Context) (uint64, error) {
		n := int(ops.started.Add(1))
		if s.hedged() { // attempts run side by side: the engine's numbering, not the order of entry
			a, _ := engine.AttemptOf(ctx)
			n = a.Number
		}
		defer ops.returned.Add(1)
		v.enter(gauge, s.key)
		defer gauge.Add(-1)
		switch s.kind {
		case kindFlaky:
			if n <= int(s.fails) {
				return 0, errFlaky
			}
		case kindFail:
			return 0, errFail
		case kindPermanent:
			return 0, engine.Permanent(errPermanent)
		case kindPanic:
			panic(errPermanent)
		case kindHang:
			<-ctx.Done()
			return 0, ctx.Err()
		case kindIgnore:
			sleep := s.sleep(n)
			if s.timeout > 0 && sleep > int(s.timeout) {
				lateOps.Add(1) // abandoned at its timeout: this result must be discarded
			}
			time.Sleep(time.Duration(sleep) * tick)
		case kindHint:
			if n <= int(s.fails) {
				return 0, engine.RetryAfter(errHint, time.Duration(s.hint)*tick)
			}
		case kindGoexit:
			if n <= int(s.fails) {
				return 0, errFlaky
			}
			if !s.goexitInClassifier() {
				runtime.Goexit() // the deferred counts above still run
			}
		}
		return value(id, n), nil
	}
}

// options are the call options r's spec asks for.
func (v *env) options(r *record) []engine.CallOption {
	s := &r.spec
	opts := make([]engine.CallOption, 0, 10)
	opts = append(opts, engine.Name(r.name()), engine.OnBreakerOpen(s.mode),
		engine.MaxDelay(time.Duration(s.maxDelay)*v.tick))
	if s.key != keyNone {
		opts = append(opts, engine.Key(r.keyName()))
	}
	switch s.health {
	case healthOfError:
		opts = append(opts, engine.BreakerClassify(hintIgnored))
	case healthOfResult:
		opts = append(opts, engine.BreakerClassifyResult(resultsIgnored(uint64(s.fails))))
	}
	if s.attempts == 0 {
		opts = append(opts, engine.UnlimitedAttempts())
	} else {
		opts = append(opts, engine.MaxAttempts(int(s.attempts)))
	}
	if s.timeout > 0 {
		opts = append(opts, engine.AttemptTimeout(time.Duration(s.timeout)*v.tick))
	}
	if st := v.strategies[int(s.strategy)%len(v.strategies)]; st != nil {
		opts = append(opts, st)
	}
	if s.kind == kindRejected {
		fails := uint64(s.fails)
		opts = append(opts, engine.ClassifyResult(func(val uint64, err error) engine.Decision {
			if err == nil && val&0xff <= fails {
				return engine.Retry() // the result says "not yet", as an HTTP 503 would
			}
			return engine.DefaultClassifier(err)
		}))
	}
	if delay, max := time.Duration(1+s.hint%4)*v.tick, 1+int(s.hint%3); s.hedged() && s.sleepSeed&0x80 == 0 {
		opts = append(opts, engine.Hedge(delay, max))
	} else if s.hedged() { // after the 0.9-quantile of its key's latencies, once it has some
		opts = append(opts, engine.HedgeQuantile(0.9, max, delay))
	}
	if s.fallsBack() {
		id := r.id
		opts = append(opts, engine.Fallback(func(_ context.Context, err error) (uint64, error) {
			r.fbErr.Store(&err)
			return fallbackValue(id), nil
		}))
	}
	if s.kind == kindGoexit && s.goexitInClassifier() {
		opts = append(opts, engine.ClassifyResult(func(_ uint64, err error) engine.Decision {
			if err == nil {
				runtime.Goexit() // as require.NoError does when it fails in a classifier
			}
			return engine.DefaultClassifier(err)
		}))
	}
	return opts
}

// timers are the callers' pending actions (cancel later), so that a round can stop them and
// wait for the ones that fired.
type timers struct {
	mu   sync.Mutex
	list []*time.Timer
	wg   sync.WaitGroup
}

func (ts *timers) after(d time.Duration, f func()) {
	ts.wg.Add(1)
	t := time.AfterFunc(d, func() { defer ts.wg.Done(); f() })
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.list = append(ts.list, t)
}

// stop stops every timer that has not fired and waits for the ones that did.
func (ts *timers) stop() {
	ts.mu.Lock()
	for _, t := range ts.list {
		if t.Stop() {
			ts.wg.Done()
		}
	}
	ts.list = nil
	ts.mu.Unlock()
	ts.wg.Wait()
}

// call makes call r as its caller would. The contexts it makes are canceled by cancels, which
// the round calls once every call has settled.
func (v *env) call(base context.Context, r *record, ts *timers, lateOps *atomic.Int64) (cancel context.CancelFunc) {
	s := &r.spec
	op, opts := v.op(r, lateOps), v.options(r)
	after := time.Duration(s.after) * v.tick
	var ctx context.Context
	if s.caller.hasDeadline() {
		ctx, cancel = context.WithTimeout(base, after)
	} else {
		ctx, cancel = context.WithCancel(base)
	}
	var f *engine.Future[uint64]
	var err error
	switch s.caller {
	case callerDo:
		do := func() {
			if r.id%2 == 0 {
				r.val, r.err = engine.Do(ctx, v.e, op, opts...)
			} else {
				r.val, r.err = engine.Wrap(v.e, op, opts...)(ctx)
			}
		}
		if s.kind == kindGoexit {
			// Do runs the first attempt on its caller's goroutine, so a Goexit there ends that
			// goroutine, as it would without the engine: give it one of its own.
			r.exited = !returns(do)
		} else {
			do()
		}
		r.doDone = true
		return cancel
	case callerTry:
		f, err = engine.TrySubmit(ctx, v.e, op, opts...)
	default:
		f, err = engine.Submit(ctx, v.e, op, opts...)
	}
	if err != nil {
		r.refusal = err
		return cancel
	}
	r.fut = f
	switch s.caller {
	case callerCancel:
		ts.after(after, cancel)
	case callerFutureCancel:
		ts.after(after, func() { f.Cancel(errCallerGaveUp) })
	}
	return cancel
}

// doRefusal tells, from what Do returned, whether the call was refused at admission. Do
// returns admission errors as they are, and the only one that is a *RetryError is a breaker
// refusal, with no attempt; but an accepted call whose first attempt the breaker refused looks
// the same, so for those the OnSettled hook decides: an accepted call settles, a refused one
// does not (and the Stats check holds that count to account).
func doRefusal(r *record) error {
	err := r.err
	var re *engine.RetryError
	ok := errors.As(err, &re)
	switch {
	case err == nil:
		return nil
	case !ok:
		return err
	case re.Reason == engine.ReasonBreakerOpen && re.Attempts == 0 && r.settles.Load() == 0:
		return err
	}
	return nil
}

// returns runs f on a goroutine of its own and reports whether f returned, rather than calling
// runtime.Goexit.
func returns(f func()) bool {
	returned := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
		returned = true
	}()
	<-done
	return returned
}

// fallbackValue is what the Fallback of call id returns: its id and attempt 0, which no
// attempt's result has.
func fallbackValue(id uint64) uint64 { return id << 8 }
