package engine

import (
	"context"
	"errors"

	"github.com/recur-go/recur/breaker"
)

// Submit starts a call of op on e and returns its Future at once; op's first attempt runs on a
// worker. If the work queue is full, Submit blocks until there is room, ctx ends or e closes.
//
// The error is for admission only, returned as it is: ErrClosed, the cause of ctx, an invalid
// option, breaker.ErrOpen when the engine's breaker is open, ErrBulkheadFull when the key's
// bulkhead queue is full, ErrRateLimited when the key's rate limit refuses the call (see
// WithRateLimit), or ErrCrossBubble when e was made on the other side of a testing/synctest
// bubble's boundary. Everything after admission is
// reported by the Future, which settles exactly once, with a *RetryError if it fails (also when
// the breaker refuses its first attempt, opened while the call waited in the queue).
//
// op runs under a context derived from ctx: it ends when ctx does, when the Future is canceled,
// when the attempt times out, when Close gives up waiting, and when the call settles. Do not use
// it after op returns.
func Submit[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts ...CallOption) (*Future[T], error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	f, _, err := submit(ctx, e, op, opts, waitForRoom)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// TrySubmit is Submit without waiting: if the work queue is full it fails with ErrQueueFull.
func TrySubmit[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts ...CallOption) (*Future[T], error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	f, _, err := submit(ctx, e, op, opts, failIfFull)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Do submits op and waits for its result: Submit followed by Await, except that the first
// attempt runs on the calling goroutine, which would only wait otherwise (unless the engine caps
// its concurrency or has bulkheads, which count attempts on workers, or was made
// WithWorkersOnly). Retries wait in the scheduler and run on workers, as any call's do.
//
// If ctx ends, the call settles at once and its operation's context is canceled. Do returns at
// once too, unless the first attempt is running on its goroutine: then Do returns when the
// operation does, as with any function called directly, so op should honour its context.
func Do[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts ...CallOption) (T, error) {
	if err := checkCtx(ctx); err != nil {
		var zero T
		return zero, err
	}
	f, here, err := submit(ctx, e, op, opts, runHere)
	if err != nil {
		if f != nil { // made but refused: its Fallback may cover that
			if v, ferr, ok := refusedFallback[T](f.pol, ctx, err); ok {
				return v, ferr
			}
		}
		var zero T
		return zero, err
	}
	if here {
		e.runHere(f)
	}
	return f.awaitOrCancel(ctx)
}

// Wrap turns op into a function with retries built in, the decorator form: every call of the
// returned function is a Do on e with opts.
func Wrap[T any](e *Engine, op func(context.Context) (T, error), opts ...CallOption) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) { return Do(ctx, e, op, opts...) }
}

var (
	errNilOp     = errors.New("engine: op is nil")
	errNilEngine = errors.New("engine: nil *Engine")
)

// handOff is where a call's first attempt goes.
type handOff uint8

const (
	waitForRoom handOff = iota // to a worker, waiting while the work queue is full
	failIfFull                 // to a worker, or ErrQueueFull
	runHere                    // to the caller, which runs it (see Do), if the engine allows
)

// submit makes and admits a call; here reports that its first attempt is the caller's to run.
// A call made and then refused comes back with the error, for Do's fallback; nil if it could
// not be made.
func submit[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts []CallOption, to handOff) (f *Future[T], here bool, err error) {
	if e == nil {
		return nil, false, errNilEngine
	}
	if op == nil {
		return nil, false, errNilOp
	}
	pol, err := e.resolveCall(opts)
	if err != nil {
		return nil, false, err
	}
	f = &Future[T]{op: op}
	f.pol = pol
	if err := f.checkClassifiers(); err != nil {
		return nil, false, err
	}
	if pol.hedgeMax > 0 {
		f.side = sideOf(pol, f)
	}
	if here, err = e.admit(ctx, f, to); err != nil {
		return f, false, err
	}
	return f, here, nil
}

// admit hands j's first attempt to the workers, to its key's queue, or back to the caller
// (here is true).
func (e *Engine) admit(ctx context.Context, j job, to handOff) (here bool, err error) {
	c := j.base()
	if err := ctx.Err(); err != nil {
		return false, context.Cause(ctx)
	}
	if e.closed.Load() {
		e.stats.rejected.Add(1)
		return false, ErrClosed
	}
	if err := e.checkBubble(); err != nil {
		e.stats.rejected.Add(1)
		return false, err
	}
	k, err := e.keys.acquire(c.pol.key)
	if err != nil {
		return false, err
	}
	c.key = k
	// An open breaker refuses the call here; a closed or half-open one admits each attempt
	// when a worker is about to run it, so that calls queued before the breaker opened do not
	// slip through, and a half-open probe slot is taken only by an attempt that runs.
	if brk := c.breaker(); brk != nil {
		if s := brk.State(); s == breaker.Open || s == breaker.ForcedOpen {
			e.keys.release(k)
			e.stats.rejected.Add(1)
			e.stats.breaker.Add(1)
			return false, breaker.ErrOpen
		}
	}
	if e.timed {
		c.born = e.now()
	}
	c.parent = ctx

	here, err = e.handOver(ctx, j, to)
	if err != nil {
		e.keys.release(k)
		e.stats.rejected.Add(1)
		return false, err
	}
	return here, nil
}

// handOver passes j on under the intake lock, to a worker, the work queue, its key's queue or
// back to the caller (here is true), and once it is there, starts watching ctx.
func (e *Engine) handOver(ctx context.Context, j job, to handOff) (here bool, err error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed.Load() {
		return false, ErrClosed
	}
	e.live.Add(1)
	e.stats.submitted.Add(1) // before the hand-over, so that no snapshot sees a call settle unsubmitted
	if k := j.base().countsOf(); k != nil {
		k.submitted.Add(1)
	}
	run, err := e.enter(j, true)
	if err == nil && run {
		if here = to == runHere && e.onCaller; !here {
			if err = e.dispatch(j, to != failIfFull, ctx, e.closing); err != nil {
				e.giveBack(j)
			}
		}
	}
	if err != nil {
		e.unadmit(j.base())
		return false, err
	}
	if e.budget != nil {
		e.budget.Deposit()
	}
	e.watch(j.base(), ctx)
	return here, nil
}

// unadmit takes back the counts of c, whose hand-over failed.
func (e *Engine) unadmit(c *call) {
	e.stats.submitted.Add(^uint64(0))
	if k := c.countsOf(); k != nil {
		k.submitted.Add(^uint64(0))
	}
	e.noteSettled(1)
}
