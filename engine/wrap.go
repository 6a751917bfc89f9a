package engine

import (
	"context"
	"time"
)

// Wrap1 turns fn, a function of one argument, into a function with retries built in, the
// decorator form of Do for functions that take more than a context:
//
//	get := engine.Wrap1(e, fetchUser, engine.Name("users.get"))
//	u, err := get(ctx, id)
//
// opts are resolved once, here, with the engine's Defaults and Overrides; an invalid option, a
// nil e or a nil fn is returned by every call (a decorator has no error of its own to return).
// A call is a Do (its first attempt on the calling goroutine, where the engine allows it),
// without the closure that binding the argument would take: the argument is kept beside the
// call's Future. As with Do, when the first attempt runs on the calling goroutine and ctx ends,
// the call settles at once but the function returns when fn does: fn should honour its context.
func Wrap1[A, T any](e *Engine, fn func(context.Context, A) (T, error), opts ...CallOption) func(context.Context, A) (T, error) {
	pol, err := resolveWrap[T](e, fn == nil, opts)
	return func(ctx context.Context, a A) (T, error) {
		if err != nil {
			var zero T
			return zero, err
		}
		if err := checkCtx(ctx); err != nil {
			var zero T
			return zero, err
		}
		j := &argCall[A, T]{fn: fn, arg: a}
		j.pol = pol
		if pol.fallback != nil || pol.hedgeMax > 0 { // a Fallback's type checked once, by resolveWrap
			j.side = sideOf(pol, j)
		}
		here, err := e.admit(ctx, j, runHere)
		if err != nil {
			if v, ferr, ok := refusedFallback[T](pol, ctx, err); ok { // as Do falls back
				return v, ferr
			}
			var zero T
			return zero, err
		}
		if here { // its first attempt runs on this goroutine, as Do's does
			e.runHere(j)
		}
		return j.Future.awaitOrCancel(ctx)
	}
}

// Wrap2 is Wrap1 for functions of two arguments.
func Wrap2[A, B, T any](e *Engine, fn func(context.Context, A, B) (T, error), opts ...CallOption) func(context.Context, A, B) (T, error) {
	var pair func(context.Context, args2[A, B]) (T, error)
	if fn != nil {
		pair = func(ctx context.Context, p args2[A, B]) (T, error) { return fn(ctx, p.a, p.b) }
	}
	call := Wrap1(e, pair, opts...) // one closure, made here, not per call
	return func(ctx context.Context, a A, b B) (T, error) { return call(ctx, args2[A, B]{a, b}) }
}

// args2 holds Wrap2's two arguments as one.
type args2[A, B any] struct {
	a A
	b B
}

// resolveWrap resolves a decorator's options once, and checks its engine and function.
func resolveWrap[T any](e *Engine, nilFn bool, opts []CallOption) (*policy, error) {
	if e == nil {
		return nil, errNilEngine
	}
	if nilFn {
		return nil, errNilOp
	}
	pol, err := e.resolveCall(opts)
	if err != nil {
		return nil, err
	}
	return pol, checkResultType[T](pol)
}

// checkResultType reports a result classifier or a Fallback of pol that does not fit calls
// returning T, as submit does per call; a batch or a decorator checks once, and binds a Fallback
// to each of its calls itself.
func checkResultType[T any](pol *policy) error {
	var f Future[T]
	f.pol = pol
	return f.checkClassifiers()
}

// argCall is a call of a function of one argument: the argument is stored beside the Future, so
// that neither a decorated call nor a call of Map needs a closure to bind it. It is a job like a
// Future (whose op it leaves nil), with an attempt of its own.
type argCall[A, T any] struct {
	Future[T]
	fn  func(context.Context, A) (T, error)
	arg A
}

// attempt runs attempt n on the stored argument and judges it, as Future.attempt does.
func (j *argCall[A, T]) attempt(ctx context.Context, n int, start time.Time, out *verdictOf) {
	v, err := j.invokeArg(ctx)
	j.finish(v, err, n, start, out)
}

// invokeArg runs the function, turning a panic into a *PanicError, as Future.invoke does.
func (j *argCall[A, T]) invokeArg(ctx context.Context) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(r)
		}
	}()
	return j.fn(ctx, j.arg)
}

// awaitOrCancel waits for the call as Do does: if ctx ends first, the call is canceled, and its
// own error (attempts, last error) is returned rather than the bare context error.
func (f *Future[T]) awaitOrCancel(ctx context.Context) (T, error) {
	v, err := f.Await(ctx)
	if err != nil && ctx.Err() != nil {
		// ctx's watcher is settling the call; Cancel settles it now if the watcher has not
		// started yet. Either way the call publishes its own error promptly.
		f.Cancel(context.Cause(ctx))
		<-f.Done()
		return f.Result()
	}
	return v, err
}
