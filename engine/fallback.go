package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/recur-go/recur/breaker"
)

// Fallback gives a call a result when it fails: when the call gives up (attempts exhausted, a
// permanent error, a deadline it cannot meet, an open breaker, an empty budget), f is called
// with its *RetryError, and what f returns becomes the call's result: a value (a cached copy, a
// default) or another operation's. The failure stays visible: Future.Replaced returns it, the
// OnSettled hook sees it (Settled.Err, with FellBack set), and Stats count the call as failed,
// for its reason, and in FellBack. If f fails too, the call fails with the *RetryError, whose
// Fallback holds f's error.
//
// f runs once, on the goroutine that settles the call, before the Future settles, under the
// call's context (its values; still live). A call whose caller's deadline passes falls back
// too (a handler's deadline may serve a cached value); a call canceled by its caller or by
// Close does not: nobody waits for it. A Fallback costs two allocations per call. Do also falls back when the engine refuses the call because
// its key's breaker is open, its bulkhead is full or its rate limit has no token. T must be the call's result type: Submit
// refuses a Fallback of another type. A panic in f becomes a *PanicError in Fallback.
func Fallback[T any](f func(ctx context.Context, err error) (T, error)) CallOption {
	return callOptionFunc(func(p *policy) {
		if f == nil {
			p.fail("Fallback: function is nil")
			return
		}
		p.fallback = f
	})
}

// fallBack runs the call's fallback over the failure in f.err; f is claimed (settled, not yet
// published), so nothing else reads or writes its result meanwhile.
func (f *Future[T]) fallBack() {
	fb := f.pol.fallback.(func(context.Context, error) (T, error)) // checked by Submit
	re, _ := f.err.(*RetryError)
	if re == nil {
		return
	}
	v, err := runFallback(fb, f.context(), re)
	if err != nil {
		re.Fallback = err
		return
	}
	f.val, f.fellBack = v, true
}

// runFallback calls fb, turning a panic into a *PanicError.
func runFallback[T any](fb func(context.Context, error) (T, error), ctx context.Context, failure error) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	return fb(ctx, failure)
}

// Replaced returns the failure a Fallback replaced, or nil: if the call has settled and its
// result came from its Fallback, Result returns that result and a nil error, and Replaced the
// *RetryError the call failed with.
func (f *Future[T]) Replaced() error {
	if !f.isDone.Load() || !f.fellBack {
		return nil
	}
	return f.err
}

// checkFallback reports a Fallback whose type does not match the call's, and binds a matching
// one to f: a call that settles knows its Future's type no more than the caller's context does.
func (f *Future[T]) checkFallback() error {
	if f.pol.fallback == nil {
		return nil
	}
	if _, ok := f.pol.fallback.(func(context.Context, error) (T, error)); !ok {
		return fmt.Errorf("engine: Fallback for %T given to a call returning %T", f.pol.fallback, *new(T))
	}
	f.side = &callSide{fallBack: f.fallBack}
	return nil
}

// refusedFallback is Do's fallback for a call the engine refused with err: the call's Fallback,
// if it has one and err is a refusal it covers (an open breaker, a full bulkhead, a rate limit).
func refusedFallback[T any](pol *policy, ctx context.Context, err error) (T, error, bool) {
	var zero T
	if pol == nil || pol.fallback == nil || !(errors.Is(err, breaker.ErrOpen) || errors.Is(err, ErrBulkheadFull) || errors.Is(err, ErrRateLimited)) {
		return zero, err, false
	}
	fb, ok := pol.fallback.(func(context.Context, error) (T, error))
	if !ok {
		return zero, err, false
	}
	v, ferr := runFallback(fb, ctx, err)
	if ferr != nil {
		return zero, errors.Join(err, ferr), true
	}
	pol.e.stats.fellBack.Add(1)
	return v, nil, true
}
