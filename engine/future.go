package engine

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/recur-go/recur/breaker"
)

// Future is the pending result of a submitted call. It settles exactly once: with the
// operation's result, or with an error (a *RetryError for every call that was accepted).
// It is safe for concurrent use by any number of goroutines.
type Future[T any] struct {
	call
	op  func(context.Context) (T, error)
	val T
}

// Await waits for the call to settle and returns its result. If ctx ends first, Await returns
// context.Cause(ctx) and the call goes on: use Cancel to stop it. On failure the result is the
// zero value of T.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	if err := checkCtx(ctx); err != nil {
		var zero T
		return zero, err
	}
	if !f.isDone.Load() {
		if ctxDone := ctx.Done(); ctxDone == nil {
			<-f.Done() // a receive costs less than a select
		} else {
			select {
			case <-f.Done():
			case <-ctxDone:
				var zero T
				return zero, context.Cause(ctx)
			}
		}
	}
	return f.result()
}

func (f *Future[T]) result() (T, error) {
	if f.err != nil && !f.fellBack {
		var zero T
		return zero, f.err
	}
	return f.val, nil
}

// Result returns the outcome without waiting; before the Future settles it returns ErrPending.
func (f *Future[T]) Result() (T, error) {
	if !f.isDone.Load() {
		var zero T
		return zero, ErrPending
	}
	return f.result()
}

// Done returns a channel that is closed when the Future settles, for use in select.
func (f *Future[T]) Done() <-chan struct{} { return f.doneChan() }

// Cancel stops the call: the Future settles at once with a *RetryError (reason canceled) that
// wraps cause (context.Canceled if cause is nil), the running attempt's context is canceled with
// it, and a waiting retry is removed. Canceling a settled Future does nothing.
func (f *Future[T]) Cancel(cause error) {
	if cause == nil {
		cause = context.Canceled
	}
	f.pol.e.cancelCall(&f.call, ReasonCanceled, cause)
}

// Attempts returns how many attempts have started so far.
func (f *Future[T]) Attempts() int { return int(f.attempts.Load()) }

func (f *Future[T]) base() *call { return &f.call }

// attempt runs attempt n and judges it: a success is stored here, where the result's type is
// known; anything else goes back to the worker, for the engine's retry logic.
func (f *Future[T]) attempt(ctx context.Context, n int, start time.Time, out *verdictOf) {
	v, err := f.invoke(ctx)
	f.finish(v, err, n, start, out)
}

// finish judges attempt n's outcome: a success is stored, a failure handed to the worker, which
// concludes it (see runOnce).
func (f *Future[T]) finish(v T, err error, n int, start time.Time, out *verdictOf) {
	d, err := f.classify(v, err)
	health := breaker.Ignored
	if f.breaker() != nil || f.pol.e.bulkhead.adaptive != nil { // they learn from it
		var perr *PanicError
		if health, perr = f.judge(v, err, d); perr != nil {
			d, err = Stop(), perr
		}
	}
	if d.verdict == verdictAccept && err == nil {
		*out = verdictOf{step: f.succeed(v, n, start, d, health)}
		return
	}
	if d.verdict == verdictAccept { // accepted with an error: the error is final
		d = Stop()
	}
	*out = verdictOf{step: stepConclude, err: err, d: d, health: health}
}

// succeed claims the call for attempt n's result, unless the attempt was abandoned meanwhile;
// the worker then settles it (stepSucceed).
//
//go:noinline
func (f *Future[T]) succeed(v T, n int, start time.Time, d Decision, health breaker.Outcome) step {
	e := f.pol.e
	var elapsed time.Duration
	if e.timed {
		elapsed = time.Since(start)
	}
	f.mu.Lock()
	if f.settled || !f.runs(n) {
		f.mu.Unlock()
		e.stats.late.Add(1)
		return stepDone
	}
	f.winLocked(n) // claimed: a timeout or Cancel arriving now finds nothing to abandon
	f.val, f.health = v, health
	f.mu.Unlock()
	if len(e.hooks.attemptEnd) > 0 {
		e.attemptEnded(&f.call, n, nil, elapsed, d)
	}
	return stepSucceed
}

// invoke runs the operation, turning a panic into a *PanicError.
func (f *Future[T]) invoke(ctx context.Context) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	return f.op(ctx)
}

// classify asks the call's classifier about an attempt. The default one runs as it is; a user's
// runs under a guard (see classifyGuarded).
func (f *Future[T]) classify(v T, err error) (Decision, error) {
	if f.pol.classifyResult == nil && f.pol.classify == nil {
		return DefaultClassifier(err), err
	}
	return f.classifyGuarded(v, err)
}

// classifyGuarded runs a user's classifier. One that panics stops the call, with a *PanicError in
// place of the attempt's error.
func (f *Future[T]) classifyGuarded(v T, err error) (d Decision, out error) {
	defer func() {
		if r := recover(); r != nil {
			d, out = Stop(), newPanicError(r)
		}
	}()
	if c, ok := f.pol.classifyResult.(func(T, error) Decision); ok {
		return c(v, err), err
	}
	return f.pol.classify(err), err
}

func (f *Future[T]) judgeErr(err error) (Decision, breaker.Outcome, error) {
	var zero T
	d, err := f.classify(zero, err)
	health, perr := f.judge(zero, err, d)
	if perr != nil {
		return Stop(), health, perr
	}
	return d, health, err
}

// checkClassifiers reports a ClassifyResult or BreakerClassifyResult whose type does not match
// the call's.
func (f *Future[T]) checkClassifiers() error {
	if err := f.checkFallback(); err != nil {
		return err
	}
	if f.pol.classifyResult != nil {
		if _, ok := f.pol.classifyResult.(func(T, error) Decision); !ok {
			return errTypeMismatch("ClassifyResult", f.pol.classifyResult, *new(T))
		}
	}
	return f.checkHealthClassifier()
}

func errTypeMismatch(option string, classifier, result any) error {
	return fmt.Errorf("engine: %s for %T given to a call returning %T", option, classifier, result)
}

func newPanicError(r any) *PanicError { return &PanicError{Value: r, Stack: debug.Stack()} }
